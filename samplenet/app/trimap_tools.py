"""The page's trimap tools, as plain array functions (a mask becomes a trimap
through :func:`samplenet.segmentation.band.mask_to_trimap`, the library's one band):

* :func:`box_from_mask`: the box a visitor drew as a loop, for
  :func:`samplenet.auto_trimap` (the Auto tab).
* :func:`layers_to_trimap`: what was painted in the image editor with the three
  fixed brushes (white = foreground, black = background, grey = unknown).

All functions take and return NumPy arrays; trimaps are ``HxW uint8`` with
values exactly 0 / 128 / 255.  Problems become
:class:`~samplenet.errors.MattingInputError` naming what is wrong, so the web
handlers can show them as they are.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, UNKNOWN, luminance, quoted

#: A painted layer pixel counts when its opacity reaches this level; lighter
#: pixels are anti-aliasing fringes of a stroke.
PAINT_ALPHA_THRESHOLD = 128

Unpainted = Literal["unknown", "background"]


Box = tuple[int, int, int, int]


def box_from_mask(marks: np.ndarray) -> Box | None:
    """Bounding box ``(x0, y0, x1, y1)`` (exclusive ends) of the marked pixels,
    or ``None``; the app lets visitors draw a loop around the subject and uses
    its bounding box as the automatic trimap's box."""
    ys, xs = np.nonzero(marks)
    if ys.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _painted_levels(layer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(painted mask, nearest trimap level 0/128/255 per pixel) of one layer."""
    array = np.asarray(layer)
    if array.ndim == 2:
        array = np.dstack([array] * 3 + [np.full(array.shape, 255, array.dtype)])
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise MattingInputError(f"An editor layer has shape {array.shape}; expected HxWx4 (RGBA).")
    if array.dtype != np.uint8:
        raise MattingInputError(f"An editor layer has dtype {array.dtype}; expected uint8.")
    painted = array[..., 3] >= PAINT_ALPHA_THRESHOLD if array.shape[2] == 4 else np.ones(array.shape[:2], bool)
    grey = luminance(array)
    levels = np.array([BACKGROUND, UNKNOWN, FOREGROUND], np.float32)
    nearest = levels[np.abs(grey[..., None] - levels).argmin(axis=-1)].astype(np.uint8)
    return painted, nearest


def layers_to_trimap(
    layers: Sequence[np.ndarray | None],
    size: tuple[int, int],
    unpainted: Unpainted = "unknown",
) -> np.ndarray:
    """Editor layers painted with the fixed brushes -> trimap.

    Args:
        layers: RGBA ``uint8`` arrays, bottom first; where several layers are
            painted, the upper one wins.  Each painted pixel becomes the
            nearest of black (background), grey (unknown) and white
            (foreground); erased or never painted pixels are transparent.
        size: ``(width, height)`` of the photo; every layer must match it.
        unpainted: what pixels nobody painted mean: ``"unknown"`` (paint
            the sure parts, the engine decides the rest) or ``"background"``
            (paint the subject white and its fuzzy edge grey).

    Raises:
        MattingInputError: nothing painted (empty canvas), a layer of another
            size, or an invalid ``unpainted`` choice.
    """
    if unpainted not in ("unknown", "background"):
        raise MattingInputError(f"Unpainted pixels must count as 'unknown' or 'background', not {quoted(unpainted)}.")
    width, height = size
    trimap = np.full((height, width), UNKNOWN if unpainted == "unknown" else BACKGROUND, np.uint8)
    anything = False
    for layer in layers:
        if layer is None:
            continue
        layer = np.asarray(layer)
        if layer.shape[:2] != (height, width):
            raise MattingInputError(
                f"The sketch is {layer.shape[1]}x{layer.shape[0]} but the photo is {width}x{height}; "
                "load the photo into the editor again before painting."
            )
        painted, levels = _painted_levels(layer)
        trimap[painted] = levels[painted]
        anything |= bool(painted.any())
    if not anything:
        raise MattingInputError(
            "The sketch is empty: paint the subject white, the background black and fuzzy edges grey "
            "(or use the Auto or Upload tab)."
        )
    return trimap


def trimap_to_layer(trimap: np.ndarray, opacity: int = 170) -> np.ndarray:
    """A trimap as an RGBA editor layer (grey levels at ``opacity``) so a
    visitor can touch up an automatic trimap with the same brushes."""
    trimap = np.asarray(trimap, np.uint8)
    return np.dstack([trimap, trimap, trimap, np.full(trimap.shape, opacity, np.uint8)])


def check_trimap_usable(trimap: np.ndarray) -> None:
    """Refuse trimaps that cannot give a useful matte, with a message saying
    what to add: no unknown pixel (nothing to compute), no foreground or no
    background (nothing to sample colours from)."""
    if not np.any(trimap == UNKNOWN):
        raise MattingInputError(
            "The trimap has no unknown (grey) pixel, so there is nothing to compute: mark the fuzzy "
            "edges (hair, fur) grey."
        )
    if not np.any(trimap == FOREGROUND):
        raise MattingInputError("The trimap has no foreground (white) pixel: mark some of the subject white.")
    if not np.any(trimap == BACKGROUND):
        raise MattingInputError("The trimap has no background (black) pixel: mark some background black.")
