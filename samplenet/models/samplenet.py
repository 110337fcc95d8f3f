"""SampleNet: sample the background, then the foreground, then predict alpha.

The pipeline of "Learning-based Sampling for Natural Image Matting"
(Tang et al., CVPR 2019):

1. the background sampler inpaints the foreground and unknown regions,
   giving B, the colours behind the subject;
2. the foreground sampler inpaints the background and unknown regions,
   guided by B (pasted into the image's unknown region), giving F;
3. the matting network reads image, F, B and the trimap and predicts alpha
   in the unknown region; the known regions keep the trimap's value.

Tensors follow the reference's conventions: colours BGR in [-1, 1],
trimap 0 (background), 1 (unknown), 2 (foreground), sizes multiples of 8.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import MattingInputError
from .attention_common import DEFAULT_ATTENTION
from .background_sampler import BackgroundSampler
from .contextual_attention import ContextualAttention, get_attention
from .foreground_sampler import ForegroundSampler
from .layers import SIZE_MULTIPLE
from .matting_network import MattingNetwork


def small_trimap(trimap: Tensor) -> Tensor:
    """The trimap at 1/8 resolution, by nearest neighbour: every 8th pixel,
    starting at the top-left one.

    For sides that are multiples of 8 this is exactly what OpenCV's
    ``INTER_NEAREST`` resize (used by the reference's data loader) picks.
    """
    return trimap[:, :, ::SIZE_MULTIPLE, ::SIZE_MULTIPLE]


class SampleNet(nn.Module):
    """The three networks: ``background``, ``foreground`` and ``matting``.

    Args:
        attention: name of the contextual-attention implementation used by
            both samplers (see
            :data:`~samplenet.models.contextual_attention.ATTENTION_IMPLEMENTATIONS`):
            ``"exact"`` (blocked, memory linear in pixels) or ``"dense"``
            (the straightforward one; same numbers up to float rounding).
    """

    def __init__(self, attention: str = DEFAULT_ATTENTION) -> None:
        super().__init__()
        self.background = BackgroundSampler(attention=attention)
        self.foreground = ForegroundSampler(attention=attention)
        self.matting = MattingNetwork(in_channels=10)
        self.attention = attention

    def set_attention(self, name: str) -> None:
        """Switch both samplers' default attention implementation (same
        weights, same results up to rounding, different speed/memory).

        This changes the model for every caller; to choose for one call
        only, pass ``attention=`` to :meth:`forward` or :meth:`sample`."""
        get_attention(name)
        for module in self.modules():
            if isinstance(module, ContextualAttention):
                module.implementation = name
        self.attention = name

    @staticmethod
    def _check(image: Tensor, trimap: Tensor) -> None:
        if image.dim() != 4 or image.shape[1] != 3:
            raise MattingInputError(f"image must be a Bx3xHxW tensor, got shape {tuple(image.shape)}")
        if trimap.dim() != 4 or trimap.shape[1] != 1:
            raise MattingInputError(f"trimap must be a Bx1xHxW tensor, got shape {tuple(trimap.shape)}")
        if image.shape[0] != trimap.shape[0] or image.shape[2:] != trimap.shape[2:]:
            raise MattingInputError(
                f"image {tuple(image.shape)} and trimap {tuple(trimap.shape)} differ in batch or size"
            )
        height, width = image.shape[2:]
        if height == 0 or width == 0 or height % SIZE_MULTIPLE or width % SIZE_MULTIPLE:
            raise MattingInputError(
                f"image size {width}x{height} must be a positive multiple of {SIZE_MULTIPLE} "
                "in both directions (pad it first)"
            )

    def _sample(
        self, image: Tensor, trimap: Tensor, attention: str | None = None
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """-> (fg, bg, clamped image, clamped trimap)."""
        self._check(image, trimap)
        if attention is not None:
            get_attention(attention)  # a typo fails before any work
        image = image.clamp(-1.0, 1.0)
        trimap = trimap.clamp(0.0, 2.0)
        tri_small = small_trimap(trimap)
        # holes: where each sampler has to guess (thresholds tolerate float noise)
        not_background, not_foreground = (trimap > 0.01).to(image.dtype), (trimap < 1.99).to(image.dtype)
        small_not_bg, small_not_fg = (tri_small > 0.01).to(image.dtype), (tri_small < 1.99).to(image.dtype)
        unknown = trimap == 1.0

        background = self.background(image, not_background, small_not_bg, attention=attention).refined
        # the foreground sampler sees the real image wherever the trimap is sure
        guide = torch.where(unknown, background, image)
        foreground = self.foreground(image, not_foreground, small_not_fg, guide, attention=attention).refined
        return foreground, background, image, trimap

    def sample(self, image: Tensor, trimap: Tensor, attention: str | None = None) -> tuple[Tensor, Tensor]:
        """Sampled foreground and background colours, ``Bx3xHxW`` BGR in [-1, 1].

        Args:
            image: ``Bx3xHxW`` BGR in [-1, 1]; H, W multiples of 8.
            trimap: ``Bx1xHxW`` float in {0, 1, 2} (background, unknown, foreground).
            attention: attention implementation for this call only (``None``
                = the model's own, :attr:`attention`).
        """
        foreground, background, _, _ = self._sample(image, trimap, attention)
        return foreground, background

    def forward(self, image: Tensor, trimap: Tensor, attention: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """``(alpha, fg, bg)``: alpha ``Bx1xHxW`` in [0, 1] (the network's
        output in the unknown region, ``trimap / 2`` elsewhere), fg and bg as
        in :meth:`sample` (``attention`` too)."""
        foreground, background, image, trimap = self._sample(image, trimap, attention)
        return self.alpha_from_samples(image, trimap, foreground, background), foreground, background

    def alpha_from_samples(self, image: Tensor, trimap: Tensor, foreground: Tensor, background: Tensor) -> Tensor:
        """Step 3 alone: alpha ``Bx1xHxW`` from image, trimap and sampled
        colours (all as in :meth:`forward`), so that the colours may come
        from elsewhere, e.g. samplers run at a lower resolution."""
        self._check(image, trimap)
        image, trimap = image.clamp(-1.0, 1.0), trimap.clamp(0.0, 2.0)
        prediction = self.matting(torch.cat([image, foreground, background, trimap - 1.0], dim=1))
        return torch.where(trimap == 1.0, prediction, trimap / 2.0)
