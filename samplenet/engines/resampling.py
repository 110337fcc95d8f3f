"""Resampling tensors between the photo's size and the samplers' size.

The reduced-resolution sampling of the SampleNet engine
(``sampling_max_side``, see :mod:`samplenet.engines.speed_options`) runs the
two sampling networks on a smaller copy of the photo and trimap and brings
their colours back to full size; the rules for shrinking each kind of input
live here, beside the pipeline that uses them.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..models.samplenet import SIZE_MULTIPLE


def sampling_size(height: int, width: int, max_side: int | None) -> tuple[int, int] | None:
    """``(h, w)`` at which to run the samplers, or ``None`` for full size:
    the aspect ratio kept, the longer side at most ``max_side``, both sides
    multiples of 8."""
    if max_side is None or max(height, width) <= max_side:
        return None
    scale = max_side / max(height, width)

    def side(n: int) -> int:
        return max(SIZE_MULTIPLE, int(n * scale) // SIZE_MULTIPLE * SIZE_MULTIPLE)

    return side(height), side(width)


def shrink_trimap(trimap: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """A ``Bx1xHxW`` trimap (0, 1, 2) at ``size``, cautiously: a cell is
    background (0) or foreground (2) only if every full-resolution pixel it
    covers is; anything mixed is unknown (1). Nearest-neighbour resizing
    could instead drop a thin unknown band, and the samplers would then copy
    colours from pixels that are partly the subject."""
    all_background = F.interpolate((trimap > 0.5).float(), size=size, mode="area") == 0
    all_foreground = F.interpolate((trimap < 1.5).float(), size=size, mode="area") == 0
    small = torch.ones_like(all_background, dtype=trimap.dtype)
    small[all_background] = 0.0
    small[all_foreground] = 2.0
    return small


def shrink_image(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Antialiased bilinear downscale of a ``Bx3xHxW`` image."""
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True)


def grow_colours(colours: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear upscale of sampled colours back to the photo's size."""
    return F.interpolate(colours, size=size, mode="bilinear", align_corners=False).clamp(-1.0, 1.0)
