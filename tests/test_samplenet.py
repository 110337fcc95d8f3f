"""The assembled SampleNet: state-dict layout, shapes and the pipeline's rules."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from models_helpers import seeded_samplenet

from samplenet.errors import MattingInputError
from samplenet.models.contextual_attention import ContextualAttention
from samplenet.models.samplenet import SampleNet, small_trimap

REFERENCE_KEYS = json.loads((Path(__file__).parent / "data" / "reference_keys.json").read_text())


@pytest.fixture(scope="module")
def model():
    return seeded_samplenet()


def _example(height=64, width=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    image = torch.rand(1, 3, height, width, generator=g) * 2 - 1
    trimap = torch.zeros(1, 1, height, width)
    trimap[..., height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = 1
    trimap[..., 3 * height // 8 : 5 * height // 8, 3 * width // 8 : 5 * width // 8] = 2
    return image, trimap


def test_state_dict_keys_are_the_reference_keys_with_prefixes(model):
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    expected = {f"{part}.{k}": shape for part, keys in REFERENCE_KEYS.items() for k, shape in keys.items()}
    assert set(ours) - set(expected) == set(), "keys the reference does not have"
    assert set(expected) - set(ours) == set(), "reference keys we lack"
    assert ours == expected


def test_forward_shapes_ranges_and_known_regions(model):
    image, trimap = _example()
    with torch.inference_mode():
        alpha, fg, bg = model(image, trimap)
    assert alpha.shape == (1, 1, 64, 48) and fg.shape == bg.shape == (1, 3, 64, 48)
    assert alpha.dtype == fg.dtype == bg.dtype == torch.float32
    known = trimap != 1
    assert torch.equal(alpha[known], trimap[known] / 2)
    unknown_alpha = alpha[~known]
    assert unknown_alpha.min() >= 0 and unknown_alpha.max() <= 1
    assert unknown_alpha.std() > 0  # the matting network's output, not a constant
    for colours in (fg, bg):
        assert colours.min() >= -1 and colours.max() <= 1


def test_sample_gives_forwards_colours(model):
    image, trimap = _example(seed=1)
    with torch.inference_mode():
        fg, bg = model.sample(image, trimap)
        _, fg2, bg2 = model(image, trimap)
    assert torch.equal(fg, fg2) and torch.equal(bg, bg2)


def test_small_trimap_equals_opencv_nearest_resize():
    rng = np.random.default_rng(0)
    tri = rng.integers(0, 3, size=(64, 40)).astype(np.uint8)
    expected = cv2.resize(tri, (40 // 8, 64 // 8), interpolation=cv2.INTER_NEAREST)
    ours = small_trimap(torch.from_numpy(tri)[None, None])[0, 0].numpy()
    np.testing.assert_array_equal(ours, expected)


def test_set_attention_switches_both_samplers_and_refuses_unknown_names(model, monkeypatch):
    from samplenet.models import contextual_attention as ca

    monkeypatch.setitem(ca.ATTENTION_IMPLEMENTATIONS, "other", ca.contextual_attention_dense)
    net = model
    net.set_attention("other")
    modules = [m for m in net.modules() if isinstance(m, ContextualAttention)]
    assert len(modules) == 2 and all(m.implementation == "other" for m in modules)
    with pytest.raises(ValueError, match="Unknown attention"):
        net.set_attention("nonsense")
    net.set_attention("dense")
    with pytest.raises(ValueError, match="Unknown attention"):
        SampleNet(attention="nonsense")


@pytest.mark.parametrize(
    "image_shape,trimap_shape,message",
    [
        ((1, 3, 60, 48), (1, 1, 60, 48), "multiple of 8"),
        ((1, 3, 64, 48), (1, 1, 64, 40), "differ"),
        ((1, 4, 64, 48), (1, 1, 64, 48), "Bx3xHxW"),
        ((1, 3, 64, 48), (1, 3, 64, 48), "Bx1xHxW"),
    ],
)
def test_bad_tensors_are_refused(model, image_shape, trimap_shape, message):
    with pytest.raises(MattingInputError, match=message):
        model(torch.zeros(image_shape), torch.ones(trimap_shape))
