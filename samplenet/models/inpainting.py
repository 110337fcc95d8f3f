"""The two-stage DeepFill-v1 generator that both samplers are made of.

Stage 1 (:class:`CoarseNet`) is an encoder / dilated-convolution /
decoder network that makes a rough guess of the hole. Stage 2
(:class:`RefinementNet`) takes the image with the hole filled by that guess
and refines it with two parallel encoders: a dilated-convolution branch for
local texture and a contextual-attention branch that copies features from
far away, outside the hole. A shared decoder turns both into colours.

Attribute names (``stage_1``, ``down``, ``atrous``, ``up``,
``down_conv_branch``, ``down_attn_branch``, ``CAttn``; layers in ``out``)
are those of the published checkpoints, so they load without renaming.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from .attention_common import DEFAULT_ATTENTION
from .contextual_attention import ContextualAttention
from .layers import SIZE_MULTIPLE, ConvBlock, DownsampleBlock

#: Width of the first layer; deeper layers use 2x and 4x this.
BASE_WIDTH = 32


class InpaintingOutput(NamedTuple):
    """Both stages' outputs, ``Bx3xHxW`` in [-1, 1]; ``refined`` is the answer."""

    coarse: Tensor
    refined: Tensor


class Encoder(nn.Module):
    """5x5 convolution, two stride-2 stages (to 1/4 resolution), one more
    convolution: ``in_channels`` -> ``4 * width`` channels.

    ``kind`` chooses how the channels grow, which differs between the three
    encoders of the generator:

    * ``"coarse"``: each downsampling doubles the width.
    * ``"refine"``: downsample at constant width, then double.
    * ``"attention"``: width kept at the first downsampling, doubled by the
      following convolution, doubled again by the second downsampling; the
      last convolution uses ReLU so that features compared by the attention
      are non-negative.
    """

    def __init__(self, in_channels: int, width: int = BASE_WIDTH, kind: str = "coarse") -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBlock(in_channels, width, kernel_size=5, padding=2)]
        if kind == "coarse":
            layers += [
                DownsampleBlock(width, 2 * width), ConvBlock(2 * width, 2 * width),
                DownsampleBlock(2 * width, 4 * width), ConvBlock(4 * width, 4 * width),
            ]
        elif kind == "refine":
            layers += [
                DownsampleBlock(width, width), ConvBlock(width, 2 * width),
                DownsampleBlock(2 * width, 2 * width), ConvBlock(2 * width, 4 * width),
            ]
        elif kind == "attention":
            layers += [
                DownsampleBlock(width, width), ConvBlock(width, 2 * width),
                DownsampleBlock(2 * width, 4 * width), ConvBlock(4 * width, 4 * width),
            ]
        else:
            raise ValueError(f"Unknown encoder kind {kind!r}")
        last_activation = "relu" if kind == "attention" else "elu"
        layers.append(ConvBlock(4 * width, 4 * width, activation=last_activation))
        self.out = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(x)


