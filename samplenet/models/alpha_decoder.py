"""AlphaGAN-style decoder: from the 1/8 bottleneck back to a full-resolution alpha matte.

Detail comes back in three steps, each fed by a skip connection from the
encoder (reduced by a small conv + BN + ReLU so that the skips do not drown
the decoded features):

1. bottleneck upsampled x2 (bilinear, corners aligned) + ``layer1`` features
   (1/4) -> ``deconv1``, then *max-unpooling* with the stem max-pool indices
   back to 1/2: values go exactly where the encoder found its maxima, which
   keeps thin structures sharp;
2. + the stem convolution's output (1/2) -> ``deconv2``, whose last transposed
   convolution has stride 2 and reaches full resolution;
3. + the network input itself (image, F, B, trimap) -> ``deconv3`` -> one
   channel -> sigmoid, the alpha matte in [0, 1].

Attribute names follow the reference so its checkpoints load as they are.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class DeconvBlock(nn.Module):
    """Three 3x3 transposed convolutions with BN + ReLU after each.

    ``upsample=True`` makes the last one stride 2 (output exactly twice the
    input size); ``final_activation=False`` leaves the last one bare, for the
    layer that produces the alpha logits.
    """

    def __init__(self, in_channels: int, out_channels: Sequence[int], upsample: bool = False,
                 final_activation: bool = True) -> None:
        super().__init__()
        first, second, third = out_channels
        self.final_activation = final_activation
        self.conv1 = nn.ConvTranspose2d(in_channels, first, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(first)
        self.conv2 = nn.ConvTranspose2d(first, second, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(second)
        if upsample:
            self.conv3 = nn.ConvTranspose2d(second, third, 3, padding=1, stride=2,
                                            output_padding=1)
        else:
            self.conv3 = nn.ConvTranspose2d(second, third, 3, padding=1)
        if final_activation:
            self.bn3 = nn.BatchNorm2d(third)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.conv3(x)
        return F.relu(self.bn3(x)) if self.final_activation else x


class AlphaDecoder(nn.Module):
    """Decoder of the matting network; see the module docstring for the data flow."""

    def __init__(self, bottleneck_channels: int = 256, input_channels: int = 10,
                 stem_channels: int = 64, layer1_channels: int = 256) -> None:
        super().__init__()
        self.skip2_1x1 = nn.Conv2d(layer1_channels, 48, 1)
        self.skip2_bn = nn.BatchNorm2d(48)
        self.skip1_1x1 = nn.Conv2d(stem_channels, 32, 1)
        self.skip1_bn = nn.BatchNorm2d(32)
        self.skip0_3x3 = nn.Conv2d(input_channels, 3, 3, padding=1)
        self.skip0_bn = nn.BatchNorm2d(3)
        self.deconv1 = DeconvBlock(bottleneck_channels + 48, [256, 128, 64])
        self.deconv2 = DeconvBlock(64 + 32, [64, 64, 32], upsample=True)
        self.deconv3 = DeconvBlock(32 + 3, [32, 32, 1], final_activation=False)

    def forward(self, bottleneck: Tensor, network_input: Tensor, stem: Tensor, layer1: Tensor,
                pool_indices: Tensor) -> Tensor:
        x = F.interpolate(bottleneck, scale_factor=2.0, mode="bilinear", align_corners=True)
        x = torch.cat([x, F.relu(self.skip2_bn(self.skip2_1x1(layer1)))], dim=1)
        x = F.max_unpool2d(self.deconv1(x), pool_indices, kernel_size=2, stride=2,
                           output_size=stem.shape[-2:])

        x = torch.cat([x, F.relu(self.skip1_bn(self.skip1_1x1(stem)))], dim=1)
        x = self.deconv2(x)

        x = torch.cat([x, F.relu(self.skip0_bn(self.skip0_3x3(network_input)))], dim=1)
        return torch.sigmoid(self.deconv3(x))
