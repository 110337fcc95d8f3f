"""Dilated ResNet-50 encoder of the matting network (output stride 8).

The matting network must keep fine detail, so the encoder stops down-sampling
after ``layer2`` and dilates ``layer3`` (rate 2) and ``layer4`` (rate 4)
instead, as in DeepLab.  Besides the bottleneck features it hands the decoder
three things that AlphaGAN's decoder needs to recover detail:

* the stem convolution's raw output (before batch norm), at 1/2 resolution;
* ``layer1``'s output, at 1/4 resolution;
* the indices of the stem max-pool, so the decoder can *unpool* (put values
  back where the maxima were) instead of blurring with interpolation.

The attribute names (``conv1``, ``bn1``, ``layer1`` ... ``layer5``, and inside
each block ``conv1``/``bn1`` ... ``downsample.0``/``downsample.1``) are those of
the reference implementation, so its checkpoints load without renaming.
"""
from __future__ import annotations

from typing import NamedTuple

from torch import Tensor, nn
from torch.nn import functional as F

from .aspp import ASPP

STEM_CHANNELS = 64
BOTTLENECK_EXPANSION = 4
# (blocks, width, stride, dilation) of layer1..layer4 of ResNet-50, dilated to output stride 8.
RESNET50_OS8_STAGES = (
    (3, 64, 1, 1),
    (4, 128, 2, 1),
    (6, 256, 1, 2),
    (3, 512, 1, 4),
)


class DilatedBottleneck(nn.Module):
    """ResNet bottleneck block (1x1 -> 3x3 -> 1x1, residual) with optional dilation.

    As in the original Caffe ResNet (and the reference), the stride sits on the
    first 1x1 convolution, not on the 3x3 one.  ``project=True`` adds the 1x1
    projection of the shortcut (``downsample``) needed when the shape changes.
    """

    def __init__(self, in_channels: int, width: int, stride: int = 1, dilation: int = 1,
                 project: bool = False) -> None:
        super().__init__()
        out_channels = width * BOTTLENECK_EXPANSION
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=dilation, dilation=dilation,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_channels, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.downsample = (
            nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
            if project
            else None
        )

    def forward(self, x: Tensor) -> Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + shortcut)

    def frozen_norm_parameters(self) -> list[nn.Parameter]:
        """The affine parameters the reference keeps fixed in training (not the shortcut's BN)."""
        return [*self.bn1.parameters(), *self.bn2.parameters(), *self.bn3.parameters()]


def _make_stage(in_channels: int, blocks: int, width: int, stride: int,
                dilation: int) -> nn.Sequential:
    """One ResNet stage; its first block projects the shortcut.

    The reference projects the shortcut of every dilated stage's first block,
    which ResNet-50 needs anyway since the channel count changes there.
    """
    out_channels = width * BOTTLENECK_EXPANSION
    first = DilatedBottleneck(in_channels, width, stride=stride, dilation=dilation,
                              project=stride != 1 or in_channels != out_channels or dilation > 1)
    rest = [DilatedBottleneck(out_channels, width, dilation=dilation) for _ in range(blocks - 1)]
    return nn.Sequential(first, *rest)


class EncoderFeatures(NamedTuple):
    """What :class:`DilatedResNetEncoder` hands the decoder."""

    pool_indices: Tensor  # stem max-pool argmax indices, 1/4 resolution
    stem: Tensor  # stem convolution output before BN, 64 channels, 1/2 resolution
    layer1: Tensor  # layer1 output, 256 channels, 1/4 resolution
    bottleneck: Tensor  # ASPP output, 256 channels, 1/8 resolution


class DilatedResNetEncoder(nn.Module):
    """ResNet-50 at output stride 8 followed by ASPP (``layer5``).

    The stem BN and the blocks' BN affine parameters are frozen
    (``requires_grad=False``) as in the reference, which fine-tunes from
    ImageNet weights and keeps those scales and shifts; running statistics and
    the shortcut BNs still train.
    """

    def __init__(self, in_channels: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, STEM_CHANNELS, kernel_size=7, stride=2, padding=3,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(STEM_CHANNELS)
        channels = STEM_CHANNELS
        for index, (blocks, width, stride, dilation) in enumerate(RESNET50_OS8_STAGES, start=1):
            setattr(self, f"layer{index}", _make_stage(channels, blocks, width, stride, dilation))
            channels = width * BOTTLENECK_EXPANSION
        self.layer5 = ASPP(channels)

        for parameter in self.bn1.parameters():
            parameter.requires_grad = False
        for block in self.modules():
            if isinstance(block, DilatedBottleneck):
                for parameter in block.frozen_norm_parameters():
                    parameter.requires_grad = False

    def forward(self, x: Tensor) -> EncoderFeatures:
        stem = self.conv1(x)
        pooled, pool_indices = F.max_pool2d(F.relu(self.bn1(stem)), kernel_size=3, stride=2,
                                            padding=1, return_indices=True)
        layer1 = self.layer1(pooled)
        features = self.layer4(self.layer3(self.layer2(layer1)))
        return EncoderFeatures(pool_indices, stem, layer1, self.layer5(features))
