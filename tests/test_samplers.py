"""The two inpainting samplers and their contextual attention."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from models_helpers import seed_module

from samplenet.models import contextual_attention as ca
from samplenet.models.background_sampler import BackgroundSampler
from samplenet.models.foreground_sampler import ForegroundSampler
from samplenet.models.inpainting import InpaintingOutput

REFERENCE_KEYS = json.loads((Path(__file__).parent / "data" / "reference_keys.json").read_text())


def _inputs(height=64, width=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    image = torch.rand(1, 3, height, width, generator=g) * 2 - 1
    hole = torch.zeros(1, 1, height, width)
    hole[..., height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = 1
    return image, hole, hole[..., ::8, ::8].clone()


@pytest.mark.parametrize("cls,part", [(BackgroundSampler, "background"), (ForegroundSampler, "foreground")])
def test_sampler_keys_and_shapes_match_reference(cls, part):
    ours = {k: list(v.shape) for k, v in cls().state_dict().items()}
    assert ours == REFERENCE_KEYS[part]


def test_background_sampler_output_shapes_and_range():
    net = seed_module(BackgroundSampler(), prefix="background.")
    image, hole, small = _inputs(64, 48)
    with torch.inference_mode():
        out = net(image, hole, small)
    assert isinstance(out, InpaintingOutput)
    for t in out:
        assert t.shape == (1, 3, 64, 48) and t.dtype == torch.float32
        assert t.min() >= -1 and t.max() <= 1 and torch.isfinite(t).all()


def test_foreground_sampler_reads_the_background():
    net = seed_module(ForegroundSampler(), prefix="foreground.")
    image, hole, small = _inputs(56, 64)
    with torch.inference_mode():
        a = net(image, hole, small, background=torch.zeros_like(image)).refined
        b = net(image, hole, small, background=torch.ones_like(image)).refined
    assert a.shape == (1, 3, 56, 64)
    assert (a - b).abs().max() > 1e-3  # the guide channels matter


def test_samplers_refuse_sizes_not_multiple_of_8_and_missing_guide():
    image, hole, small = _inputs(64, 64)
    with pytest.raises(ValueError, match="multiple of 8"):
        BackgroundSampler()(image[..., :60], hole[..., :60], small)
    with pytest.raises(ValueError, match="guide"):
        ForegroundSampler().inpaint(image, hole, small)


def _features(seed, shape=(1, 8, 16, 16)):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


def test_attention_never_copies_from_the_hole():
    f, b = _features(1), _features(2)
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 2:6, 2:6] = 1  # hole cells on the 2x downsampled grid
    changed = b.clone()
    changed[..., 4:12, 4:12] = 5.0  # full-resolution pixels of the hole cells
    # (without fusion: fused scores of valid sources borrow their neighbours' scores)
    out_a = ca.contextual_attention_dense(f, b, mask, fuse=False)
    out_b = ca.contextual_attention_dense(f, changed, mask, fuse=False)
    assert out_a.shape == f.shape
    torch.testing.assert_close(out_a, out_b, rtol=0, atol=0)
    # ...while without the mask the changed pixels are used
    unmasked_a = ca.contextual_attention_dense(f, b, None, fuse=False)
    unmasked_b = ca.contextual_attention_dense(f, changed, None, fuse=False)
    assert (unmasked_a - unmasked_b).abs().max() > 0.1


def test_attention_rejects_bad_arguments():
    f = _features(1)
    with pytest.raises(ValueError, match="mask"):
        ca.contextual_attention_dense(f, f, torch.zeros(1, 1, 16, 16))
    with pytest.raises(ValueError, match="same shape"):
        ca.contextual_attention_dense(f, f[..., :8], None)
    with pytest.raises(ValueError, match="divisible"):
        ca.contextual_attention_dense(f[..., :15], f[..., :15], None)
    with pytest.raises(ValueError, match="Unknown attention"):
        ca.get_attention("no-such-attention")
    with pytest.raises(ValueError, match="Unknown attention"):
        ca.ContextualAttention(8, implementation="no-such-attention")


def test_attention_module_looks_implementation_up_at_call_time(monkeypatch):
    calls = []

    def fake(f, b, mask, **kwargs):
        calls.append(kwargs)
        return torch.zeros_like(f)

    monkeypatch.setitem(ca.ATTENTION_IMPLEMENTATIONS, "fake", fake)
    module = ca.ContextualAttention(8)
    f = _features(3)
    dense_out = module(f, f)
    module.implementation = "fake"
    fake_out = module(f, f)
    assert calls and calls[0]["rate"] == 2
    assert not torch.equal(dense_out, fake_out)
