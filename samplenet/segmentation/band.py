"""The unknown band of an automatic trimap, following the matte's uncertainty.

A constant band is either too thin for hair (strands outside it are cut off
hard) or too wide for a hard edge (matting re-decides pixels that were sure
and makes mistakes there).  Here the band has a thin minimum everywhere along
the outline of the segmentation and widens wherever a trial matte is
fractional, i.e. where the subject really is fuzzy.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, UNKNOWN, quoted

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


def distance_to_outline(mask: np.ndarray) -> np.ndarray:
    """Distance in pixels from every pixel to the outline of ``mask`` (on
    both sides), 0 on the outline itself."""
    fg = mask.astype(np.uint8)
    inside = cv2.distanceTransform(fg, cv2.DIST_L2, 5)
    outside = cv2.distanceTransform(1 - fg, cv2.DIST_L2, 5)
    return np.where(mask, inside, outside)


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
    unknown = distance <= max(1.0, min_band)
    if alpha is not None and fuzzy_reach > 0:
        fuzzy = (alpha > FUZZY_LOW) & (alpha < FUZZY_HIGH) & (distance <= max_band)
        unknown |= cv2.dilate(fuzzy.astype(np.uint8), disc(fuzzy_reach)).astype(bool)
    trimap = np.where(mask, FOREGROUND, BACKGROUND).astype(np.uint8)
    trimap[unknown] = UNKNOWN
    return trimap
