"""The blocked ("exact") contextual attention gives the dense result.

Two oracles: a brute-force transcription of the attention's definition
(explicit index arithmetic in float64, independent of any convolution
trick), and the dense implementation the networks use by default.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samplenet.models.attention_blocked import contextual_attention_blocked


def attention_by_definition(f, b, mask, fuse=True, scale=10.0):
    """Contextual attention of one image written out index by index.

    f, b: C x H x W float64 numpy arrays; mask: h x w (1 = hole) or None.
    """
    channels, height, width = f.shape
    fs, bs = f[:, ::2, ::2], b[:, ::2, ::2]
    h, w = fs.shape[1:]
    n = h * w

    def patch(x, r, c):  # zero-padded 3x3 patch centred at (r, c)
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
        return padded[:, r : r + 3, c : c + 3].reshape(-1)

    queries = np.stack([patch(fs, r, c) for r in range(h) for c in range(w)])
    keys = np.stack([patch(bs, r, c) for r in range(h) for c in range(w)])
    keys = keys / np.maximum(np.linalg.norm(keys, axis=1, keepdims=True), 1e-4)
    s0 = queries @ keys.T  # [query, key], both row-major

    def fused(scores, order):  # order(i) -> row-major index of the i-th position in that order
        out = np.zeros_like(scores)
        for q in range(n):
            for k in range(n):
                for d in (-1, 0, 1):
                    if 0 <= q + d < n and 0 <= k + d < n:
                        out[order(q), order(k)] += scores[order(q + d), order(k + d)]
        return out

    if fuse:
        def row_major(i):
            return i

        def column_major(i):
            return (i % h) * w + i // h

        s0 = fused(fused(s0, row_major), column_major)

    usable = np.ones(n)
    if mask is not None:
        padded = np.pad(mask, 1)
        usable = np.array([padded[r : r + 3, c : c + 3].mean() == 0 for r in range(h) for c in range(w)], float)
    logits = s0 * usable[None, :] * scale
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights = weights / weights.sum(axis=1, keepdims=True) * usable[None, :]

    padded_b = np.pad(b, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((channels, 2 * h + 2, 2 * w + 2))
    for q in range(n):
        qr, qc = divmod(q, w)
        for k in range(n):
            if weights[q, k] == 0:
                continue
            kr, kc = divmod(k, w)
            raw = padded_b[:, 2 * kr : 2 * kr + 4, 2 * kc : 2 * kc + 4]
            out[:, 2 * qr : 2 * qr + 4, 2 * qc : 2 * qc + 4] += weights[q, k] * raw
    return out[:, 1:-1, 1:-1] / 4.0


def hole_masks(h, w):
    """Unknown regions of several shapes at the key resolution."""
    band = np.zeros((h, w))
    band[:, w // 2] = 1  # thin band
    blob = np.zeros((h, w))
    blob[1 : h - 1, 1 : w - 1] = 1  # large blob
    border = np.zeros((h, w))
    border[: h // 2, :2] = 1  # touching the border
    return {
        "none": None,
        "empty": np.zeros((h, w)),
        "band": band,
        "blob": blob,
        "border": border,
        "all": np.ones((h, w)),
    }


@pytest.mark.parametrize("shape", [(8, 10), (6, 14), (2, 8)])
@pytest.mark.parametrize("fuse", [True, False])
def test_blocked_matches_definition(shape, fuse):
    height, width = shape
    rng = np.random.default_rng(height * width)
    f = rng.normal(size=(2, 3, height, width))
    b = rng.normal(size=(2, 3, height, width))
    for name, mask in hole_masks(height // 2, width // 2).items():
        expected = np.stack([attention_by_definition(f[i], b[i], mask, fuse) for i in range(2)])
        mask_t = None if mask is None else torch.from_numpy(mask)[None, None]
        for block in (None, 1, 3, 7):  # 3 and 7 divide none of the patch counts
            got = contextual_attention_blocked(
                torch.from_numpy(f), torch.from_numpy(b), mask_t, fuse=fuse, block_size=block
            )
            assert got.shape == expected.shape
            np.testing.assert_allclose(got.numpy(), expected, atol=1e-9, err_msg=f"mask {name}, block {block}")


def test_float32_within_tolerance_of_definition():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(1, 4, 12, 16))
    mask = hole_masks(6, 8)["border"]
    expected = attention_by_definition(f[0], f[0], mask)
    f32 = torch.from_numpy(f).float()
    got = contextual_attention_blocked(f32, f32, torch.from_numpy(mask).float()[None, None], block_size=5)
    assert np.abs(got[0].numpy() - expected).max() <= 1e-4


def test_per_image_masks_in_a_batch():
    """Each image of a batch uses its own mask."""
    rng = np.random.default_rng(5)
    f = rng.normal(size=(2, 3, 8, 8))
    masks = [hole_masks(4, 4)["blob"], hole_masks(4, 4)["band"]]
    got = contextual_attention_blocked(
        torch.from_numpy(f), torch.from_numpy(f), torch.from_numpy(np.stack(masks))[:, None], block_size=3
    )
    for i in range(2):
        np.testing.assert_allclose(got[i].numpy(), attention_by_definition(f[i], f[i], masks[i]), atol=1e-9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"block_size": 0}, "block_size"),
        ({"block_size": -3}, "block_size"),
        ({"block_size": 2.5}, "block_size"),
        ({"block_size": True}, "block_size"),
        ({"ksize": 5}, "ksize"),
        ({"rate": 4}, "rate"),
        ({"fuse_k": 5}, "fuse_k"),
    ],
)
def test_bad_options_are_rejected(kwargs, message):
    f = torch.zeros(1, 2, 8, 8)
    with pytest.raises(ValueError, match=message):
        contextual_attention_blocked(f, f, None, **kwargs)


def test_bad_shapes_are_rejected():
    f = torch.zeros(1, 2, 8, 8)
    with pytest.raises(ValueError, match="mask"):
        contextual_attention_blocked(f, f, torch.zeros(1, 1, 8, 8))  # full resolution, not 1/2
    with pytest.raises(ValueError, match="mask"):
        contextual_attention_blocked(f, f, torch.zeros(3, 1, 4, 4))  # batch mismatch
    with pytest.raises(ValueError, match="4-D"):
        contextual_attention_blocked(f[0], f[0], None)
    with pytest.raises(ValueError, match="channels"):
        contextual_attention_blocked(f, torch.zeros(1, 3, 8, 8), None)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("hole", ["none", "empty", "band", "blob", "border", "all"])
def test_exact_matches_dense_float32(batch, hole):
    """The registered "exact" implementation against the dense one, at the
    tolerance promised for the networks (float32, features like a ReLU
    layer's)."""
    from samplenet.models.contextual_attention import get_attention

    torch.manual_seed(batch)
    f = torch.relu(torch.randn(batch, 16, 24, 20))
    mask = hole_masks(12, 10)[hole]
    mask_t = None if mask is None else torch.from_numpy(mask).float()[None, None].expand(batch, 1, 12, 10)
    dense = get_attention("dense")(f, f, mask_t)
    for block in (None, 7, 50):
        exact = get_attention("exact")(f, f, mask_t, block_size=block)
        assert exact.shape == dense.shape
        assert (exact - dense).abs().max().item() <= 1e-4, (hole, block)
