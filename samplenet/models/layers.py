"""Convolution blocks of the DeepFill-v1 inpainting generator.

Each block keeps its layers in an ``nn.Sequential`` named ``conv`` so that
state-dict keys read ``...conv.0.weight`` (plain block) or
``...conv.1.weight`` (downsampling block, whose index 0 is the padding), as
in the reference checkpoints we load.
"""
from __future__ import annotations

from torch import Tensor, nn

#: Image sides must be multiples of this, for all three networks: each
#: halves the size three times (the samplers' attention works at 1/8) and
#: the decoders double it back, so other sizes would misalign the skip
#: connections and the 1/8 masks.
SIZE_MULTIPLE = 8

ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU}


def make_activation(name: str | None) -> nn.Module | None:
    """``"elu"`` (DeepFill's default), ``"relu"`` or ``None`` (linear output)."""
    if name is None:
        return None
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)} or None") from None


class ConvBlock(nn.Module):
    """Convolution followed by an activation (ELU unless told otherwise).

    Padding is symmetric and given explicitly: DeepFill uses "same" padding
    everywhere except in the downsampling blocks.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        padding: int = 1,
        dilation: int = 1,
        activation: str | None = "elu",
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=padding, dilation=dilation)
        ]
        act = make_activation(activation)
        if act is not None:
            layers.append(act)
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class DownsampleBlock(nn.Module):
    """Stride-2 3x3 convolution that halves the resolution, with ELU.

    The input is zero-padded by one pixel on the right and bottom only (not
    symmetrically), so an even ``HxW`` becomes exactly ``H/2 x W/2`` and the
    sampling grid starts at the top-left pixel, which is how the reference
    generator was trained.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.ZeroPad2d((0, 1, 0, 1)),
            nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=2, padding=0),
            nn.ELU(),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)
