"""Resizing a trimap without losing what the person painted.

Three places run on a smaller copy of a photo: the app above its
full-resolution limit, the weight-free engine when the unknown region is
huge, and SampleNet's samplers (``sampling_max_side``) and ``size=`` mode.
They all resize the trimap with :func:`shrink_trimap`, so a label means the
same at every size.  Two things must survive the resize:

* every band: a cell is background or foreground only if every pixel it
  covers is; a cell that mixes labels is unknown, so a thin grey band never
  disappears (resizing by nearest neighbour or by a majority vote drops it);
* every label: where that rule would leave no foreground (or no background)
  pixel at all, say a white stroke thinner than a cell, that label keeps
  every cell it touches, so the engine still learns what the subject is.
"""
from __future__ import annotations

import cv2
import numpy as np

from .io import BACKGROUND, FOREGROUND, UNKNOWN

#: A share of a cell below this counts as "does not touch it" (area weights
#: are sums of floats, so "all" and "none" are not exact).
_TOUCH = 1e-6


def shrink_trimap(trimap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``trimap`` (``HxW uint8``, 0 / 128 / 255) at ``size`` = ``(width, height)``.

    A cell is known only where all it covers has that label; a label that
    would vanish keeps every cell it touches (see the module's docstring).
    Works for enlarging too, where a cell is known away from label edges.
    """
    width, height = size
    out = np.full((height, width), UNKNOWN, np.uint8)
    shares = {
        label: cv2.resize((trimap == label).astype(np.float64), (width, height), interpolation=cv2.INTER_AREA)
        for label in (BACKGROUND, FOREGROUND)
    }
    for label, share in shares.items():
        out[share >= 1.0 - _TOUCH] = label
    for label, share in shares.items():
        if not np.any(out == label) and np.any(trimap == label):
            out[share > _TOUCH] = label
    return out
