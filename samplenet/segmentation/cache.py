"""Recent segmentations kept per photo and prompts, for the web page.

A visitor previews the automatic trimap, then cuts out: both ask for the
same segmentation, which is the slow part (seconds), while the band and the
matting are quick.  :func:`cached_auto_trimap` keeps the last few
segmentations in a small LRU keyed by a digest of the photo's pixels, the
prompts and the segmenter choice, so the second request reuses the first.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from .auto import AutoTrimapInfo, auto_trimap
from .classical import Segmentation
from .prompts import Prompts

#: Segmentations kept by the default cache (a few visitors' current photos).
DEFAULT_CACHE_SIZE = 8


def photo_digest(image: np.ndarray) -> str:
    """A digest of the pixels and shape (not of the file, so the same photo
    uploaded as PNG or decoded twice gives the same key)."""
    digest = hashlib.sha1(repr((image.shape, image.dtype.str)).encode())
    digest.update(np.ascontiguousarray(image).tobytes())
    return digest.hexdigest()


class SegmentationCache:
    """A thread-safe LRU of :class:`~.classical.Segmentation` objects."""

    def __init__(self, size: int = DEFAULT_CACHE_SIZE) -> None:
        if size < 1:
            raise ValueError(f"The cache must hold at least one segmentation, got size {size}.")
        self.size = size
        self._items: OrderedDict[str, Segmentation] = OrderedDict()
        self._lock = threading.Lock()
        self.runs = 0  # segmentations computed (not taken from the cache)

    @staticmethod
    def key(image: np.ndarray, prompts: Prompts, segmenter: str) -> str:
        return f"{photo_digest(image)}:{prompts.fingerprint()}:{segmenter}"

    def get_or_run(self, key: str, run: Callable[[], Segmentation]) -> Segmentation:
        """The cached segmentation for ``key``, or ``run()``'s, then kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        result = run()  # outside the lock: segmentations of other photos may run meanwhile
        with self._lock:
            self.runs += 1
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return result

    def get(self, key: str) -> Segmentation | None:
        """The cached segmentation for ``key`` (a :meth:`key`), if any, without running one."""
        with self._lock:
            return self._items.get(key)

    def latest(self, key: str) -> Segmentation | None:
        """The most recently used segmentation of the same photo by the same
        segmenter as ``key`` (a :meth:`key`), whatever its prompts: what the
        visitor is looking at when they add a click or a stroke."""
        photo, _, segmenter = key.split(":")
        with self._lock:
            for other in reversed(self._items):
                mine, _, theirs = other.split(":")
                if mine == photo and theirs == segmenter:
                    return self._items[other]
        return None

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: The process-wide cache used by the app.
DEFAULT_CACHE = SegmentationCache()


def cached_auto_trimap(
    image, *, cache: SegmentationCache | None = None, **prompts
) -> tuple[np.ndarray, AutoTrimapInfo]:
    """:func:`samplenet.auto_trimap` (its keyword arguments in ``prompts``)
    with the segmentation taken from ``cache`` (default: the process-wide
    one) when this photo and these prompts were segmented recently.  Returns
    ``(trimap, info)``; the band width may change between calls without
    segmenting again."""
    return auto_trimap(image, **prompts, return_info=True, cache=DEFAULT_CACHE if cache is None else cache)
