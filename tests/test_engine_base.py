"""The behaviour every engine inherits from Matter."""
from __future__ import annotations

import numpy as np
import pytest

from samplenet.engines.base import Matter
from samplenet.errors import MattingInputError
from samplenet.io import prepare_inputs
from samplenet.result import MattingResult


class RecordingMatter(Matter):
    """Returns alpha 0.5 on unknown pixels and remembers what it was given,
    so the tests can see what the base class hands to engines."""

    name = "recording"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.calls = []

    def predict_arrays(self, image, trimap, **options):
        self.calls.append((image, trimap, options))
        alpha = np.where(trimap == 128, 0.5, trimap / 255.0).astype(np.float32)
        colours = image.astype(np.float32) / 255
        return MattingResult(alpha, colours, colours, engine=self.name)


def test_engine_receives_clean_arrays(disc_example):
    image, trimap, _ = disc_example
    matter = RecordingMatter()
    tri = trimap.copy()
    tri[tri == 128] = 102  # a non-standard unknown level
    result = matter(image[..., 0], tri, size=(8, 8))
    got_image, got_trimap, options = matter.calls[0]
    assert got_image.shape == image.shape and got_image.dtype == np.uint8
    assert set(np.unique(got_trimap)) == {0, 128, 255}
    assert options == {"size": (8, 8)}
    assert "seconds" in result.info


def test_trimap_without_unknown_is_returned_as_alpha_without_running_the_engine(disc_example):
    image, trimap, _ = disc_example
    known = np.where(trimap == 255, 255, 0).astype(np.uint8)
    matter = RecordingMatter()
    result = matter(image, known)
    assert matter.calls == []
    assert np.array_equal(result.alpha, known / 255.0)
    assert result.alpha.dtype == np.float32
    assert "no unknown" in result.info["note"]


def test_bad_inputs_stop_before_the_engine(disc_example):
    image, trimap, _ = disc_example
    matter = RecordingMatter()
    with pytest.raises(MattingInputError, match="same size"):
        matter(image, trimap[:-1])
    with pytest.raises(MattingInputError, match="limit"):
        RecordingMatter(max_pixels=100)(image, trimap)
    assert matter.calls == []


@pytest.mark.parametrize("limit", ["abc", 0, -5, 2.5, True])
def test_a_bad_pixel_limit_is_refused_by_name(disc_example, limit):
    image, trimap, _ = disc_example
    with pytest.raises(MattingInputError, match="max_pixels must be a positive integer"):
        RecordingMatter(max_pixels=limit)
    with pytest.raises(MattingInputError, match="max_pixels must be a positive integer"):
        prepare_inputs(image, trimap, max_pixels=limit)


def test_cutout_and_composite(disc_example):
    image, trimap, _ = disc_example
    result = RecordingMatter()(image, trimap)
    rgba = result.cutout()
    assert rgba.shape == image.shape[:2] + (4,) and rgba.dtype == np.uint8
    assert np.array_equal(rgba[..., 3], np.rint(result.alpha * 255).astype(np.uint8))
    assert np.array_equal(rgba[..., :3], image)
    green = result.composite((0, 255, 0))
    assert np.array_equal(green[trimap == 0], np.tile([0, 255, 0], ((trimap == 0).sum(), 1)))
    assert np.array_equal(green[trimap == 255], image[trimap == 255])
    with pytest.raises(ValueError, match="background is"):
        result.composite(np.zeros((3, 3, 3), np.uint8))
    height, width = trimap.shape
    for bad in [(0, 255), (0, 300, 0), "green", np.zeros((height, width), np.uint8),
                np.full((height, width, 3), 0.5, np.float32)]:
        with pytest.raises(MattingInputError, match="new background"):
            result.composite(bad)
    assert np.array_equal(result.composite(np.zeros((height, width, 3), np.uint8))[trimap == 255], image[trimap == 255])
