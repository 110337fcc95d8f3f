"""Contextual attention computed in blocks of query patches ("exact" mode).

The sampling networks compare every 3x3 patch of their 1/8-resolution
features with every other patch (DeepFill v1's contextual attention). Done
directly, the score matrix is ``(H*W/64)^2`` floats: 15 GB for a 2000x2000
photo, several copies of it while the scores are fused. This module gives the
same numbers (up to float rounding) while holding only a few
``keys x block`` matrices at a time, so memory grows linearly with the pixel
count, and it skips the work whose result is known in advance.

What the dense computation does, step by step (f = queries, b = keys, both at
the attention layer's resolution; mask marks the hole, 1 = not usable):

1. ``f``, ``b`` and the mask are subsampled by ``rate`` (nearest: every
   second pixel).
2. Every 3x3 patch of the subsampled ``b`` (zero padded, one per pixel) is
   L2-normalised (norm clamped below at 1e-4) and correlated with the 3x3
   neighbourhood of every subsampled ``f`` pixel: raw scores
   ``S0[key, query]``.
3. Fusion ("encourage large patches"): with queries and keys both flattened in
   row-major order, ``S1[k, q] = sum_d S0[k+d, q+d]`` for ``d in {-1, 0, 1}``
   (a 3x3 identity kernel convolved over the flattened score matrix; indices
   outside ``[0, n)`` contribute nothing and row ends wrap into the next row).
   Then the same over column-major flattening: ``S2[k, q] = sum_e
   S1[k (+) e, q (+) e]`` where ``(+)`` steps one pixel down, wrapping from the
   bottom of a column to the top of the next one.
4. Keys whose 3x3 mask patch is not all zero are masked: their score is set to
   0 (not minus infinity), the softmax over all keys of ``scale * score`` is
   taken, and their weight is then set to 0.
5. The output is the transposed convolution of the weights with the raw
   ``2*rate`` x ``2*rate`` patches of the full-resolution ``b`` (stride
   ``rate``, padding 1), divided by 4.

How this module does the same with less:

* Masked keys end with weight exactly 0, so their scores are never computed;
  they only add ``exp(0 - max)`` each to the softmax denominator, which is
  added in closed form. Their raw scores are still computed where the fusion
  of a usable key's score needs them (the usable keys grown by the fusion
  shifts).
* Queries are processed in blocks of consecutive row-major positions. The
  row-major fusion needs one extra query position on each side; the
  column-major fusion needs the fused scores of the query row above and below
  (one image row of halo), kept in a sliding window so nothing is computed
  twice; the wrap-around of the first and last row uses two cached rows.
* Each block's weighted raw patches are folded straight into the output.

Queries are never skipped: the refinement network reads the attention output
at every position, outside the hole too.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .contextual_attention import ATTENTION_IMPLEMENTATIONS

#: Scores held per block: the block's query count is chosen so that a
#: ``keys x queries`` float matrix has about this many entries (64 MB in fp32).
DEFAULT_BLOCK_ELEMENTS = 1 << 24

#: Norm floor of the key patches (the reference's ``escape_NaN``).
NORM_FLOOR = 1e-4


def contextual_attention_blocked(
    f: torch.Tensor,
    b: torch.Tensor,
    mask: torch.Tensor | None,
    *,
    ksize: int = 3,
    rate: int = 2,
    fuse_k: int = 3,
    softmax_scale: float = 10.0,
    fuse: bool = True,
    block_size: int | None = None,
) -> torch.Tensor:
    """Contextual attention, equal to the dense computation within float
    rounding, with memory linear in the number of pixels.

    Args:
        f: ``B x C x H x W`` features to fill (queries).
        b: ``B x C x Hb x Wb`` features to copy from (keys).
        mask: ``B x 1 x h x w`` (or batch 1), 1 where ``b`` may not be used,
            at the subsampled resolution ``(Hb // rate, Wb // rate)``;
            ``None`` = everything usable.
        ksize, rate, fuse_k: patch size, subsampling rate and fusion kernel;
            only the values the SampleNet/DeepFill networks use (3, 2, 3) are
            supported.
        softmax_scale: the softmax temperature's inverse.
        fuse: whether to fuse scores of neighbouring patches (step 3).
        block_size: number of query positions per block; ``None`` picks one
            from :data:`DEFAULT_BLOCK_ELEMENTS`. Changes memory and speed,
            never the result.

    Returns:
        ``B x C x 2*(H // rate) x 2*(W // rate)`` attention output (before the
        module's output convolutions).
    """
    _check_arguments(f, b, mask, ksize, rate, fuse_k, block_size)
    masks = _key_resolution_masks(mask, b, rate)
    outputs = []
    for i in range(f.shape[0]):
        outputs.append(
            _attend_one(
                f[i],
                b[i],
                None if masks is None else masks[min(i, masks.shape[0] - 1)],
                rate=rate,
                softmax_scale=softmax_scale,
                fuse=fuse,
                block_size=block_size,
            )
        )
    return torch.stack(outputs)


def _check_arguments(f, b, mask, ksize, rate, fuse_k, block_size) -> None:
    if f.dim() != 4 or b.dim() != 4:
        raise ValueError(f"contextual attention needs 4-D f and b, got {tuple(f.shape)} and {tuple(b.shape)}")
    if f.shape[0] != b.shape[0] or f.shape[1] != b.shape[1]:
        raise ValueError(f"f {tuple(f.shape)} and b {tuple(b.shape)} must agree in batch and channels")
    if (ksize, rate, fuse_k) != (3, 2, 3):
        raise ValueError(
            f"only ksize=3, rate=2, fuse_k=3 are supported (the networks' values), got {ksize}, {rate}, {fuse_k}"
        )
    if min(f.shape[2:]) < rate or min(b.shape[2:]) < rate:
        raise ValueError(f"features too small for rate {rate}: f {tuple(f.shape)}, b {tuple(b.shape)}")
    if block_size is not None and (isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1):
        raise ValueError(f"block_size must be a positive integer or None, got {block_size!r}")
    if mask is not None:
        if mask.dim() != 4 or mask.shape[1] != 1 or mask.shape[0] not in (1, f.shape[0]):
            raise ValueError(f"mask must be B x 1 x h x w (or batch 1), got {tuple(mask.shape)}")


def _key_resolution_masks(mask: torch.Tensor | None, b: torch.Tensor, rate: int) -> torch.Tensor | None:
    """The mask at the subsampled key resolution, ``B x 1 x h x w``."""
    if mask is None:
        return None
    h, w = b.shape[2] // rate, b.shape[3] // rate
    if tuple(mask.shape[2:]) != (h, w):
        raise ValueError(
            f"The attention mask is {tuple(mask.shape[2:])}; it must match the downsampled "
            f"feature map {(h, w)} (1/8 of the image for SampleNet)."
        )
    return mask


# --- index helpers: flattened positions and the fusion's shifts ------------


def _shift_row_major(idx: torch.Tensor, d: int, n: int) -> torch.Tensor:
    """Row-major flat index ``idx + d``; -1 where it leaves ``[0, n)``."""
    out = idx + d
    return torch.where((out >= 0) & (out < n), out, torch.full_like(out, -1))


def _shift_column_major(idx: torch.Tensor, e: int, height: int, width: int) -> torch.Tensor:
    """Row-major flat index of the position ``e`` steps further in
    column-major order (down one pixel, wrapping from a column's bottom to the
    next column's top); -1 where it leaves the image."""
    rows, cols = idx // width, idx % width
    col_major = cols * height + rows + e
    inside = (col_major >= 0) & (col_major < height * width)
    col_major = col_major.clamp(0, height * width - 1)
    out = (col_major % height) * width + col_major // height
    return torch.where(inside & (idx >= 0), out, torch.full_like(out, -1))


def _lookup_table(members: torch.Tensor, n: int) -> torch.Tensor:
    """Table mapping a flat index in ``[-1, n)`` (-1 = outside) to its row in
    a matrix over ``members`` whose extra last row is zeros."""
    table = torch.full((n + 1,), members.numel(), dtype=torch.long, device=members.device)
    table[members] = torch.arange(members.numel(), device=members.device)
    return table  # table[-1] == table[n] is the zero row


def _patches(x: torch.Tensor, positions: torch.Tensor, size: int, stride: int, pad: int) -> torch.Tensor:
    """``size x size`` patches of ``x`` (C x H x W, zero padded by ``pad``)
    whose top-left corners are ``stride * position - pad``, as a
    ``(C*size*size) x P`` matrix ordered (channel, row, column)."""
    channels, _, width = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    padded_width = width + 2 * pad
    flat = padded.reshape(channels, -1)
    out_width = (width + 2 * pad - size) // stride + 1
    rows, cols = positions // out_width, positions % out_width
    corner = rows * stride * padded_width + cols * stride
    steps = torch.arange(size, device=positions.device)
    offsets = (steps[:, None] * padded_width + steps[None, :]).reshape(-1)
    index = (offsets[:, None] + corner[None, :]).reshape(-1)
    return flat.index_select(1, index).reshape(channels * size * size, positions.numel())


# --- one image ----------------------------------------------------------


def _attend_one(f, b, mask, *, rate, softmax_scale, fuse, block_size) -> torch.Tensor:
    channels = f.shape[0]
    f_small = f[:, ::rate, ::rate][:, : f.shape[1] // rate, : f.shape[2] // rate]
    b_small = b[:, ::rate, ::rate][:, : b.shape[1] // rate, : b.shape[2] // rate]
    height, width = f_small.shape[1:]
    key_height, key_width = b_small.shape[1:]
    n_queries, n_keys = height * width, key_height * key_width
    out_full = f.new_zeros(channels, rate * height + 2, rate * width + 2)

    usable = _usable_keys(mask, key_height, key_width, f.device)
    keys = torch.nonzero(usable).flatten()
    if keys.numel() == 0:  # every weight is zeroed after the softmax
        return out_full[:, 1:-1, 1:-1].clone()
    n_masked = n_keys - keys.numel()

    if fuse:
        shifted = [_shift_column_major(keys, e, key_height, key_width) for e in (-1, 0, 1)]
        keys1 = torch.unique(torch.cat(shifted))
        keys1 = keys1[keys1 >= 0]
        keys0 = torch.unique(torch.cat([_shift_row_major(keys1, d, n_keys) for d in (-1, 0, 1)]))
        keys0 = keys0[keys0 >= 0]
        table0, table1 = _lookup_table(keys0, n_keys), _lookup_table(keys1, n_keys)
        rows0 = [table0[_shift_row_major(keys1, d, n_keys)] for d in (-1, 0, 1)]
        rows1 = [table1[s] for s in shifted]
    else:
        keys0 = keys

    normed = _patches(b_small, keys0, 3, 1, 1)
    normed = normed / normed.norm(dim=0, keepdim=True).clamp_min(NORM_FLOOR)
    normed_t = normed.t().contiguous()  # keys0 x 9C
    raw = _patches(b, keys, 2 * rate, rate, 1)  # 16C x usable keys

    def raw_scores(start: int, stop: int) -> torch.Tensor:
        """S0 for queries [start-1, stop+1) (zero columns outside the
        image), over keys0 plus a zero row."""
        lo, hi = max(start - 1, 0), min(stop + 1, n_queries)
        scores = f.new_zeros(keys0.numel() + 1, stop - start + 2)
        queries = _patches(f_small, torch.arange(lo, hi, device=f.device), 3, 1, 1)
        first = lo - (start - 1)
        scores[:-1, first : first + hi - lo] = torch.mm(normed_t, queries)
        return scores

    def fused_rows(start: int, stop: int) -> torch.Tensor:
        """S1 for queries [start, stop) over keys1 plus a zero row."""
        scores = raw_scores(start, stop)
        out = f.new_zeros(keys1.numel() + 1, stop - start)
        count = stop - start
        for shift, rows in zip((-1, 0, 1), rows0):
            out[:-1] += scores[:, 1 + shift : 1 + shift + count].index_select(0, rows)
        return out

    per_block = block_size or max(1, DEFAULT_BLOCK_ELEMENTS // max(keys0.numel(), 1))
    per_block = min(per_block, n_queries)

    if fuse:
        first_row = fused_rows(0, width)
        last_row = fused_rows(n_queries - width, n_queries)
        window, window_lo, window_hi = f.new_zeros(keys1.numel() + 1, 0), 0, 0

    for start in range(0, n_queries, per_block):
        stop = min(start + per_block, n_queries)
        if fuse:
            need_lo, need_hi = max(start - width, 0), min(stop + width, n_queries)
            window = window[:, need_lo - window_lo :]
            window_lo = need_lo
            if need_hi > window_hi:
                window = torch.cat([window, fused_rows(window_hi, need_hi)], dim=1)
                window_hi = need_hi
            scores = _fuse_columns(window, window_lo, start, stop, rows1, first_row, last_row, height, width)
        else:
            scores = raw_scores(start, stop)[:-1, 1:-1]
        weights = _masked_softmax(scores.mul_(softmax_scale), n_masked)
        _fold_block(out_full, torch.mm(raw, weights), start, stop, width, rate)
    return out_full[:, 1:-1, 1:-1] / 4.0


def _usable_keys(mask: torch.Tensor | None, height: int, width: int, device: torch.device) -> torch.Tensor:
    """Keys whose zero-padded 3x3 mask patch is all zero (mean exactly 0)."""
    if mask is None:
        return torch.ones(height * width, dtype=torch.bool, device=device)
    patch_mean = F.avg_pool2d(mask[None].float(), 3, stride=1, padding=1, count_include_pad=True)
    return (patch_mean == 0).flatten()


def _fuse_columns(window, window_lo, start, stop, rows1, first_row, last_row, height, width) -> torch.Tensor:
    """S2 for queries [start, stop) over the usable keys: the column-major
    fusion, reading S1 from the sliding window (one image row of halo each
    side) and, for the wrap-around of the first and last rows, from the
    cached S1 of those rows."""
    n_queries = height * width
    count = stop - start
    out = window.new_zeros(rows1[0].numel(), count)
    for shift, rows in zip((-1, 0, 1), rows1):
        # block queries whose neighbour is the row below/above, in the window
        if shift == 0:
            lo, hi = start, stop
        elif shift == 1:
            lo, hi = start, min(stop, n_queries - width)
        else:
            lo, hi = max(start, width), stop
        if hi > lo:
            src = window[:, lo + shift * width - window_lo : hi + shift * width - window_lo]
            out[:, lo - start : hi - start] += src.index_select(0, rows)
        # wrap-around: bottom row -> top of the next column, and back
        if shift == 1:
            lo, hi = max(start, n_queries - width), min(stop, n_queries - 1)
            if hi > lo:
                col = lo - (n_queries - width)
                src = first_row[:, col + 1 : col + 1 + hi - lo]
                out[:, lo - start : hi - start] += src.index_select(0, rows)
        elif shift == -1:
            lo, hi = max(start, 1), min(stop, width)
            if hi > lo:
                src = last_row[:, lo - 1 : hi - 1]
                out[:, lo - start : hi - start] += src.index_select(0, rows)
    return out


def _masked_softmax(logits: torch.Tensor, n_masked: int) -> torch.Tensor:
    """Softmax over keys (dim 0) as if ``n_masked`` more keys had logit 0,
    returning only the usable keys' weights (the masked ones are zeroed
    afterwards anyway)."""
    top = logits.max(dim=0).values
    if n_masked:
        top = top.clamp_min(0.0)
    weights = logits.sub_(top).exp_()
    total = weights.sum(dim=0)
    if n_masked:
        total = total + n_masked * torch.exp(-top)
    return weights.div_(total)


def _fold_block(out_full, contributions, start, stop, width, rate) -> None:
    """Add the block's weighted raw patches (``16C x count``) to the
    uncropped output (the transposed convolution, one block at a time)."""
    first_row, last_row = start // width, (stop - 1) // width + 1
    n_rows = last_row - first_row
    columns = contributions.new_zeros(contributions.shape[0], n_rows * width)
    columns[:, start - first_row * width : stop - first_row * width] = contributions
    patch = 2 * rate
    folded = F.fold(
        columns[None],
        output_size=(rate * (n_rows - 1) + patch, rate * (width - 1) + patch),
        kernel_size=patch,
        stride=rate,
    )[0]
    top = rate * first_row
    out_full[:, top : top + folded.shape[1], : folded.shape[2]] += folded


ATTENTION_IMPLEMENTATIONS["exact"] = contextual_attention_blocked
