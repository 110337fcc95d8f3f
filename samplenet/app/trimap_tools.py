"""Three ways for a visitor to obtain a trimap, as plain array functions.

* :func:`mask_to_trimap`: a hard mask (from any segmenter) becomes a trimap by
  declaring a band of ``band_width`` pixels on both sides of its outline
  unknown.  Matting only has to decide what happens inside that band.
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

import math
from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, UNKNOWN, luminance, quoted
from ..segmentation.band import check_band_width

#: A painted layer pixel counts when its opacity reaches this level; lighter
#: pixels are anti-aliasing fringes of a stroke.
PAINT_ALPHA_THRESHOLD = 128

Unpainted = Literal["unknown", "background"]


def _distance_to_zero(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance (float32) of every pixel of a 0/1 ``mask`` to the
    nearest 0 pixel; outside the image counts as 1, so an image edge is no
    outline (like eroding with a replicated border)."""
    return cv2.distanceTransform(mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def binary_mask(mask: np.ndarray, what: str = "mask") -> np.ndarray:
    """Any mask array -> boolean ``HxW``: ``True`` = foreground.

    Boolean masks are taken as they are; numbers are thresholded at half
    their range (128 for 8-bit, 0.5 for floats in [0, 1]).  An RGBA array
    whose alpha channel is not fully opaque is read through its alpha (a
    cut-out PNG is a valid mask); other colour arrays through luminance.
    """
    array = np.asarray(mask)
    if array.ndim == 3:
        if array.shape[2] == 4 and array[..., 3].min() < array[..., 3].max():
            array = array[..., 3]
        elif array.shape[2] in (3, 4):
            array = luminance(array)
        elif array.shape[2] == 1:
            array = array[..., 0]
        else:
            raise MattingInputError(f"The {what} has shape {array.shape}; expected HxW or HxWx3/4.")
    if array.ndim != 2 or array.size == 0:
        raise MattingInputError(f"The {what} has shape {np.asarray(mask).shape}; expected HxW.")
    if array.dtype == np.bool_:
        return array.copy()
    if np.issubdtype(array.dtype, np.floating) and float(np.nanmax(array)) <= 1.0:
        return array >= 0.5
    return array >= 128


def mask_to_trimap(mask: np.ndarray, band_width: float) -> np.ndarray:
    """A hard foreground mask -> trimap with an unknown band of ``band_width``
    pixels on each side of the mask's outline.

    Raises:
        MattingInputError: the mask is empty or covers everything (there is no
            outline to put a band on), the width is not a number from 1 to
            :data:`MAX_BAND_WIDTH`, or the band is so wide that it leaves no
            sure foreground or no sure background (the message says the
            widest band that would).
    """
    width = check_band_width(band_width)
    fg = binary_mask(mask).astype(np.uint8)
    if not fg.any():
        raise MattingInputError("The mask has no foreground pixel (it is all black); nothing to cut out.")
    if fg.all():
        raise MattingInputError(
            "The mask covers the whole image (it is all white); there is no background, so there is "
            "no edge to matte."
        )
    # Thresholded distance maps are an erosion/dilation with a disc whose
    # cost does not grow with the band (a 401-pixel disc over a large photo
    # took minutes; README's speed section has the figures).
    inside = _distance_to_zero(fg)
    sure_fg = inside > width
    if not sure_fg.any():
        raise MattingInputError(_band_too_wide(width, "foreground", "subject", float(inside.max())))
    del inside
    outside = _distance_to_zero(1 - fg)
    sure_bg = outside > width
    if not sure_bg.any():
        raise MattingInputError(_band_too_wide(width, "background", "background", float(outside.max())))
    trimap = np.full(fg.shape, UNKNOWN, np.uint8)
    trimap[sure_fg] = FOREGROUND
    trimap[sure_bg] = BACKGROUND
    return trimap


def _band_too_wide(width: int, label: str, region: str, deepest: float) -> str:
    """Why a band leaves no sure foreground (or background), and the widest
    band that would leave some: ``deepest`` is the largest distance of a
    pixel of the region to its outline."""
    widest = max(0, math.ceil(deepest) - 1)  # the largest whole band some pixel lies beyond
    advice = (
        f"use a band of at most {widest} pixels" if widest >= 1
        else f"the {region} is too thin for any band; use a larger mask"
    )
    return (
        f"A band of {width} pixels on each side of the outline leaves no sure {label}: the {region} is only "
        f"about {2 * deepest:.0f} pixels across, so matting would have no {label} colours to start from; "
        f"{advice}."
    )


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
