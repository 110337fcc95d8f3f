"""Speed options of the SampleNet engine: exact attention by default,
reduced-resolution sampling and precision, and their bad values."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import make_disc_example
from models_helpers import seeded_samplenet

from samplenet.engines import resampling, speed_options
from samplenet.engines.samplenet_engine import SampleNetMatter
from samplenet.models import contextual_attention as ca
from samplenet.models.samplenet import SampleNet


@pytest.fixture(scope="module")
def model():
    return seeded_samplenet()


def test_exact_attention_is_the_default(model):
    assert SampleNet().attention == "exact"
    image, trimap, _ = make_disc_example(height=32, width=40)
    result = SampleNetMatter(model, device="cpu")(image, trimap)
    assert result.info["attention"] == "exact"


def test_exact_and_dense_engines_agree(model):
    image, trimap, _ = make_disc_example(height=48, width=64)
    exact = SampleNetMatter(model, device="cpu", attention="exact")(image, trimap)
    dense = SampleNetMatter(model, device="cpu", attention="dense")(image, trimap)
    assert np.abs(exact.alpha - dense.alpha).max() <= 1e-4
    assert np.abs(exact.foreground - dense.foreground).max() <= 1e-4


def test_reduced_sampling_runs_samplers_small_and_matting_full(model, monkeypatch):
    seen = []
    real_sample = SampleNet.sample

    def spy(self, image, trimap, **kwargs):
        seen.append((tuple(image.shape), tuple(trimap.shape), set(trimap.unique().tolist())))
        return real_sample(self, image, trimap, **kwargs)

    monkeypatch.setattr(SampleNet, "sample", spy)
    image, trimap, _ = make_disc_example(height=100, width=150)
    result = SampleNetMatter(model, device="cpu", sampling_max_side=64)(image, trimap)
    assert seen and seen[0][0] == (1, 3, 40, 64) and seen[0][1] == (1, 1, 40, 64)
    assert seen[0][2] == {0.0, 1.0, 2.0}
    assert result.alpha.shape == (100, 150)
    assert result.foreground.shape == result.background.shape == (100, 150, 3)
    assert result.info["sampling_size"] == (64, 40)
    assert np.all(result.alpha[trimap == 0] == 0) and np.all(result.alpha[trimap == 255] == 1)
    unknown = result.alpha[trimap == 128]
    assert 0 <= unknown.min() and unknown.max() <= 1 and unknown.std() > 0


def test_reduced_sampling_leaves_small_images_alone(model):
    image, trimap, _ = make_disc_example(height=48, width=64)
    full = SampleNetMatter(model, device="cpu")(image, trimap)
    capped = SampleNetMatter(model, device="cpu", sampling_max_side=64)(image, trimap)
    assert capped.info["sampling_size"] == (64, 48)
    np.testing.assert_array_equal(capped.alpha, full.alpha)


def test_sampling_size_keeps_aspect_and_multiples_of_8():
    assert resampling.sampling_size(1000, 2000, None) is None
    assert resampling.sampling_size(600, 800, 800) is None
    assert resampling.sampling_size(1000, 2000, 800) == (400, 800)
    assert resampling.sampling_size(3000, 1001, 810) == (808, 264)
    assert resampling.sampling_size(2000, 10, 64) == (64, 8)


def test_shrunk_trimap_keeps_every_unknown_pixel():
    trimap = torch.zeros(1, 1, 64, 64)
    trimap[..., 20:, :] = 2.0
    trimap[..., 33, 5] = 1.0  # one unknown pixel inside the foreground
    trimap[..., 20, :] = 1.0  # a one-pixel band
    small = resampling.shrink_trimap(trimap, (16, 16))
    assert small[0, 0, 8, 1] == 1.0  # the lone pixel's cell
    assert torch.all(small[0, 0, 5, :] == 1.0)  # the band survives
    assert torch.all(small[0, 0, :4] == 0.0) and small[0, 0, 12, 12] == 2.0


@pytest.mark.parametrize("value", [0, 10, 63, -800, 800.0, True, "800"])
def test_bad_sampling_max_side_is_refused(model, value):
    with pytest.raises(ValueError, match="sampling_max_side"):
        SampleNetMatter(model, device="cpu", sampling_max_side=value)


@pytest.mark.parametrize("value", ["fp8", "float32", 16, ""])
def test_bad_precision_is_refused(model, value):
    with pytest.raises(ValueError, match="precision"):
        SampleNetMatter(model, device="cpu", precision=value)


def test_precisions_the_device_cannot_do_are_refused(model, monkeypatch):
    with pytest.raises(ValueError, match="CUDA"):
        SampleNetMatter(model, device="cpu", precision="fp16")
    with pytest.raises(ValueError, match="CUDA"):
        SampleNetMatter(model, device="cpu", half=True)
    with pytest.raises(ValueError, match="contradicts"):
        SampleNetMatter(model, device="cpu", half=True, precision="bf16")
    monkeypatch.setattr(speed_options, "cpu_supports_bf16", lambda: False)
    with pytest.raises(ValueError, match="native bf16"):
        SampleNetMatter(model, device="cpu", precision="bf16")


@pytest.mark.skipif(not speed_options.cpu_supports_bf16(), reason="this CPU has no native bf16")
def test_bf16_runs_with_attention_in_float32(model, monkeypatch):
    dtypes = []
    real = ca.ATTENTION_IMPLEMENTATIONS["exact"]

    def spy(f, b, mask, **kwargs):
        dtypes.append((f.dtype, torch.is_autocast_enabled("cpu")))
        return real(f, b, mask, **kwargs)

    monkeypatch.setitem(ca.ATTENTION_IMPLEMENTATIONS, "exact", spy)
    image, trimap, _ = make_disc_example(height=48, width=64)
    result = SampleNetMatter(model, device="cpu", precision="bf16")(image, trimap)
    assert result.info["dtype"] == "bfloat16"
    assert dtypes == [(torch.float32, False)] * 2  # both samplers, float32, autocast off
    assert result.alpha.dtype == np.float32 and 0 <= result.alpha.min() and result.alpha.max() <= 1
