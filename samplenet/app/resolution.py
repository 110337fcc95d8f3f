"""How big a photo the app mattes at full resolution, and what it does above.

Two limits apply:

* ``SAMPLENET_MAX_PIXELS`` (default 36 MP, see :mod:`samplenet.io`): larger
  files are refused before they are decoded.
* ``SAMPLENET_APP_FULL_RES_PIXELS`` (default 4 MP, :data:`DEFAULT_FULL_RES_PIXELS`):
  up to this size the engine runs on the photo as it is.  Larger photos are
  matted on a copy scaled down to this many pixels; alpha and colours are
  scaled back up to the photo's size, the trimap's sure regions are restored
  exactly, and the app says what it did.  This keeps a shared Space
  responsive: matting cost grows with the number of unknown pixels.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..io import BACKGROUND, FOREGROUND, positive_int_from_env
from ..result import MattingResult
from ..trimap_scale import shrink_trimap

DEFAULT_FULL_RES_PIXELS = 4_000_000


def full_res_pixels_from_env() -> int:
    """The full-resolution limit in force (``SAMPLENET_APP_FULL_RES_PIXELS``)."""
    return positive_int_from_env("SAMPLENET_APP_FULL_RES_PIXELS", DEFAULT_FULL_RES_PIXELS)


@dataclass
class WorkingCopy:
    """The arrays the engine runs on and how they relate to the original."""

    image: np.ndarray
    trimap: np.ndarray
    scale: float  # working size / original size (1.0 = full resolution)

    @property
    def downscaled(self) -> bool:
        """Whether the engine runs on a smaller copy than the photo."""
        return self.scale < 1.0


def working_copy(image: np.ndarray, trimap: np.ndarray, max_pixels: int) -> WorkingCopy:
    """The photo as it is when it fits ``max_pixels``, else a downscaled copy.

    The trimap is shrunk by :func:`~samplenet.trimap_scale.shrink_trimap`:
    thin grey bands and thin painted strokes both survive.
    """
    height, width = trimap.shape
    if height * width <= max_pixels:
        return WorkingCopy(image, trimap, 1.0)
    scale = (max_pixels / float(height * width)) ** 0.5
    size = (max(8, int(width * scale)), max(8, int(height * scale)))
    small_image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small_trimap = shrink_trimap(trimap, size)
    return WorkingCopy(small_image, small_trimap, size[0] / width)


def restore_full_size(result: MattingResult, image: np.ndarray, trimap: np.ndarray) -> MattingResult:
    """Scale a result computed on a working copy back to the photo's size:
    bilinear alpha and colours, then the original trimap's sure pixels and
    the original photo's colours where the subject is surely opaque."""
    height, width = trimap.shape
    if result.alpha.shape == (height, width):
        return result

    def up(array: np.ndarray) -> np.ndarray:
        return cv2.resize(array.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)

    alpha = np.clip(up(result.alpha), 0.0, 1.0)
    alpha[trimap == FOREGROUND] = 1.0
    alpha[trimap == BACKGROUND] = 0.0
    colours = image.astype(np.float32) / 255.0
    foreground = np.clip(up(result.foreground), 0.0, 1.0)
    background = np.clip(up(result.background), 0.0, 1.0)
    foreground[trimap == FOREGROUND] = colours[trimap == FOREGROUND]
    background[trimap == BACKGROUND] = colours[trimap == BACKGROUND]
    info = dict(result.info)
    info["working_size"] = f"{result.alpha.shape[1]}x{result.alpha.shape[0]}"
    return MattingResult(alpha, foreground, background, engine=result.engine, info=info)
