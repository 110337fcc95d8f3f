"""The app's first Auto tool, kept as the baseline of ``samplenet bench
auto-trimap --previous``: OpenCV's GrabCut seeded by strokes and/or a box,
then a constant unknown band around its mask.  The page now uses
:func:`samplenet.auto_trimap`; this is what its figures are compared with.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND
from ..segmentation.band import check_band_width, mask_to_trimap
from ..segmentation.prompts import Box

#: GrabCut is a global optimisation on a colour model; on more pixels than
#: this it is slow without being more accurate, so it runs on a downscaled
#: copy and the mask is scaled back (the unknown band covers the difference).
GRABCUT_MAX_PIXELS = 400_000


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
