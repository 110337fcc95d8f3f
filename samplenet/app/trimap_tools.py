"""Three ways for a visitor to obtain a trimap, as plain array functions.

* :func:`mask_to_trimap`: a hard mask (from any segmenter) becomes a trimap by
  declaring a band of ``band_width`` pixels on both sides of its outline
  unknown.  Matting only has to decide what happens inside that band.
* :func:`strokes_to_trimap`: a few foreground/background strokes and/or a box
  seed OpenCV's GrabCut, whose mask then goes through :func:`mask_to_trimap`.
* :func:`layers_to_trimap`: what was painted in the image editor with the three
  fixed brushes (white = foreground, black = background, grey = unknown).

All functions take and return NumPy arrays; trimaps are ``HxW uint8`` with
values exactly 0 / 128 / 255.  Problems become
:class:`~samplenet.errors.MattingInputError` naming what is wrong, so the web
handlers can show them as they are.
"""
from __future__ import annotations

import math
from typing import Literal, Sequence

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, UNKNOWN, luminance, quoted
from ..segmentation.band import check_band_width

#: GrabCut is a global optimisation on a colour model; on more pixels than
#: this it is slow without being more accurate, so it runs on a downscaled
#: copy and the mask is scaled back (the unknown band covers the difference).
GRABCUT_MAX_PIXELS = 400_000

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
    its bounding box as GrabCut's rectangle."""
    ys, xs = np.nonzero(marks)
    if ys.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _scaled(array: np.ndarray, scale: float, interpolation: int) -> np.ndarray:
    if scale == 1.0:
        return array
    height, width = array.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(array, size, interpolation=interpolation)


