"""The SampleNet engine: pre/post-processing, sizes, options and bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import make_disc_example
from models_helpers import seeded_samplenet

from samplenet.engines import samplenet_engine
from samplenet.engines.samplenet_engine import SampleNetMatter
from samplenet.errors import MattingInputError


@pytest.fixture(scope="module")
def matter():
    return SampleNetMatter(seeded_samplenet(), device="cpu")


def _check_result(result, trimap):
    height, width = trimap.shape
    assert result.alpha.shape == (height, width) and result.alpha.dtype == np.float32
    for colours in (result.foreground, result.background):
        assert colours.shape == (height, width, 3) and colours.dtype == np.float32
        assert colours.min() >= 0 and colours.max() <= 1
    assert result.alpha.min() >= 0 and result.alpha.max() <= 1
    assert np.all(result.alpha[trimap == 0] == 0.0)
    assert np.all(result.alpha[trimap == 255] == 1.0)
    assert result.engine == "samplenet"


def test_native_resolution_any_size(matter):
    image, trimap, _ = make_disc_example(height=50, width=70)
    result = matter(image, trimap)
    _check_result(result, trimap)
    assert result.info["mode"] == "native"
    assert result.info["network_size"] == (72, 56)
    assert result.info["padding_bottom_right"] == (6, 2)
    unknown = result.alpha[trimap == 128]
    assert unknown.std() > 0


def test_native_resolution_tiny_image(matter):
    image, trimap, _ = make_disc_example(height=5, width=3)
    trimap[:] = 128
    _check_result(matter(image, trimap), trimap)


def test_size_path_resizes_and_restores(matter):
    image, trimap, _ = make_disc_example(height=50, width=70)
    result = matter(image, trimap, size=(32, 24))
    _check_result(result, trimap)
    assert result.info["mode"] == "resized" and result.info["network_size"] == (32, 24)


def test_size_equal_to_a_native_multiple_of_8_gives_the_native_result(matter):
    image, trimap, _ = make_disc_example(height=48, width=64)
    native = matter(image, trimap)
    resized = matter(image, trimap, size=(64, 48))
    np.testing.assert_array_equal(native.alpha, resized.alpha)
    np.testing.assert_array_equal(native.foreground, resized.foreground)
    np.testing.assert_array_equal(native.background, resized.background)


def test_colours_come_back_in_rgb_order(matter):
    image, trimap, _ = make_disc_example(height=48, width=64)
    result = matter(image, trimap)
    _, fg_bgr, bg_bgr, _ = matter._run_networks(np.ascontiguousarray(image[:, :, ::-1]), trimap, matter.defaults)
    np.testing.assert_array_equal(result.foreground, fg_bgr[:, :, ::-1])
    np.testing.assert_array_equal(result.background, bg_bgr[:, :, ::-1])


@pytest.mark.parametrize("size", [(50, 64), "800x800", (0, 8), (8,), (8.0, 8.0), (True, 8)])
def test_bad_size_is_refused(matter, size):
    image, trimap, _ = make_disc_example(height=48, width=64)
    with pytest.raises(MattingInputError, match="size"):
        matter(image, trimap, size=size)


def test_bad_inputs_raise_matting_input_error(matter):
    image, trimap, _ = make_disc_example(height=48, width=64)
    with pytest.raises(MattingInputError):
        matter(image, trimap[:40])
    with pytest.raises(MattingInputError):
        matter(image.astype(np.int64), trimap)
    with pytest.raises(MattingInputError):
        matter(np.zeros((48, 64, 5), np.uint8), trimap)
    with pytest.raises(MattingInputError):
        matter(np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0), np.uint8))


def test_trimap_without_unknown_skips_the_networks(matter, monkeypatch):
    image, trimap, _ = make_disc_example(height=48, width=64)
    trimap[trimap == 128] = 0
    monkeypatch.setattr(matter, "_run_networks", lambda *a: pytest.fail("networks ran"))
    result = matter(image, trimap)
    np.testing.assert_array_equal(result.alpha, trimap / 255.0)


def test_half_precision_on_cpu_is_refused(matter):
    with pytest.raises(ValueError, match="CUDA"):
        SampleNetMatter(matter.model, device="cpu", half=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_refused(matter):
    with pytest.raises(ValueError, match="CUDA is not available"):
        SampleNetMatter(matter.model, device="cuda")


def test_bad_constructor_arguments(matter):
    with pytest.raises(TypeError, match="SampleNet"):
        SampleNetMatter(torch.nn.Linear(2, 2), device="cpu")
    with pytest.raises(ValueError, match="Unknown device"):
        SampleNetMatter(matter.model, device="no-such-device")
    with pytest.raises(ValueError, match="Unknown attention"):
        SampleNetMatter(matter.model, device="cpu", attention="no-such-attention")


def test_default_device_is_cpu_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert samplenet_engine.resolve_device(None) == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert samplenet_engine.resolve_device(None) == torch.device("cuda")


def test_explicit_dense_attention_respects_the_memory_limit(matter):
    image, trimap, _ = make_disc_example(height=48, width=64)
    dense = SampleNetMatter(matter.model, device="cpu", attention="dense", max_attention_bytes=1000)
    with pytest.raises(MattingInputError, match="attention='exact'"):
        dense(image, trimap)
    roomy = SampleNetMatter(matter.model, device="cpu", attention="dense")
    assert roomy(image, trimap).info["attention"] == "dense"
