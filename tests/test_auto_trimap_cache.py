"""The segmentation cache the page uses: Preview then Cut out segment once."""
from __future__ import annotations

import numpy as np
import pytest

from samplenet.segmentation import classical
from samplenet.segmentation.cache import SegmentationCache, cached_auto_trimap

BOX = (12, 8, 68, 52)


def photo(shift: int = 0) -> np.ndarray:
    rng = np.random.default_rng(2)
    image = np.full((60, 80, 3), (30, 110, 150), np.float64)
    image[15:45, 20 + shift : 60 + shift] = (230, 170, 60)
    return np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the classical segmentations actually run."""
    calls: list[int] = []
    original = classical.ClassicalSegmenter.segment

    def counting(self, image, prompts):
        calls.append(1)
        return original(self, image, prompts)

    monkeypatch.setattr(classical.ClassicalSegmenter, "segment", counting)
    monkeypatch.delenv("SAMPLENET_SEGMENTER", raising=False)
    return calls


def test_preview_then_cut_out_segments_once(counted: list[int]) -> None:
    cache = SegmentationCache()
    preview, info = cached_auto_trimap(photo(), box=BOX, cache=cache)
    cut_out, _ = cached_auto_trimap(photo(), box=BOX, cache=cache)
    assert len(counted) == 1 and cache.runs == 1
    assert np.array_equal(preview, cut_out) and info.segmenter == "classical"
    # A new band width reuses the segmentation too.
    wide, info = cached_auto_trimap(photo(), box=BOX, band_width=6, cache=cache)
    assert len(counted) == 1 and info.band_width == 6 and (wide == 128).sum() != (preview == 128).sum()


def test_other_prompts_or_pixels_segment_again(counted: list[int]) -> None:
    cache = SegmentationCache()
    cached_auto_trimap(photo(), box=BOX, cache=cache)
    cached_auto_trimap(photo(), box=BOX, points=[(40, 30)], cache=cache)
    cached_auto_trimap(photo(shift=4), box=BOX, cache=cache)
    assert len(counted) == 3 and len(cache) == 3


def test_least_recently_used_is_dropped(counted: list[int]) -> None:
    cache = SegmentationCache(size=1)
    cached_auto_trimap(photo(), box=BOX, cache=cache)
    cached_auto_trimap(photo(shift=4), box=BOX, cache=cache)
    cached_auto_trimap(photo(), box=BOX, cache=cache)
    assert len(counted) == 3 and len(cache) == 1


def test_a_cache_must_hold_something() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SegmentationCache(size=0)
