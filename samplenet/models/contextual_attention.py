"""Contextual attention (Yu et al., "Generative Image Inpainting with
Contextual Attention", CVPR 2018), as used by SampleNet's samplers.

Every position of the feature map ``f`` looks for the most similar 3x3
patches of ``b`` outside the hole (cosine similarity, computed on a
2x-downsampled grid to save memory), blurs the similarity scores along
diagonals so that coherent neighbouring matches win ("fusion"), turns them
into weights with a sharp softmax and pastes the matching 4x4 patches of
the full-resolution ``b`` back. Hole patches never serve as sources.

The arithmetic (patch layouts, order of the norm's sums, fusion as a
convolution with an identity kernel over flattened positions) follows the
reference implementation step by step: the result feeds a network with
max-pooling indices, where even last-bit differences can move values.

Implementations are interchangeable: :data:`ATTENTION_IMPLEMENTATIONS` maps a
name to a function with the signature of :func:`contextual_attention_dense`,
and :class:`ContextualAttention` looks its implementation up by name at call
time: ``"dense"`` (this module) and ``"exact"``
(:mod:`.attention_blocked`, the default).
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..io import quoted
from .attention_blocked import contextual_attention_blocked
from .attention_common import DEFAULT_ATTENTION, NORM_FLOOR, check_mask_shape
from .layers import ConvBlock

AttentionFunction = Callable[..., Tensor]

#: name -> attention function ``(f, b, mask, *, ksize, rate, fuse_k,
#: softmax_scale, fuse) -> Tensor``.
ATTENTION_IMPLEMENTATIONS: dict[str, AttentionFunction] = {}


def _patches_channels_last(x: Tensor, kernel: int, stride: int, padding: int) -> Tensor:
    """All ``kernel x kernel`` patches of zero-padded ``x`` (BxCxHxW) as a
    ``B x L x C x k x k`` tensor, L = number of patches in row-major order.

    The values are stored patch-by-patch with channels last and only
    *viewed* as ``C x k x k``: the memory layout decides the order in which
    reductions over a patch add up, and this is the layout of the reference.
    """
    batch, channels = x.shape[:2]
    padded = F.pad(x, [padding] * 4)
    patches = padded.unfold(2, kernel, stride).unfold(3, kernel, stride)  # B,C,ph,pw,k,k
    patches = patches.permute(0, 2, 3, 4, 5, 1).reshape(batch, -1, kernel, kernel, channels)
    return patches.permute(0, 1, 4, 2, 3)


def _patch_norms(patches: Tensor) -> Tensor:
    """L2 norm of each ``C x k x k`` patch (LxCxkxk -> Lx1x1x1), summed over
    channels, then rows, then columns (the reference's order)."""
    squares = patches**2
    total = squares.sum(dim=1, keepdim=True).sum(dim=2, keepdim=True).sum(dim=3, keepdim=True)
    return torch.sqrt(total)


def _fuse_scores(scores: Tensor, query_hw: tuple[int, int], key_hw: tuple[int, int], fuse_k: int) -> Tensor:
    """Add up the scores of neighbouring (query, key) pairs along diagonals.

    ``scores`` is ``1 x Lk x hq x wq``. A match of query q with key k gains
    the scores of (q-1, k-1) and (q+1, k+1): first with both positions
    flattened row by row, then column by column. Done, like the reference,
    as a 2-D convolution with an identity kernel over the
    ``(query index, key index)`` score matrix; the row-major flattening means
    the neighbours wrap around line ends, which the trained weights expect.
    """
    hq, wq = query_hw
    hk, wk = key_hw
    identity = torch.eye(fuse_k, dtype=scores.dtype, device=scores.device).view(1, 1, fuse_k, fuse_k)
    pad = fuse_k // 2
    # rows first: matrix[query (row-major), key (row-major)]
    matrix = F.conv2d(_as_single_channel(scores.permute(0, 2, 3, 1), hq * wq, hk * wk), identity, padding=pad)
    # then columns: re-flatten both positions column-major
    by_columns = matrix.view(hq, wq, hk, wk).permute(1, 0, 3, 2)
    matrix = F.conv2d(_as_single_channel(by_columns, wq * hq, wk * hk), identity, padding=pad)
    fused = matrix.view(wq, hq, wk, hk).permute(1, 0, 3, 2).reshape(1, hq, wq, hk * wk)
    return fused.permute(0, 3, 1, 2)


def _as_single_channel(values: Tensor, rows: int, cols: int) -> Tensor:
    """``values`` as a ``1 x 1 x rows x cols`` image, laid out channels-last.

    The layout matters for memory, not for the numbers: this is the
    reference's layout, and with a plain NCHW tensor of this shape PyTorch's
    CPU convolution needs a scratch buffer several times the score matrix
    (figures in docs/speed-and-memory.md).
    """
    return values.reshape(1, rows, cols, 1).permute(0, 3, 1, 2)


def _valid_source_patches(mask: Tensor | None, batch: int, size: tuple[int, int], ksize: int, like: Tensor) -> Tensor:
    """``B x L x 1 x 1``: 1 where the ``ksize`` patch of the (downsampled)
    mask around a key position holds no hole pixel, else 0.

    ``mask`` is 1 in the hole and 0 elsewhere; outside the image counts as
    no hole (zero padding), as in the reference's patch mean == 0 test.
    """
    height, width = size
    if mask is None:
        return torch.ones(batch, height * width, 1, 1, dtype=like.dtype, device=like.device)
    check_mask_shape(mask, batch, size)
    mask = mask.to(dtype=like.dtype).expand(batch, 1, height, width)
    has_hole = F.max_pool2d(mask, ksize, stride=1, padding=ksize // 2) > 0
    return (~has_hole).to(like.dtype).reshape(batch, height * width, 1, 1)


def contextual_attention_dense(
    f: Tensor,
    b: Tensor,
    mask: Tensor | None,
    *,
    ksize: int = 3,
    rate: int = 2,
    fuse_k: int = 3,
    softmax_scale: float = 10.0,
    fuse: bool = True,
) -> Tensor:
    """Fill ``f`` with patches of ``b`` chosen by contextual attention.

    The whole score matrix (every query against every key) is built at once:
    memory grows with the fourth power of the image side, so this is for
    images up to about 1000x1000; see other entries of
    :data:`ATTENTION_IMPLEMENTATIONS` for larger ones.

    Args:
        f: ``BxCxHxW`` features to fill (queries); H and W divisible by ``rate``.
        b: ``BxCxHxW`` features to copy from (keys and values).
        mask: ``Bx1x(H/rate)x(W/rate)`` (or ``1x1x...``), 1 = hole (not a
            valid source), 0 = usable; ``None`` = everything usable.
        ksize: matching patch size on the downsampled grid (odd).
        rate: downsampling factor for matching (even); pasted patches are
            ``2*rate`` wide at full resolution.
        fuse_k: size of the identity kernel that fuses scores (odd).
        softmax_scale: sharpness of the softmax over cosine similarities.
        fuse: whether to fuse scores of neighbouring matches.

    Returns:
        ``BxCxHxW`` tensor: the attended reconstruction of ``f`` (before the
        two output convolutions of :class:`ContextualAttention`).
    """
    if f.dim() != 4 or b.shape != f.shape:
        raise ValueError(
            f"f and b must be BxCxHxW tensors of the same shape, got {tuple(f.shape)} and {tuple(b.shape)}"
        )
    if rate % 2 or ksize % 2 == 0 or fuse_k % 2 == 0:
        raise ValueError(f"need an even rate and odd ksize/fuse_k, got rate={rate}, ksize={ksize}, fuse_k={fuse_k}")
    batch, _, height, width = b.shape
    if height % rate or width % rate:
        raise ValueError(f"feature size {height}x{width} is not divisible by rate {rate}")

    # values: 2*rate patches of the full-resolution b, one per downsampled position
    value_patches = _patches_channels_last(b, kernel=2 * rate, stride=rate, padding=rate // 2)
    # queries and keys live on the downsampled grid (nearest: every rate-th pixel)
    f_small = f[:, :, ::rate, ::rate].contiguous()
    b_small = b[:, :, ::rate, ::rate].contiguous()
    small_hw = (height // rate, width // rate)
    key_patches = _patches_channels_last(b_small, kernel=ksize, stride=1, padding=ksize // 2)
    valid = _valid_source_patches(mask, batch, small_hw, ksize, like=b)

    outputs = []
    for query, keys, values, usable in zip(
        torch.split(f_small, 1), key_patches, value_patches, valid, strict=True
    ):
        usable = usable.unsqueeze(0)  # 1 x L x 1 x 1
        normalised = keys / torch.clamp(_patch_norms(keys), min=NORM_FLOOR)
        scores = F.conv2d(query, normalised, stride=1, padding=ksize // 2)  # 1 x L x h x w
        if fuse:
            scores = _fuse_scores(scores, small_hw, small_hw, fuse_k)
        scores = scores * usable
        weights = F.softmax(scores * softmax_scale, dim=1) * usable
        pasted = F.conv_transpose2d(weights, values, stride=rate, padding=rate // 2) / 4.0
        outputs.append(pasted)
    return torch.cat(outputs, dim=0)


ATTENTION_IMPLEMENTATIONS["exact"] = contextual_attention_blocked
ATTENTION_IMPLEMENTATIONS["dense"] = contextual_attention_dense


def get_attention(name: str) -> AttentionFunction:
    """The attention function registered as ``name``."""
    try:
        return ATTENTION_IMPLEMENTATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown attention implementation {quoted(name)}; "
            f"available: {', '.join(sorted(ATTENTION_IMPLEMENTATIONS))}"
        ) from None


class ContextualAttention(nn.Module):
    """Contextual attention followed by two 3x3 ELU convolutions (``out``).

    ``implementation`` names an entry of :data:`ATTENTION_IMPLEMENTATIONS`:
    the module's default, looked up at every call. A call may name another
    one (``implementation=`` of :meth:`forward`) without changing the
    module, so that callers sharing one model can choose differently at the
    same time.
    """

    def __init__(self, channels: int = 128, rate: int = 2, implementation: str = DEFAULT_ATTENTION) -> None:
        super().__init__()
        get_attention(implementation)  # fail early on a typo
        self.rate = rate
        self.implementation = implementation
        self.out = nn.Sequential(ConvBlock(channels, channels), ConvBlock(channels, channels))

    def forward(self, f: Tensor, b: Tensor, mask: Tensor | None = None, implementation: str | None = None) -> Tensor:
        attend = get_attention(implementation or self.implementation)
        # Always float32, also under autocast / in a half-precision model: the
        # softmax multiplies the scores by 10, beyond what bf16/fp16 carry.
        with torch.autocast(device_type=f.device.type, enabled=False):
            attended = attend(f.float(), b.float(), None if mask is None else mask.float(), rate=self.rate)
        return self.out(attended.to(f.dtype))
