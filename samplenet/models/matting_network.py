"""The matting network of SampleNet: predicts alpha from the image and the sampled F and B.

Input (10 channels): the image, the sampled foreground and the sampled
background (each BGR in [-1, 1]) and ``trimap - 1`` (-1 background, 0 unknown,
1 foreground).  Output: one channel, alpha in [0, 1] (a sigmoid).  Knowing good
F and B estimates turns matting into an easier, better-posed problem; the
network itself is the AlphaGAN generator:

* encoder: ResNet-50 dilated to output stride 8, then ASPP
  (:mod:`.resnet_encoder`, :mod:`.aspp`);
* decoder: transposed-convolution blocks with skip connections and
  max-unpooling (:mod:`.alpha_decoder`).

The state dict matches the reference implementation's ``AlphaGANGenerator``
key for key (without DataParallel's ``module.`` prefix), so its checkpoint
loads directly; :func:`adapt_first_conv` does the one change its loader makes.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import MattingInputError, WeightsFormatError
from .alpha_decoder import AlphaDecoder
from .layers import SIZE_MULTIPLE
from .resnet_encoder import DilatedResNetEncoder

MATTING_INPUT_CHANNELS = 10
ENCODER_OUTPUT_CHANNELS = 256


class MattingNetwork(nn.Module):
    """AlphaGAN generator (dilated ResNet-50 + ASPP encoder, unpooling decoder)."""

    def __init__(self, in_channels: int = MATTING_INPUT_CHANNELS) -> None:
        super().__init__()
        if in_channels < 1:
            raise ValueError(f"in_channels must be positive, got {in_channels}")
        self.in_channels = in_channels
        self.encoder = DilatedResNetEncoder(in_channels)
        self.decoder = AlphaDecoder(ENCODER_OUTPUT_CHANNELS, in_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise as the reference does before loading weights: every (transposed)
        convolution kernel ~ N(0, 0.01), every BN scale 1 and shift 0 (biases keep
        PyTorch's default).  Training from scratch thus starts where the reference did."""
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(module.weight, mean=0.0, std=0.01)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def check_input(self, x: Tensor) -> None:
        """Raise :class:`MattingInputError` (a ``ValueError``) unless ``x`` is a
        ``B x in_channels x H x W`` floating-point tensor with H and W positive
        multiples of 8."""
        if not isinstance(x, Tensor):
            raise MattingInputError(f"matting network input must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 4:
            raise MattingInputError(
                f"matting network input must be 4-D (B x {self.in_channels} x H x W), "
                f"got shape {tuple(x.shape)}")
        if not x.is_floating_point():
            raise MattingInputError(f"matting network input must be floating point, got {x.dtype}")
        batch, channels, height, width = x.shape
        if channels != self.in_channels:
            raise MattingInputError(
                f"matting network input must have {self.in_channels} channels (image, F, B, "
                f"trimap), got {channels}")
        if batch == 0:
            raise MattingInputError("matting network input is an empty batch (B = 0)")
        if height == 0 or width == 0 or height % SIZE_MULTIPLE or width % SIZE_MULTIPLE:
            raise MattingInputError(
                f"matting network input height and width must be positive multiples of "
                f"{SIZE_MULTIPLE} (pad the image first), got {height}x{width} (HxW)")

    def forward(self, x: Tensor) -> Tensor:
        """``x``: B x 10 x H x W (H, W multiples of 8) -> alpha, B x 1 x H x W in [0, 1]."""
        self.check_input(x)
        features = self.encoder(x)
        return self.decoder(features.bottleneck, x, features.stem, features.layer1,
                            features.pool_indices)


def adapt_first_conv(weight: Tensor, in_channels: int = MATTING_INPUT_CHANNELS) -> Tensor:
    """Widen a first-convolution kernel (``out x c x kh x kw``) to ``in_channels`` inputs.

    The extra input channels get zero weights, appended after the existing ones,
    exactly as the reference loader (``load_ckpt_epoch(..., conv1_chan=10)``)
    treats ``encoder.conv1.weight``: a network trained on fewer inputs then
    computes the same thing, ignoring the new channels until training gives
    them weight.  This is how an ImageNet ResNet-50's 3-channel ``conv1`` becomes
    the 10-channel one (the kept channels then see the image, the first three
    input channels).  A kernel that already has ``in_channels`` inputs is
    returned unchanged; dtype and device are kept.

    Raises :class:`WeightsFormatError` (a ``ValueError``) for a kernel that is
    not 4-D or has more input channels than ``in_channels``.
    """
    if not isinstance(weight, Tensor) or weight.dim() != 4:
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise WeightsFormatError(
            f"first-conv weight must be a 4-D tensor (out x in x kh x kw), got {shape}")
    if in_channels < 1:
        raise WeightsFormatError(f"in_channels must be positive, got {in_channels}")
    missing = in_channels - weight.shape[1]
    if missing < 0:
        raise WeightsFormatError(
            f"first-conv weight has {weight.shape[1]} input channels, more than the "
            f"{in_channels} wanted; only narrower kernels can be zero-padded")
    if missing == 0:
        return weight
    zeros = weight.new_zeros((weight.shape[0], missing, *weight.shape[2:]))
    return torch.cat([weight, zeros], dim=1)
