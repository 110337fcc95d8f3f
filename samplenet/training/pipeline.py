"""Tensor plumbing shared by the training stages and their validation.

Datasets give RGB in [0, 1]; the networks read BGR in [-1, 1] (the
reference's OpenCV convention) and trimap codes 0 bg / 1 unknown / 2 fg.
The holes the samplers fill follow the reference's ``train.py``: the
background sampler inpaints foreground + unknown, the foreground sampler
background + unknown, given the predicted background pasted into the
unknown region only.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..models.samplenet import small_trimap


def to_network(rgb01: torch.Tensor) -> torch.Tensor:
    """RGB [0,1] -> BGR [-1,1]."""
    return rgb01.flip(1) * 2.0 - 1.0


def to_unit(network_image: torch.Tensor) -> torch.Tensor:
    """Network range [-1,1] -> [0,1] (channel order kept), clamped."""
    return ((network_image + 1.0) * 0.5).clamp(0.0, 1.0)


@dataclass
class Regions:
    """Masks (Bx1xHxW float) derived from a trimap of codes 0/1/2."""

    unknown: torch.Tensor
    bg_hole: torch.Tensor  # foreground + unknown: what the background sampler invents
    bg_hole_small: torch.Tensor
    fg_hole: torch.Tensor  # background + unknown: what the foreground sampler invents
    fg_hole_small: torch.Tensor

    @classmethod
    def from_trimap(cls, trimap: torch.Tensor) -> Regions:
        small = small_trimap(trimap)  # the hole at 1/8 resolution, as SampleNet computes it
        return cls(
            unknown=(trimap == 1).float(),
            bg_hole=(trimap > 0.5).float(),
            bg_hole_small=(small > 0.5).float(),
            fg_hole=(trimap < 1.5).float(),
            fg_hole_small=(small < 1.5).float(),
        )


def sample_colours(
    background: nn.Module, foreground: nn.Module, image: torch.Tensor, regions: Regions
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run both samplers as SampleNet does: the background first, then the
    foreground given that background in the unknown region and the image
    elsewhere.  Returns (fg, bg) in network range."""
    bg = background(image, regions.bg_hole, regions.bg_hole_small).refined
    bg_given = torch.where(regions.unknown.bool(), bg, image)
    fg = foreground(image, regions.fg_hole, regions.fg_hole_small, bg_given).refined
    return fg, bg


def matting_input(image: torch.Tensor, fg: torch.Tensor, bg: torch.Tensor, trimap: torch.Tensor) -> torch.Tensor:
    """The matting network's 10 channels: image, F, B, trimap - 1."""
    return torch.cat([image, fg, bg, trimap - 1.0], dim=1)


def paste_known(prediction: torch.Tensor, trimap: torch.Tensor) -> torch.Tensor:
    """The network's alpha in the unknown region, the trimap's 0/1 elsewhere."""
    return torch.where(trimap == 1, prediction, trimap / 2.0)


def pad_to_multiple(x: torch.Tensor, multiple: int = 8) -> tuple[torch.Tensor, tuple[int, int]]:
    """Replicate-pad bottom/right so H and W are multiples of ``multiple``;
    returns the padded tensor and the original (H, W) to crop back to."""
    height, width = x.shape[-2:]
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
    return x, (height, width)
