"""Foreground sampler: guesses the foreground colours in the unknown region.

It inpaints everything that may contain background (the trimap's unknown
and background regions) from the definite foreground. Knowing the
background helps to tell the subject's colours from what shines through,
so its first stage also reads the background sampler's estimate (with the
image pasted back outside the unknown region): 3 + 1 + 1 + 3 = 8 input
channels.
"""
from __future__ import annotations

from torch import Tensor

from .attention_common import DEFAULT_ATTENTION
from .inpainting import InpaintingGenerator, InpaintingOutput


class ForegroundSampler(InpaintingGenerator):
    """DeepFill-v1 generator whose first stage also sees the background."""

    def __init__(self, attention: str = DEFAULT_ATTENTION) -> None:
        super().__init__(guide_channels=3, attention=attention)

    def forward(
        self, image: Tensor, hole: Tensor, hole_small: Tensor, background: Tensor, attention: str | None = None
    ) -> InpaintingOutput:
        """Inpaint ``hole`` (1 = background or unknown) in ``image``.

        Args:
            image: ``Bx3xHxW`` BGR in [-1, 1], H and W multiples of 8.
            hole: ``Bx1xHxW`` float, 1 where the foreground is hidden.
            hole_small: ``Bx1x(H/8)x(W/8)``, the hole at 1/8 (nearest).
            background: ``Bx3xHxW`` BGR in [-1, 1]: the sampled background
                in the unknown region, the image elsewhere.
            attention: attention implementation for this call (``None`` =
                the module's own).
        """
        return self.inpaint(image, hole, hole_small, guide=background, attention=attention)