class DilatedBlock(nn.Module):
    """Four 3x3 convolutions with dilation 2, 4, 8, 16: a large receptive
    field at 1/4 resolution without further downsampling."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.out = nn.Sequential(
            *[ConvBlock(channels, channels, padding=d, dilation=d) for d in (2, 4, 8, 16)]
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.out(x)


class Decoder(nn.Module):
    """Back from 1/4 resolution to colours: convolutions with two
    nearest-neighbour 2x upsamplings, a linear 3-channel output clamped to
    [-1, 1]. With ``halve_first`` the first convolution halves the width
    (the refinement decoder receives both branches concatenated)."""

    def __init__(self, in_channels: int, out_channels: int = 3, halve_first: bool = False) -> None:
        super().__init__()
        width = in_channels // 2 if halve_first else in_channels
        layers: list[nn.Module] = [ConvBlock(in_channels, width)]
        for _ in range(2):
            layers += [
                ConvBlock(width, width),
                nn.Upsample(scale_factor=2, mode="nearest"),
                ConvBlock(width, width // 2),
            ]
            width //= 2
        layers += [ConvBlock(width, width // 2), ConvBlock(width // 2, out_channels, activation=None)]
        self.out = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return torch.clamp(self.out(x), min=-1.0, max=1.0)


class CoarseNet(nn.Module):
    """Stage 1: encoder, dilated block, decoder."""

    def __init__(self, in_channels: int, width: int = BASE_WIDTH) -> None:
        super().__init__()
        self.down = Encoder(in_channels, width, kind="coarse")
        self.atrous = DilatedBlock(4 * width)
        self.up = Decoder(4 * width, 3)

    def forward(self, x: Tensor) -> Tensor:
        return self.up(self.atrous(self.down(x)))


class RefinementNet(nn.Module):
    """Stage 2: a dilated-convolution branch and a contextual-attention
    branch side by side, concatenated and decoded."""

    def __init__(self, in_channels: int = 5, width: int = BASE_WIDTH, attention: str = DEFAULT_ATTENTION) -> None:
        super().__init__()
        self.down_conv_branch = Encoder(in_channels, width, kind="refine")
        self.down_attn_branch = Encoder(in_channels, width, kind="attention")
        self.atrous = DilatedBlock(4 * width)
        self.CAttn = ContextualAttention(4 * width, implementation=attention)
        self.up = Decoder(8 * width, 3, halve_first=True)

    def forward(self, x: Tensor, hole_small: Tensor, attention: str | None = None) -> Tensor:
        conv_features = self.atrous(self.down_conv_branch(x))
        attn_features = self.down_attn_branch(x)
        attn_features = self.CAttn(attn_features, attn_features, hole_small, implementation=attention)
        return self.up(torch.cat([conv_features, attn_features], dim=1))


class InpaintingGenerator(nn.Module):
    """DeepFill v1: coarse guess, then refinement of the hole.

    The network sees the whole image (the hole is *not* blanked out; the
    mask channel tells it where to paint), plus a channel of ones and the
    mask, plus optional guide channels (the foreground sampler's background
    estimate).
    """

    def __init__(self, guide_channels: int = 0, width: int = BASE_WIDTH, attention: str = DEFAULT_ATTENTION) -> None:
        super().__init__()
        self.guide_channels = guide_channels
        self.stage_1 = CoarseNet(5 + guide_channels, width)
        self.stage_2 = RefinementNet(5, width, attention=attention)

    def inpaint(
        self,
        image: Tensor,
        hole: Tensor,
        hole_small: Tensor,
        guide: Tensor | None = None,
        attention: str | None = None,
    ) -> InpaintingOutput:
        """Run both stages.

        Args:
            image: ``Bx3xHxW`` BGR in [-1, 1], H and W multiples of 8.
            hole: ``Bx1xHxW`` (or ``1x1xHxW``) float, 1 = to inpaint.
            hole_small: the hole at 1/8 resolution (nearest), used by the
                attention to exclude hole patches as sources.
            guide: ``Bx3xHxW`` extra input of the first stage, or ``None``.
            attention: contextual-attention implementation for this call;
                ``None`` = the module's own.
        """
        batch, _, height, width = image.shape
        if height % SIZE_MULTIPLE or width % SIZE_MULTIPLE:
            raise ValueError(f"image size {width}x{height} must be a multiple of {SIZE_MULTIPLE} in both directions")
        if (guide is None) != (self.guide_channels == 0):
            raise ValueError(
                f"this generator takes {self.guide_channels} guide channels; got "
                f"{'none' if guide is None else guide.shape[1]}"
            )
        hole = hole.expand(batch, 1, height, width)
        hole_small = hole_small.expand(batch, 1, height // SIZE_MULTIPLE, width // SIZE_MULTIPLE)
        ones = torch.ones_like(hole)
        inputs = [image, ones, ones * hole] + ([guide] if guide is not None else [])
        coarse = self.stage_1(torch.cat(inputs, dim=1))
        filled = coarse * hole + image * (1.0 - hole)
        refined = self.stage_2(torch.cat([filled, ones, ones * hole], dim=1), hole_small, attention)
        return InpaintingOutput(coarse, refined)
