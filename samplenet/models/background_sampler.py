"""Background sampler: guesses the background behind the subject.

It inpaints everything that may contain foreground (the trimap's unknown
and foreground regions) from the definite background around it. Its
estimate B is one of the matting network's inputs and guides the
foreground sampler.
"""
from __future__ import annotations

from torch import Tensor

from .attention_common import DEFAULT_ATTENTION
from .inpainting import InpaintingGenerator, InpaintingOutput


class BackgroundSampler(InpaintingGenerator):
    """DeepFill-v1 generator over image + ones + hole (5 input channels)."""

    def __init__(self, attention: str = DEFAULT_ATTENTION) -> None:
        super().__init__(guide_channels=0, attention=attention)

    def forward(
        self, image: Tensor, hole: Tensor, hole_small: Tensor, attention: str | None = None
    ) -> InpaintingOutput:
        """Inpaint ``hole`` (1 = foreground or unknown) in ``image``.

        Args:
            image: ``Bx3xHxW`` BGR in [-1, 1], H and W multiples of 8.
            hole: ``Bx1xHxW`` float, 1 where the background is hidden.
            hole_small: ``Bx1x(H/8)x(W/8)``, the hole at 1/8 (nearest).
            attention: attention implementation for this call (``None`` =
                the module's own).
        """
        return self.inpaint(image, hole, hole_small, attention=attention)
