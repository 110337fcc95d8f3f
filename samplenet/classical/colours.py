"""Final foreground and background colours for a given alpha matte.

A cut-out must show the subject's own colour, not ``image * alpha``:
at a strand of hair with alpha 0.3 the pixel is 70 % old background.
pymatting's multilevel foreground estimation (Germer et al. 2020) solves
``I = alpha F + (1 - alpha) B`` for smooth ``F`` and ``B``.
"""
from __future__ import annotations

import numpy as np
from pymatting import estimate_foreground_ml


def estimate_colours(
    image: np.ndarray, alpha: np.ndarray, regularization: float = 1e-5
) -> tuple[np.ndarray, np.ndarray]:
    """(foreground, background), each HxWx3 float32 RGB in [0, 1].

    Where alpha is exactly 1 the foreground is the image itself, and where
    it is exactly 0 so is the background; elsewhere both are estimated.
    """
    fg, bg = estimate_foreground_ml(image, alpha, regularization=regularization, return_background=True)
    fg = np.clip(fg, 0.0, 1.0).astype(np.float32)
    bg = np.clip(bg, 0.0, 1.0).astype(np.float32)
    colours = image.astype(np.float32)
    opaque = alpha >= 1.0
    clear = alpha <= 0.0
    fg[opaque] = colours[opaque]
    bg[clear] = colours[clear]
    return fg, bg
