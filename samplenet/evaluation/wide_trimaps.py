"""Wide-trimap variant of a benchmark set, built on the fly from ground truth.

The alphamatting.com trimaps are drawn tightly around the subject by hand.
Visitors' sketches and automatic trimaps are not: their unknown bands are
wide.  As Deep Image Matting does for its test set, a wide trimap marks
unknown every pixel within ``width`` pixels of a partly transparent pixel
of the true alpha (``width`` drawn per image from 10-25 px with a fixed
seed, so every run scores the same trimaps); the rest is foreground where
alpha is 1 and background where it is 0.  Nothing is written to disk.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from ..io import BACKGROUND, FOREGROUND, UNKNOWN
from .benchmark_set import BenchmarkCase

#: Name of the trimap set these cases carry (``--trimaps wide``).
WIDE = "wide"
#: Fixed seed of the per-image widths.
WIDE_SEED = 2017
#: Range of the widths, in pixels (inclusive).
WIDE_RANGE = (10, 25)


def wide_trimap(alpha: np.ndarray, width: int) -> np.ndarray:
    """Trimap from a true alpha (HxW float in [0, 1]): unknown within
    ``width`` pixels of a pixel whose alpha is neither 0 nor 1."""
    if width < 0:
        raise ValueError(f"width must be >= 0, got {width}")
    mixed = ((alpha > 0) & (alpha < 1)).astype(np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    unknown = cv2.dilate(mixed, disc).astype(bool)
    trimap = np.where(alpha >= 1, FOREGROUND, BACKGROUND).astype(np.uint8)
    trimap[unknown] = UNKNOWN
    return trimap


def wide_widths(names: Sequence[str], seed: int = WIDE_SEED) -> dict[str, int]:
    """One width per image name, reproducible: the generator is seeded with
    ``seed`` and walks the names in sorted order."""
    rng = np.random.default_rng(seed)
    low, high = WIDE_RANGE
    return {name: int(rng.integers(low, high + 1)) for name in sorted(names)}


def wide_trimap_cases(cases: Sequence[BenchmarkCase], seed: int = WIDE_SEED) -> list[BenchmarkCase]:
    """One wide-trimap case per image of ``cases`` (whatever their trimap
    sets), in image order, with trimap set :data:`WIDE`."""
    first: dict[str, BenchmarkCase] = {}
    for case in cases:
        first.setdefault(case.image_name, case)
    widths = wide_widths(list(first), seed)
    out = []
    for name, case in first.items():
        trimap = wide_trimap(case.alpha, widths[name])
        if not np.any(trimap == UNKNOWN):
            continue  # a fully opaque/clear ground truth has nothing to score
        out.append(replace(case, trimap_set=WIDE, trimap=trimap))
    return out
