"""The unknown band around a mask's outline: the one place a trimap's band is drawn.

Every trimap made from a mask (the page's "mask -> trimap", ``/trimap``,
``/auto``, ``samplenet trimap`` and the benchmarks) measures the band with
:func:`distance_to_outline` (exact Euclidean distances) and the same rule: a
pixel within ``band`` pixels of the outline is unknown.  So "band 12" is the
same band wherever it is asked for.

:func:`mask_to_trimap` is the constant band.  :func:`adaptive_trimap` is the
automatic trimap's band: a constant band is either too thin for hair (strands
outside it are cut off hard) or too wide for a hard edge (matting re-decides
pixels that were sure and makes mistakes there), so it keeps a thin minimum
along the outline and widens wherever a trial matte is fractional, i.e. where
the subject really is fuzzy.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, UNKNOWN, luminance, quoted

#: Widest unknown band a caller may ask for, in pixels on each side of the
#: outline.  Wider bands make matting slow and mostly re-decide known pixels.
MAX_BAND_WIDTH = 200

#: A trial-matte value strictly between these counts as uncertain (fuzzy).
FUZZY_LOW, FUZZY_HIGH = 0.04, 0.96


def check_band_width(band_width: float) -> int:
    """A band width in whole pixels from 1 to :data:`MAX_BAND_WIDTH`, or a
    :class:`MattingInputError` naming the bad value (infinite and NaN
    widths included; ``int(inf)`` would otherwise escape as OverflowError)."""
    try:
        value = float(band_width)
    except (TypeError, ValueError, OverflowError):
        raise MattingInputError(f"The band width must be a number of pixels, got {quoted(band_width)}.") from None
    if not math.isfinite(value) or not 1 <= round(value) <= MAX_BAND_WIDTH:
        raise MattingInputError(
            f"The band width must be between 1 and {MAX_BAND_WIDTH} pixels, got {quoted(band_width)}."
        )
    return int(round(value))


def check_sure_regions(trimap: np.ndarray, band: str) -> None:
    """Refuse a trimap that the band left without sure subject or sure
    background: matting it would fail later with a less helpful message.
    ``band`` describes the band for the message (e.g. "a 40 px band")."""
    for label, region in ((FOREGROUND, "subject"), (BACKGROUND, "background")):
        if not np.any(trimap == label):
            raise MattingInputError(
                f"{band[0].upper() + band[1:]} leaves no sure {region}: the {region} is too thin for it. "
                "Use a narrower band, or let the band be chosen from the photo."
            )


def disc(radius: int) -> np.ndarray:
    """A disc-shaped structuring element of the given radius in pixels."""
    radius = max(0, int(round(radius)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _distance_to_zero(mask: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance (float32) of every pixel of a 0/1 ``uint8``
    ``mask`` to the nearest 0 pixel; outside the image counts as 1, so an
    image edge is no outline (like eroding with a replicated border)."""
    return cv2.distanceTransform(mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def distance_to_outline(mask: np.ndarray) -> np.ndarray:
    """Exact distance in pixels from every pixel to the outline of ``mask``:
    for a subject pixel, to the nearest background pixel; for a background
    pixel, to the nearest subject pixel.  Pixels touching the other side are
    at 1.  Thresholding it is an erosion/dilation with a disc whose cost does
    not grow with the band (a 401-pixel disc over a large photo took minutes;
    docs/speed-and-memory.md has the figures)."""
    fg = np.asarray(mask, bool).astype(np.uint8)
    distance = _distance_to_zero(fg)
    outside = _distance_to_zero(1 - fg)
    np.copyto(distance, outside, where=fg == 0)  # in place: one map less at the peak on a large photo
    return distance


def in_band(distance: np.ndarray, band: float) -> np.ndarray:
    """The band rule, one for every trimap: unknown are the pixels at most
    ``band`` pixels from the outline (``distance`` from :func:`distance_to_outline`)."""
    return distance <= band


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
    fg = binary_mask(mask)
    if not fg.any():
        raise MattingInputError("The mask has no foreground pixel (it is all black); nothing to cut out.")
    if fg.all():
        raise MattingInputError(
            "The mask covers the whole image (it is all white); there is no background, so there is "
            "no edge to matte."
        )
    distance = distance_to_outline(fg)
    unknown = in_band(distance, width)
    for side, label, region in ((fg, "foreground", "subject"), (~fg, "background", "background")):
        if not np.any(side & ~unknown):
            raise MattingInputError(_band_too_wide(width, label, region, float(distance[side].max())))
    trimap = np.where(fg, FOREGROUND, BACKGROUND).astype(np.uint8)
    trimap[unknown] = UNKNOWN
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


def adaptive_trimap(
    mask: np.ndarray,
    alpha: np.ndarray | None,
    min_band: float,
    fuzzy_reach: float,
    max_band: float,
) -> np.ndarray:
    """Trimap from a hard ``mask`` and a trial matte ``alpha`` (same size).

    Unknown are the pixels within ``min_band`` of the mask's outline, plus the
    pixels within ``fuzzy_reach`` of a fractional alpha value that itself
    lies within ``max_band`` of the outline (so stray noise in the matte far
    from the subject does not open holes).  Without ``alpha`` the band is a
    constant ``min_band``.

    Raises:
        MattingInputError: the mask is empty or covers the whole photo.
    """
    mask = np.asarray(mask, bool)
    if not mask.any():
        raise MattingInputError("The segmentation found no subject; click on the subject or redraw the box.")
    if mask.all():
        raise MattingInputError(
            "The segmentation took the whole photo as subject; mark some background (a background click "
            "or a box that leaves some of the photo outside)."
        )
    distance = distance_to_outline(mask)
    unknown = in_band(distance, max(1.0, min_band))
    if alpha is not None and fuzzy_reach > 0:
        fuzzy = (alpha > FUZZY_LOW) & (alpha < FUZZY_HIGH) & (distance <= max_band)
        unknown |= cv2.dilate(fuzzy.astype(np.uint8), disc(fuzzy_reach)).astype(bool)
    trimap = np.where(mask, FOREGROUND, BACKGROUND).astype(np.uint8)
    trimap[unknown] = UNKNOWN
    return trimap
