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
* Step 2 as nine shifted sums of single-pixel products (``C`` multiply-adds
  per key/query pair instead of ``9C``, see :class:`_RawScores`).
* Step 5 with the weights first summed along the 2x2 diagonals that pasted
  patches overlap on (``4C`` output rows per pair instead of ``16C``, see
  :class:`_Paster`).
* Queries are processed in blocks of consecutive row-major positions. The
  row-major fusion needs one extra query position on each side; the
  column-major fusion needs the fused scores of the query row above and below
  (one image row of halo), kept in a sliding window so nothing is computed
  twice; the wrap-around of the first and last row uses two cached rows.
* Blocks are small enough (16 MB per score matrix) for glibc to recycle
  their temporaries, and the sliding windows grow in place
  (:class:`_ColumnWindow`) instead of being concatenated anew per block.

These change only the order of float additions: in float64 the result
agrees with a brute-force transcription of the definition to 1e-9 (tests).

Queries are never skipped: the refinement network reads the attention output
at every position, outside the hole too.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .attention_common import NORM_FLOOR, check_mask_shape

#: Scores held per block: the block's query count is chosen so that a
#: ``keys x queries`` float matrix has about this many entries (16 MB in
#: fp32). Small enough that glibc recycles the blocks' temporaries instead
#: of page-faulting fresh memory for each (its automatic mmap threshold
#: stops at 32 MB), which roughly halved the attention's time against 64 MB
#: blocks (figures in docs/speed-and-memory.md).
DEFAULT_BLOCK_ELEMENTS = 1 << 22

#: Default blocks hold at least this many image rows of queries: each block
#: reads one row of halo on each side, which would dominate shorter blocks.
MIN_BLOCK_ROWS = 2

#: Softmax logits (relative to the largest) below this count as this:
#: ``exp(-80)`` is 1.8e-35, the smallest weights then stay normal floats.
LOGIT_FLOOR = -80.0

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


