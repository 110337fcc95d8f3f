"""Matting at a working size, to learn where a segmentation is uncertain.

Both segmenters give a hard mask; a quick matte of a downscaled copy with
the weight-free engine tells which parts of its outline are fuzzy (hair,
fur) and which are hard edges, and its confident values correct the mask
near the outline.  The final, full-size matte is the caller's business.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from ..io import UNKNOWN
from .band import adaptive_trimap

logger = logging.getLogger("samplenet")


@dataclass(frozen=True)
class Working:
    """A photo downscaled so that its longer side is at most ``side``."""

    image: np.ndarray  # hxwx3 uint8
    scale: float  # working / original

    @classmethod
    def of(cls, image: np.ndarray, side: int) -> Working:
        height, width = image.shape[:2]
        scale = min(1.0, side / float(max(height, width)))
        if scale == 1.0:
            return cls(np.ascontiguousarray(image), 1.0)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return cls(cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale)

    @property
    def shape(self) -> tuple[int, int]:
        return self.image.shape[:2]

    def down_mask(self, mask: np.ndarray) -> np.ndarray:
        """A full-size boolean mask at the working size (area-averaged, so thin
        strokes survive)."""
        if self.scale == 1.0:
            return mask.copy()
        height, width = self.shape
        return cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0

    def up(self, values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """Working-size float values back to ``size`` = (width, height)."""
        return cv2.resize(values.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)


_MATTER = None


def weight_free_matter():
    """The weight-free engine, built once per process (it holds no weights,
    only its options), without its colour step: a trial matte is read for
    alpha alone, and the colours cost about as much as the solve."""
    global _MATTER
    if _MATTER is None:
        from ..engines import load

        _MATTER = load(engine="classical", colours=False)
    return _MATTER


def trial_matte(
    image: np.ndarray,
    mask: np.ndarray,
    previous_alpha: np.ndarray | None,
    min_band: float,
    fuzzy_reach: float,
    max_band: float,
    extra_unknown: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Matte ``image`` with the trimap built around ``mask`` (band following
    ``previous_alpha`` when given); returns float32 alpha in [0, 1] and the
    boolean unknown region the matte decided."""
    trimap = adaptive_trimap(mask, previous_alpha, min_band, fuzzy_reach, max_band)
    if extra_unknown is not None:
        trimap[extra_unknown] = UNKNOWN
    unknown = trimap == UNKNOWN
    if not unknown.any():
        return mask.astype(np.float32), unknown
    try:
        alpha = weight_free_matter()(image, trimap).alpha
    except ValueError as exc:  # the solver did not converge: the mask is all we know
        logger.debug("trial matte failed (%s); the band stays the minimum one", exc)
        return mask.astype(np.float32), unknown
    return np.asarray(alpha, np.float32), unknown
