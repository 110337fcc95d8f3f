"""``samplenet.auto_trimap``: a trimap from a box, clicks and/or strokes.

The segmenter (SAM when one can be loaded, else the classical one) gives a
hard mask; a trial matte at the working size says where the outline is
fuzzy; the unknown band follows that (see :mod:`.band`).  The visitor's
strokes keep the last word: subject strokes stay foreground and background
strokes background even inside the band.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, UNKNOWN, load_image, quoted
from .band import adaptive_trimap, check_band_width, check_sure_regions
from .classical import ClassicalSegmenter, Segmentation, SegmenterOptions
from .prompts import make_prompts
from .refine import Working, trial_matte

if TYPE_CHECKING:  # cache.py imports this module
    from .cache import SegmentationCache

logger = logging.getLogger("samplenet")

SegmenterChoice = Literal["auto", "classical", "sam"]

#: The segmenter names every entry point accepts (library, CLI, benchmark).
SEGMENTERS: tuple[str, ...] = get_args(SegmenterChoice)


def check_segmenter(segmenter: object) -> None:
    """Refuse a segmenter name :func:`segment` does not know, naming the
    ones it does (the benchmark calls this before any photo is read)."""
    if segmenter not in SEGMENTERS:
        raise MattingInputError(f"The segmenter must be one of {', '.join(SEGMENTERS)}, not {quoted(segmenter)}.")


@dataclass(frozen=True)
class AutoTrimapInfo:
    """Which segmenter ran (``"sam"`` or ``"classical"``), why SAM did not
    (``note``), and the band used (``band_width`` or ``"adaptive"``)."""

    segmenter: str
    note: str
    band_width: int | str


def _check_band_width(band_width: float | None) -> int | None:
    """``None`` (the band is chosen from the photo) or a checked width."""
    return None if band_width is None else check_band_width(band_width)


def segment(
    image: np.ndarray,
    prompts,
    segmenter: SegmenterChoice = "auto",
    options: SegmenterOptions | None = None,
    previous: Segmentation | None = None,
) -> Segmentation:
    """Run the chosen segmenter on checked prompts.  ``"auto"`` tries SAM
    (see :mod:`.sam`) and falls back to the classical segmenter, noting why.
    ``previous``: the segmentation the visitor is correcting; when it is the
    classical segmenter's and these prompts only add clicks or strokes to
    its own, the classical segmenter starts from it
    (:meth:`~.classical.ClassicalSegmenter.refine`, a fraction of the time)."""
    check_segmenter(segmenter)
    if (
        segmenter != "sam"
        and previous is not None
        and previous.segmenter == "classical"
        and previous.prompts is not None
        and prompts.extends(previous.prompts)
    ):
        result = ClassicalSegmenter(options).refine(image, prompts, previous)
        result.note = previous.note  # why SAM did not run (for "auto") still holds
        return result
    note = ""
    if segmenter in ("auto", "sam"):
        from .sam import SegmenterUnavailable, load_sam_segmenter

        try:
            return load_sam_segmenter().segment(image, prompts)
        except SegmenterUnavailable as exc:
            if segmenter == "sam":
                raise
            note = str(exc)
        except (RuntimeError, ValueError) as exc:  # e.g. out of GPU memory while SAM runs
            if segmenter == "sam" or isinstance(exc, MattingInputError):
                raise
            logger.warning("SAM failed on this photo (%s: %s); using the classical segmenter", type(exc).__name__, exc)
            note = f"SAM failed on this photo ({type(exc).__name__}); the classical segmenter ran instead"
    result = ClassicalSegmenter(options).segment(image, prompts)
    result.note = note
    return result


def trimap_from_segmentation(
    image: np.ndarray, seg: Segmentation, band_width: int | None = None, options: SegmenterOptions | None = None
) -> np.ndarray:
    """Full-size trimap from a segmentation: a constant band of
    ``band_width`` pixels, or (``None``) the adaptive band, computed from a
    trial matte when the segmenter did not leave one, plus the regions the
    segmenter left to matting (``seg.unknown``; a constant band is exactly
    what was asked for, so it gets none)."""
    height, width = image.shape[:2]
    defaults = options or SegmenterOptions()
    working = Working.of(image, defaults.work_side)
    to_full = 1.0 / working.scale
    if band_width is not None:
        return adaptive_trimap(seg.mask, None, band_width, 0, 0)
    alpha = seg.alpha
    if alpha is None:
        small = cv2.resize(seg.mask.astype(np.float32), working.shape[::-1], interpolation=cv2.INTER_AREA) >= 0.5
        if small.any() and not small.all():
            alpha, _ = trial_matte(
                working.image, small, None, defaults.probe_band, defaults.fuzzy_reach, defaults.max_band
            )
            seg.alpha = alpha  # kept with a cached segmentation: the next band needs no new matte
    full_alpha = None if alpha is None else working.up(alpha, (width, height))
    trimap = adaptive_trimap(
        seg.mask,
        full_alpha,
        defaults.min_band * to_full,
        defaults.fuzzy_reach * to_full,
        defaults.max_band * to_full,
    )
    if seg.unknown is not None:  # mixed or disputed regions: the segmenter could not draw an outline there
        trimap[seg.unknown] = UNKNOWN
    return trimap


def auto_trimap(
    image,
    box: Sequence[float] | None = None,
    points: Sequence[Sequence[float]] | None = None,
    point_labels: Sequence[int] | None = None,
    fg_strokes: np.ndarray | None = None,
    bg_strokes: np.ndarray | None = None,
    band_width: float | None = None,
    segmenter: SegmenterChoice = "auto",
    *,
    return_info: bool = False,
    cache: SegmentationCache | None = None,
):
    """A trimap (``HxW uint8``, 0 / 128 / 255) for ``image`` from prompts.

    Parameters:
        image: the photo: ``HxWx3 uint8`` RGB array, PIL image, bytes or path.
        box: ``(x0, y0, x1, y1)`` around the subject (exclusive ends); it may
            touch or pass the photo's edges.
        points: clicks ``(x, y)``; ``point_labels`` 1 = subject (default),
            0 = background.
        fg_strokes, bg_strokes: boolean ``HxW`` masks painted on the subject /
            on the background (hard constraints).
        band_width: unknown pixels on each side of the outline; ``None``
            (default) lets the method choose: thin on hard edges, wide where
            a trial matte is fuzzy.
        segmenter: ``"auto"`` (SAM when it can be loaded, see
            :mod:`samplenet.segmentation.sam`, else classical), ``"sam"``
            (raise if it cannot be loaded) or ``"classical"``.
        return_info: also return an :class:`AutoTrimapInfo` saying which
            segmenter ran.
        cache: a :class:`~samplenet.segmentation.cache.SegmentationCache`
            to take the segmentation from when this photo and these prompts
            were segmented recently (the band is always drawn anew).

    Returns:
        The trimap, or ``(trimap, info)`` with ``return_info=True``.

    Raises:
        MattingInputError: no prompt, contradictory prompts, a box or point
            outside the photo, a bad band width, or a segmentation that found
            nothing (the message says what to add).

    Example:
        >>> import numpy as np, samplenet
        >>> photo = np.zeros((60, 80, 3), np.uint8); photo[15:45, 20:60] = 220
        >>> trimap = samplenet.auto_trimap(photo, box=(12, 8, 68, 52), segmenter="classical")
        >>> sorted(np.unique(trimap).tolist())
        [0, 128, 255]
    """
    width_px = _check_band_width(band_width)
    picture = load_image(image)
    height, width = picture.shape[:2]
    prompts = make_prompts((width, height), box, points, point_labels, fg_strokes, bg_strokes)
    if cache is None:
        seg = segment(picture, prompts, segmenter)
    else:
        key = cache.key(picture, prompts, segmenter)
        seg = cache.get_or_run(key, lambda: segment(picture, prompts, segmenter, previous=cache.latest(key)))
    trimap = finish_trimap(picture, seg, prompts, width_px)
    if return_info:
        return trimap, AutoTrimapInfo(seg.segmenter, seg.note, width_px if width_px is not None else "adaptive")
    return trimap


def finish_trimap(
    picture: np.ndarray,
    seg: Segmentation,
    prompts,
    band_width: int | None,
    options: SegmenterOptions | None = None,
) -> np.ndarray:
    """Band around the segmentation, then the clicks' and strokes' last word:
    a small disc around each click is sure subject / sure background.  Its
    radius is ``click_radius`` of the working size's side in the photo's
    pixels (6 px by default, whatever the photo's size): the disc only
    vouches for where the visitor clicked, and a disc scaled to the photo
    (60 px on a 4000 px photo) decided fine outlines near a click before
    matting could."""
    trimap = trimap_from_segmentation(picture, seg, band_width, options)
    defaults = options or SegmenterOptions()
    radius = max(1, int(round(defaults.click_radius * min(defaults.work_side, max(picture.shape[:2])))))
    for (x, y), label in zip(prompts.points, prompts.labels, strict=True):
        cv2.circle(trimap, (int(x), int(y)), radius, FOREGROUND if label == 1 else BACKGROUND, -1)
    if prompts.fg_strokes is not None:
        trimap[prompts.fg_strokes] = FOREGROUND
    if prompts.bg_strokes is not None:
        trimap[prompts.bg_strokes] = BACKGROUND
    check_sure_regions(trimap, "the band chosen from the photo" if band_width is None else f"a {band_width} px band")
    return trimap
