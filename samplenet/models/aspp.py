"""Atrous Spatial Pyramid Pooling (DeepLab v3) with depthwise-separable convolutions.

ASPP looks at the bottleneck at several dilation rates (1, 6, 12, 18) plus a
global average ("image pooling") at once, so the matting network sees context
far beyond its receptive field without losing resolution.  Each branch is a
depthwise-separable convolution (a per-channel convolution followed by a 1x1
mixing convolution, both with bias) to keep the 2048-channel input cheap.

Attribute names follow the reference (``conv_1x1_1``, ``bn_conv_1x1_1``, ...;
``.0`` depthwise, ``.1`` pointwise) so its checkpoints load as they are.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

ASPP_CHANNELS = 256
ATROUS_RATES = (6, 12, 18)


class SeparableConv2d(nn.Sequential):
    """Depthwise convolution (one filter per input channel) then a 1x1 pointwise one."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 dilation: int = 1) -> None:
        padding = dilation * (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_channels, in_channels, kernel_size, padding=padding, dilation=dilation,
                      groups=in_channels),
            nn.Conv2d(in_channels, out_channels, kernel_size=1),
        )


class ASPP(nn.Module):
    """Five parallel branches over the bottleneck, concatenated and projected to 256 channels."""

    def __init__(self, in_channels: int = 2048) -> None:
        super().__init__()
        self.conv_1x1_1 = SeparableConv2d(in_channels, ASPP_CHANNELS, kernel_size=1)
        self.bn_conv_1x1_1 = nn.BatchNorm2d(ASPP_CHANNELS)
        for index, rate in enumerate(ATROUS_RATES, start=1):
            setattr(self, f"conv_3x3_{index}",
                    SeparableConv2d(in_channels, ASPP_CHANNELS, kernel_size=3, dilation=rate))
            setattr(self, f"bn_conv_3x3_{index}", nn.BatchNorm2d(ASPP_CHANNELS))
        self.conv_1x1_2 = SeparableConv2d(in_channels, ASPP_CHANNELS, kernel_size=1)
        self.bn_conv_1x1_2 = nn.BatchNorm2d(ASPP_CHANNELS)
        branches = 2 + len(ATROUS_RATES)
        self.conv_1x1_3 = SeparableConv2d(branches * ASPP_CHANNELS, ASPP_CHANNELS, kernel_size=1)
        self.bn_conv_1x1_3 = nn.BatchNorm2d(ASPP_CHANNELS)
        self.dropout = nn.Dropout(0.1)

    def _atrous_branches(self) -> list[tuple[nn.Module, nn.Module]]:
        return [(self.conv_1x1_1, self.bn_conv_1x1_1)] + [
            (getattr(self, f"conv_3x3_{i}"), getattr(self, f"bn_conv_3x3_{i}"))
            for i in range(1, len(ATROUS_RATES) + 1)
        ]

    def _image_pooling(self, features: Tensor) -> Tensor:
        """Global context: average the whole map, embed it, spread it back over every pixel.

        Spreading uses bilinear interpolation of the 1x1 map (not ``expand``) as
        the reference does, which keeps results bit-identical to it.
        """
        pooled = F.adaptive_avg_pool2d(features, 1)
        embedded = F.relu(self.bn_conv_1x1_2(self.conv_1x1_2(pooled)))
        return F.interpolate(embedded, size=features.shape[-2:], mode="bilinear",
                             align_corners=False)

    def forward(self, features: Tensor) -> Tensor:
        branches = [F.relu(norm(conv(features))) for conv, norm in self._atrous_branches()]
        branches.append(self._image_pooling(features))
        out = F.relu(self.bn_conv_1x1_3(self.conv_1x1_3(torch.cat(branches, dim=1))))
        return self.dropout(out)
