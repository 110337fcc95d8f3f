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
    assert cache.runs == 3 and len(cache) == 3


def test_least_recently_used_is_dropped(counted: list[int]) -> None:
    cache = SegmentationCache(size=1)
    cached_auto_trimap(photo(), box=BOX, cache=cache)
    cached_auto_trimap(photo(shift=4), box=BOX, cache=cache)
    cached_auto_trimap(photo(), box=BOX, cache=cache)
    assert len(counted) == 3 and len(cache) == 1


def test_a_cache_must_hold_something() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SegmentationCache(size=0)


def test_a_stroke_added_to_a_segmentation_starts_from_it(counted: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """A visitor correcting the Auto tool's cut-out adds strokes one at a
    time: each run starts from the last one's result (one graph cut and the
    band's matte) instead of segmenting from scratch, and honours the stroke."""
    refined: list[int] = []
    original = classical.ClassicalSegmenter.refine

    def counting(self, image, prompts, previous):
        refined.append(1)
        return original(self, image, prompts, previous)

    monkeypatch.setattr(classical.ClassicalSegmenter, "refine", counting)
    cache = SegmentationCache()
    before, _ = cached_auto_trimap(photo(), box=BOX, cache=cache)
    stroke = np.zeros((60, 80), bool)
    stroke[10:14, 14:30] = True  # background inside the box, painted as background
    after, info = cached_auto_trimap(photo(), box=BOX, bg_strokes=stroke, cache=cache)
    assert len(counted) == 1 and len(refined) == 1 and info.segmenter == "classical"
    assert np.all(after[stroke] == 0)
    assert after[30, 40] == 255  # the subject's middle stays subject
    # A different box is a new segmentation, not a correction.
    cached_auto_trimap(photo(), box=(10, 6, 70, 54), cache=cache)
    assert len(counted) == 2 and len(refined) == 1