def _key_resolution_masks(mask: torch.Tensor | None, b: torch.Tensor, rate: int) -> torch.Tensor | None:
    """The mask at the subsampled key resolution, ``B x 1 x h x w``."""
    if mask is None:
        return None
    check_mask_shape(mask, b.shape[0], (b.shape[2] // rate, b.shape[3] // rate))
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


def _row_runs(start: int, stop: int, width: int):
    """The flat positions [start, stop) of a row-major grid ``width`` wide,
    cut at the row ends: ``(first, stop)`` pairs, one per row touched."""
    for row in range(start // width, (stop - 1) // width + 1):
        yield max(start, row * width), min(stop, (row + 1) * width)


def _shift_2d(idx: torch.Tensor, dy: int, dx: int, height: int, width: int) -> torch.Tensor:
    """Row-major flat index of the position ``(dy, dx)`` away on a
    ``height x width`` grid (no wrapping); -1 where it leaves the grid."""
    rows, cols = idx // width + dy, idx % width + dx
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width) & (idx >= 0)
    return torch.where(inside, rows * width + cols, torch.full_like(idx, -1))


def _attend_one(f, b, mask, *, rate, softmax_scale, fuse, block_size) -> torch.Tensor:
    channels = f.shape[0]
    f_small = f[:, ::rate, ::rate][:, : f.shape[1] // rate, : f.shape[2] // rate]
    b_small = b[:, ::rate, ::rate][:, : b.shape[1] // rate, : b.shape[2] // rate]
    height, width = f_small.shape[1:]
    key_height, key_width = b_small.shape[1:]
    n_queries, n_keys = height * width, key_height * key_width

    usable = _usable_keys(mask, key_height, key_width, f.device)
    keys = torch.nonzero(usable).flatten()
    if keys.numel() == 0:  # every weight is zeroed after the softmax
        return f.new_zeros(channels, rate * height, rate * width)
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

    raw_scores = _RawScores(f_small, b_small, keys0)
    paste = _Paster(b, keys, height, width, key_height, key_width, rate)

    def fused_rows(start: int, stop: int, out: torch.Tensor | None = None) -> torch.Tensor:
        """S1 for queries [start, stop) over keys1 plus a zero row (written
        into ``out``, zeros of that shape, if given)."""
        scores = raw_scores(start, stop)
        if out is None:
            out = f.new_zeros(keys1.numel() + 1, stop - start)
        count = stop - start
        for shift, rows in zip((-1, 0, 1), rows0, strict=True):
            out[:-1] += scores[:, 1 + shift : 1 + shift + count].index_select(0, rows)
        return out

    if block_size is None:
        per_block = max(DEFAULT_BLOCK_ELEMENTS // max(keys0.numel(), 1), MIN_BLOCK_ROWS * width)
    else:
        per_block = block_size
    per_block = min(per_block, n_queries)

    if fuse:
        first_row = fused_rows(0, width)
        last_row = fused_rows(n_queries - width, n_queries)
        window = _ColumnWindow(keys1.numel() + 1, f)

    for start in range(0, n_queries, per_block):
        stop = min(start + per_block, n_queries)
        if fuse:
            need_lo, need_hi = max(start - width, 0), min(stop + width, n_queries)
            window.trim(need_lo)
            if need_hi > window.hi:
                first = window.hi
                fused_rows(first, need_hi, out=window.extend(need_hi))
            scores = _fuse_columns(window, start, stop, rows1, first_row, last_row, height, width)
        else:
            scores = raw_scores(start, stop)[:-1, 1:-1]
        paste(_masked_softmax(scores.mul_(softmax_scale), n_masked), start, stop)
    return paste.result() / 4.0


class _ColumnWindow:
    """Columns ``[lo, hi)`` of a ``rows x positions`` matrix that grows on
    the right and is trimmed on the left as the blocks advance.

    Held in a buffer with spare room, so that appending a block's columns
    does not copy the columns already held (``torch.cat`` would, at every
    block: with one image row of halo and blocks shorter than a row that
    was most of the copying at 4 MP). The held columns move to a fresh
    buffer, twice the size then needed, only when the room runs out.
    """

    def __init__(self, rows: int, like: torch.Tensor) -> None:
        self.rows, self.like = rows, like
        self.buffer = like.new_zeros(rows, 0)
        self.offset = 0  # buffer column holding position lo
        self.lo = self.hi = 0

    def restart(self, position: int) -> None:
        """Forget everything; the window is empty at ``position``."""
        self.lo = self.hi = position
        self.offset = 0

    def trim(self, lo: int) -> None:
        """Drop the positions before ``lo``."""
        if lo >= self.hi:
            self.restart(lo)
        elif lo > self.lo:
            self.offset += lo - self.lo
            self.lo = lo

    def extend(self, hi: int, zeroed: bool = True) -> torch.Tensor:
        """Append positions ``[self.hi, hi)`` and return them to be filled
        in: zeros, or (``zeroed=False``) whatever the buffer held, for a
        caller that overwrites every row but the last, which stays zero."""
        held, count = self.hi - self.lo, hi - self.hi
        if self.offset + held + count > self.buffer.shape[1]:
            fresh = self.like.new_empty(self.rows, 2 * (held + count))
            fresh[:, :held] = self.buffer[:, self.offset : self.offset + held]
            self.buffer, self.offset = fresh, 0
        added = self.buffer[:, self.offset + held : self.offset + held + count]
        if zeroed:
            added.zero_()
        else:
            added[-1] = 0.0
        self.hi = hi
        return added

    def columns(self, lo: int, hi: int) -> torch.Tensor:
        """View of positions ``[lo, hi)`` (all held)."""
        return self.buffer[:, self.offset + lo - self.lo : self.offset + hi - self.lo]


class _RawScores:
    """Raw scores S0 (cosine of key patch and query neighbourhood) for runs
    of consecutive queries.

    A 3x3 patch product is the sum of nine single-pixel products along a
    diagonal: ``S0[k, q] = sum_d <b(k+d), f(q+d)> / |patch k|`` with ``d``
    over the 3x3 offsets and zeros outside both grids. So one product of
    channel vectors per (key, query) pixel pair (``C`` multiply-adds instead
    of ``9C``) and nine shifted additions give the same numbers up to the
    order of the float sums.

    Queries are read from ``f`` zero padded by one pixel so that every
    shift is a constant offset in the flattened layout; keys are a subset of
    the grid, so their shifts go through a lookup table whose misses hit a
    zero row. The pixel products are kept for a sliding range of padded
    query positions (the requested run with one padded row of halo on each
    side): runs are requested in increasing order, so each product is
    computed once.
    """

    def __init__(self, f_small: torch.Tensor, b_small: torch.Tensor, keys0: torch.Tensor) -> None:
        channels, height, width = f_small.shape
        key_height, key_width = b_small.shape[1:]
        n_keys = key_height * key_width
        self.width, self.n_queries, self.n_keys0 = width, height * width, keys0.numel()
        self.padded_width = width + 2
        self.queries = F.pad(f_small, (1, 1, 1, 1)).reshape(channels, -1)  # C x (H+2)(W+2)
        offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        shifted = [_shift_2d(keys0, dy, dx, key_height, key_width) for dy, dx in offsets]
        # keys0 first, so that the centre term is a plain slice
        neighbours = torch.unique(torch.cat(shifted))
        neighbours = neighbours[(neighbours >= 0) & ~torch.isin(neighbours, keys0)]
        rows = torch.cat([keys0, neighbours])
        table = _lookup_table(rows, n_keys)
        self.key_features = b_small.reshape(channels, -1).index_select(1, rows).t().contiguous()
        self.shifts = [
            (self.padded_width * dy + dx, table[s])
            for (dy, dx), s in zip(offsets, shifted, strict=True)
            if (dy, dx) != (0, 0)
        ]
        patches = _patches(b_small, keys0, 3, 1, 1)
        self.inverse_norms = 1.0 / patches.norm(dim=0).clamp_min(NORM_FLOOR)[:, None]
        # products over a sliding range of padded query positions, plus a zero row
        self.cache = _ColumnWindow(rows.numel() + 1, self.key_features)

    def _padded(self, query: int) -> int:
        return (query // self.width + 1) * self.padded_width + query % self.width + 1

    def _products(self, lo: int, hi: int) -> torch.Tensor:
        """The products for padded positions [lo, hi)."""
        cache = self.cache
        if lo < cache.lo or lo > cache.hi:  # not a continuation: start over
            cache.restart(lo)
        cache.trim(lo)
        if hi > cache.hi:
            first = cache.hi
            cache.extend(hi, zeroed=False)[:-1] = torch.mm(self.key_features, self.queries[:, first:hi])
        return cache.columns(lo, hi)

    def __call__(self, start: int, stop: int) -> torch.Tensor:
        """S0 for queries [start-1, stop+1) (zero columns outside the
        image), over keys0 plus a zero row."""
        width, halo = self.width, self.padded_width + 1
        lo, hi = max(start - 1, 0), min(stop + 1, self.n_queries)
        first, last = self._padded(lo), self._padded(hi - 1) + 1
        products = self._products(first - halo, last + halo)
        span = last - first
        sums = products[: self.n_keys0, halo : halo + span].clone()
        for offset, rows in self.shifts:
            sums += products[:, halo + offset : halo + offset + span].index_select(0, rows)

        scores = sums.new_zeros(self.n_keys0 + 1, stop - start + 2)
        for q0, q1 in _row_runs(lo, hi, width):  # drop the padding columns
            p0 = self._padded(q0) - first
            scores[:-1, q0 - (start - 1) : q1 - (start - 1)] = sums[:, p0 : p0 + q1 - q0]
        scores[:-1].mul_(self.inverse_norms)
        return scores


class _Paster:
    """The output: every query's weighted sum of ``2*rate`` raw patches of
    the full-resolution ``b``, pasted at the query's place (a transposed
    convolution), fed one block of queries' weights at a time.

    Pasted patches overlap: with rate 2 each output pixel gets a 4x4 patch
    from each of the 2x2 queries around it, and the pixel it gets from key
    ``k`` for query ``q`` depends only on ``k - q`` and the pixel's phase
    (its position modulo 2). Summing the weights along those diagonals first,
    ``D[k', m] = sum_t w[k' - t, m - t]`` for ``t`` in ``{0, 1}^2``, leaves one
    product per phase: ``out[2m + phase] = sum_k' b[2k' + phase - 1] D[k', m]``
    -- ``4C`` output rows per (key, query) pair instead of ``16C``.

    ``m`` and ``k'`` run over "extended" grids one column and one row larger
    than the query and key grids (the patches stick out by one pixel on the
    far side). The weights are laid out on the extended query grid, whose
    extra column stays zero, so that every diagonal shift ``m - t`` is a
    constant offset; the last ``width + 2`` extended columns are kept for
    the next block. Each block writes the contiguous run of extended
    positions from its first query up to its last (the extra column
    included when a row ends in the block; the extra row with the last
    block).
    """

    def __init__(self, b, keys, height, width, key_height, key_width, rate) -> None:
        if rate != 2:
            raise ValueError("the pasting step is written for rate 2")
        channels = b.shape[0]
        self.height, self.width = height, width
        self.n_keys = keys.numel()
        ext_kw = key_width + 1
        ext_keys = (keys // key_width) * ext_kw + keys % key_width
        # usable keys first (their t = 0 term is a plain slice), then the positions they reach
        reached = torch.unique(torch.cat([ext_keys + ty * ext_kw + tx for ty, tx in ((0, 1), (1, 0), (1, 1))]))
        targets = torch.cat([ext_keys, reached[~torch.isin(reached, ext_keys)]])
        self.n_targets = targets.numel()
        # row of w (usable-key order) for every extended key position; misses -> zero row
        table = torch.full(((key_height + 1) * ext_kw + 1,), self.n_keys, dtype=torch.long, device=keys.device)
        table[ext_keys] = torch.arange(self.n_keys, device=keys.device)
        t_rows, t_cols = targets // ext_kw, targets % ext_kw
        self.shifted = []  # (column offset of m - t, rows of w for k' - t)
        for ty, tx in ((0, 1), (1, 0), (1, 1)):
            rows, cols = t_rows - ty, t_cols - tx
            source = torch.where((rows >= 0) & (cols >= 0), rows * ext_kw + cols, torch.full_like(rows, -1))
            self.shifted.append((ty * (width + 1) + tx, table[source]))
        # raw pixels b[2k' + phase - 1] for each target key and phase, zero outside b
        padded = F.pad(b, (1, 1, 1, 1))
        pw = padded.shape[2]
        corners = (2 * t_rows) * pw + 2 * t_cols
        phases = torch.tensor([0, 1, pw, pw + 1], device=b.device)
        pixels = padded.reshape(channels, -1).index_select(1, (phases[:, None] + corners[None, :]).reshape(-1))
        # targets x (phase, channel)
        self.values = (
            pixels.view(channels, 4, self.n_targets).permute(2, 1, 0).reshape(self.n_targets, 4 * channels).contiguous()
        )
        self.accumulator = b.new_zeros((height + 1) * (width + 1), 4 * channels)
        self.halo = width + 2
        # weights laid out on the extended query grid, from `halo` positions before the block
        self.laid_out = _ColumnWindow(self.n_keys + 1, b)
        self.laid_out.restart(-self.halo)
        self.laid_out.extend(0)

    def __call__(self, weights: torch.Tensor, start: int, stop: int) -> None:
        """Add the pastes of queries [start, stop), whose softmax weights
        over the usable keys are ``weights`` (keys x queries)."""
        height, width, halo = self.height, self.width, self.halo
        ext_w = width + 1
        first = (start // width) * ext_w + start % width
        last = ((stop - 1) // width) * ext_w + (stop - 1) % width + 1
        if stop % width == 0:  # the row ends in this block: its extra column too
            last += 1
        if stop == height * width:  # and the extra row after the last one
            last = (height + 1) * ext_w
        count = last - first

        laid_out = self.laid_out
        laid_out.trim(first - halo)
        added = laid_out.extend(last)
        for q0, q1 in _row_runs(start, stop, width):
            e0 = (q0 // width) * ext_w + q0 % width - first
            added[:-1, e0 : e0 + q1 - q0] = weights[:, q0 - start : q1 - start]

        summed = weights.new_empty(self.n_targets, count)
        summed[: self.n_keys] = laid_out.columns(first, last)[: self.n_keys]
        summed[self.n_keys :] = 0.0
        for offset, rows in self.shifted:
            summed += laid_out.columns(first - offset, last - offset).index_select(0, rows)
        self.accumulator[first:last].addmm_(summed.t(), self.values)

    def result(self) -> torch.Tensor:
        """The pasted output, ``C x 2*height x 2*width``."""
        height, width = self.height, self.width
        channels = self.accumulator.shape[1] // 4
        full = self.accumulator.view(height + 1, width + 1, 2, 2, channels).permute(4, 0, 2, 1, 3)
        return full.reshape(channels, 2 * height + 2, 2 * width + 2)[:, 1:-1, 1:-1]


def _usable_keys(mask: torch.Tensor | None, height: int, width: int, device: torch.device) -> torch.Tensor:
    """Keys whose zero-padded 3x3 mask patch is all zero (mean exactly 0)."""
    if mask is None:
        return torch.ones(height * width, dtype=torch.bool, device=device)
    patch_mean = F.avg_pool2d(mask[None].float(), 3, stride=1, padding=1, count_include_pad=True)
    return (patch_mean == 0).flatten()


def _fuse_columns(window, start, stop, rows1, first_row, last_row, height, width) -> torch.Tensor:
    """S2 for queries [start, stop) over the usable keys: the column-major
    fusion, reading S1 from the sliding window (one image row of halo each
    side) and, for the wrap-around of the first and last rows, from the
    cached S1 of those rows."""
    n_queries = height * width
    count = stop - start
    out = first_row.new_zeros(rows1[0].numel(), count)
    for shift, rows in zip((-1, 0, 1), rows1, strict=True):
        # block queries whose neighbour is the row below/above, in the window
        if shift == 0:
            lo, hi = start, stop
        elif shift == 1:
            lo, hi = start, min(stop, n_queries - width)
        else:
            lo, hi = max(start, width), stop
        if hi > lo:
            src = window.columns(lo + shift * width, hi + shift * width)
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
    afterwards anyway).

    Logits more than :data:`LOGIT_FLOOR` below the largest are raised to it
    before ``exp``: their weights (< 2e-35 instead of something smaller)
    change no float32 sum, and ``exp`` of such numbers would land in the
    subnormal range, where the CPU is about eight times slower.
    """
    top = logits.amax(dim=0)
    if n_masked:
        top = top.clamp_min(0.0)
    weights = logits.sub_(top).clamp_min_(LOGIT_FLOOR).exp_()
    total = weights.sum(dim=0)
    if n_masked:
        total = total + n_masked * torch.exp(-top)
    return weights.div_(total)

