"""Final foreground and background colours for a given alpha matte.

A cut-out must show the subject's own colour, not ``image * alpha``:
at a strand of hair with alpha 0.3 the pixel is 70 % old background.
pymatting's multilevel foreground estimation (Germer et al. 2020) solves
``I = alpha F + (1 - alpha) B`` for smooth ``F`` and ``B``.
"""
from __future__ import annotations

import numpy as np
from pymatting import estimate_foreground_ml

from .propagation import unknown_crop


def estimate_colours(
    image: np.ndarray,
    alpha: np.ndarray,
    regularization: float = 1e-5,
    iterations: int = 1,
    margin: int = 32,
) -> tuple[np.ndarray, np.ndarray]:
    """(foreground, background), each HxWx3 float32 RGB in [0, 1].

    The estimation runs on the bounding box of the partly transparent
    pixels plus ``margin`` (outside it every pixel is fully one layer).
    Where alpha is exactly 1 the foreground is the image itself, where it is
    exactly 0 so is the background.  The hidden layer outside the box (the
    background behind solid foreground and vice versa) is filled with the
    mean colour estimated inside the box, which is all that can
    be said about it (it is never visible in a cut-out or composite).
    """
    colours = image.astype(np.float32)
    mixed = (alpha > 0.0) & (alpha < 1.0)
    fg = colours.copy()
    bg = colours.copy()
    if not mixed.any():
        return fg, bg
    crop = unknown_crop(mixed, margin)
    sub_fg, sub_bg = estimate_foreground_ml(
        np.ascontiguousarray(crop(image)), np.ascontiguousarray(crop(alpha)),
        regularization=regularization,
        n_big_iterations=iterations,
        return_background=True,
    )
    opaque = alpha >= 1.0
    clear = alpha <= 0.0
    # hidden layers outside the box: one plausible colour each
    fg[clear] = sub_fg.reshape(-1, 3).mean(0)
    bg[opaque] = sub_bg.reshape(-1, 3).mean(0)
    crop(fg)[...] = sub_fg
    crop(bg)[...] = sub_bg
    fg = np.clip(fg, 0.0, 1.0)
    bg = np.clip(bg, 0.0, 1.0)
    fg[opaque] = colours[opaque]
    bg[clear] = colours[clear]
    return fg, bg
