"""What every contextual-attention implementation shares, defined once.

The implementations (:func:`~samplenet.models.contextual_attention.contextual_attention_dense`
and :func:`~samplenet.models.attention_blocked.contextual_attention_blocked`)
compute the same numbers; the default choice, the norm floor that keeps
their results equal, and the rule for the hole mask's shape must not drift
apart, so they live here and both import them.
"""
from __future__ import annotations

from torch import Tensor

#: The implementation used when none is named: "exact" (blocked, memory
#: linear in pixels) gives the dense numbers up to float rounding at a
#: fraction of the memory; see docs/speed-and-memory.md for the figures.
DEFAULT_ATTENTION = "exact"

#: The implementation for training: the exact one saves memory by updating
#: its blocks in place, which autograd cannot differentiate, so networks
#: being trained use the dense one (same numbers).
TRAINING_ATTENTION = "dense"

#: Smallest key-patch norm used when normalising (the reference's
#: ``escape_NaN``); keeps all-zero patches (e.g. from the zero padding)
#: from dividing by zero.
NORM_FLOOR = 1e-4


def check_mask_shape(mask: Tensor | None, batch: int, size: tuple[int, int]) -> None:
    """Refuse a hole mask that is not ``B x 1 x h x w`` (or batch 1) at the
    attention's subsampled resolution ``size = (h, w)``."""
    if mask is None:
        return
    if mask.dim() != 4 or mask.shape[1] != 1 or mask.shape[0] not in (1, batch):
        raise ValueError(f"mask must be B x 1 x h x w (or batch 1), got {tuple(mask.shape)}")
    if tuple(mask.shape[2:]) != tuple(size):
        raise ValueError(
            f"The attention mask is {tuple(mask.shape[2:])}; it must match the downsampled "
            f"feature map {tuple(size)} (1/8 of the image for SampleNet)."
        )