def grabcut_mask(
    image: np.ndarray,
    fg_strokes: np.ndarray | None = None,
    bg_strokes: np.ndarray | None = None,
    box: Box | None = None,
    iterations: int = 5,
) -> np.ndarray:
    """Segment ``image`` (``HxWx3 uint8`` RGB) with GrabCut seeded by strokes
    (boolean ``HxW`` arrays, hard constraints) and/or a box (everything
    outside it is background).  Returns a boolean foreground mask.

    Raises:
        MattingInputError: the seeds cannot define both a foreground and a
            background colour model (e.g. no stroke and no box, or a box
            covering the whole photo without background strokes).
    """
    height, width = image.shape[:2]
    fg = np.zeros((height, width), bool) if fg_strokes is None else np.asarray(fg_strokes, bool)
    bg = np.zeros((height, width), bool) if bg_strokes is None else np.asarray(bg_strokes, bool)
    for name, strokes in (("foreground strokes", fg), ("background strokes", bg)):
        if strokes.shape != (height, width):
            raise MattingInputError(
                f"The {name} are {strokes.shape[1]}x{strokes.shape[0]} but the photo is {width}x{height}."
            )

    scale = min(1.0, (GRABCUT_MAX_PIXELS / float(height * width)) ** 0.5)
    small_image = _scaled(np.ascontiguousarray(image[..., ::-1]), scale, cv2.INTER_AREA)
    small_h, small_w = small_image.shape[:2]
    seeds = np.full((small_h, small_w), cv2.GC_PR_BGD, np.uint8)
    if box is not None:
        x0, y0, x1, y1 = (int(v) for v in box)
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(width, x1), min(height, y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            raise MattingInputError("The box is too small; drag it around the whole subject.")
        seeds[:] = cv2.GC_BGD
        sx0, sy0 = int(x0 * scale), int(y0 * scale)
        sx1, sy1 = max(sx0 + 1, round(x1 * scale)), max(sy0 + 1, round(y1 * scale))
        seeds[sy0:sy1, sx0:sx1] = cv2.GC_PR_FGD
    # Strokes are shrunk with area averaging so a thin stroke survives the downscale.
    seeds[_scaled(bg.astype(np.float32), scale, cv2.INTER_AREA) > 0] = cv2.GC_BGD
    seeds[_scaled(fg.astype(np.float32), scale, cv2.INTER_AREA) > 0] = cv2.GC_FGD
    if box is None:
        _guess_by_stroke_colours(small_image, seeds)

    if not np.any((seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD)):
        raise MattingInputError(
            "Mark some foreground first: paint a stroke on the subject or draw a box around it."
        )
    if not np.any(seeds == cv2.GC_BGD):
        raise MattingInputError(
            "Mark some background too: paint a stroke on the background, or draw a box that leaves "
            "some of the photo outside it."
        )
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(small_image, seeds, None, bgd_model, fgd_model, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error as exc:  # e.g. a colour model with too few distinct samples
        raise MattingInputError(
            f"Automatic segmentation failed ({exc.msg.strip() if hasattr(exc, 'msg') else exc}); "
            "add more strokes on both the subject and the background."
        ) from None
    small_fg = ((seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD)).astype(np.float32)
    mask = cv2.resize(small_fg, (width, height), interpolation=cv2.INTER_LINEAR) >= 0.5
    mask[fg] = True
    mask[bg] = False
    return _keep_marked_pieces(mask, fg)


def _keep_marked_pieces(mask: np.ndarray, fg_strokes: np.ndarray) -> np.ndarray:
    """Drop foreground specks GrabCut leaves in the background: keep the
    pieces a foreground stroke touches, or the largest one if there is no
    stroke (box only)."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    if fg_strokes.any():
        keep = np.unique(labels[fg_strokes & mask])
    else:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        keep = [int(sizes.argmax())]
    return np.isin(labels, [k for k in keep if k != 0])


def _guess_by_stroke_colours(image: np.ndarray, seeds: np.ndarray, clusters: int = 5) -> None:
    """Without a box, GrabCut would start with every unmarked pixel in the
    background model, so a uniformly coloured subject stays background.
    Start instead each unmarked pixel on the side whose stroke colours
    (a few k-means centres per side) are nearer; GrabCut then refines."""
    pixels = image.reshape(-1, 3).astype(np.float32)
    flat = seeds.reshape(-1)
    centres = []
    for label in (cv2.GC_FGD, cv2.GC_BGD):
        samples = pixels[flat == label]
        if len(samples) == 0:
            return
        k = min(clusters, len(samples))
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
        _, _, found = cv2.kmeans(samples, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
        centres.append(found)
    unmarked = flat == cv2.GC_PR_BGD
    candidates = pixels[unmarked]
    nearest_fg = np.min(((candidates[:, None, :] - centres[0][None]) ** 2).sum(-1), axis=1)
    nearest_bg = np.min(((candidates[:, None, :] - centres[1][None]) ** 2).sum(-1), axis=1)
    flat[np.flatnonzero(unmarked)[nearest_fg < nearest_bg]] = cv2.GC_PR_FGD


def strokes_to_trimap(
    image: np.ndarray,
    fg_strokes: np.ndarray | None,
    bg_strokes: np.ndarray | None,
    band_width: float,
    box: Box | None = None,
) -> np.ndarray:
    """GrabCut seeded by strokes/box, then an unknown band of ``band_width``
    pixels around the segment.  The visitor's strokes stay what they said:
    foreground strokes are foreground and background strokes background even
    inside the band."""
    width = check_band_width(band_width)
    mask = grabcut_mask(image, fg_strokes, bg_strokes, box)
    if not mask.any():
        raise MattingInputError(
            "The automatic segmentation found no foreground; paint a foreground stroke on the subject."
        )
    if mask.all():
        raise MattingInputError(
            "The automatic segmentation took the whole photo as foreground; paint a background stroke."
        )
    trimap = mask_to_trimap(mask, width)
    if fg_strokes is not None:
        trimap[np.asarray(fg_strokes, bool)] = FOREGROUND
    if bg_strokes is not None:
        trimap[np.asarray(bg_strokes, bool)] = BACKGROUND
    return trimap


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
