"""Matting network: reference-compatible state dict, shapes, input checks, conv1 widening."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from samplenet.errors import MattingInputError, WeightsFormatError
from samplenet.models.matting_network import MattingNetwork, adapt_first_conv

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def network() -> MattingNetwork:
    torch.manual_seed(0)
    return MattingNetwork().eval()


def test_state_dict_keys_and_shapes_equal_reference(network):
    # Extracted once from the reference AlphaGANGenerator(10, 'resnet50-aspp', 'alphagan-decoder').
    reference = json.loads((DATA / "reference_matting_keys.json").read_text())
    ours = {name: list(tensor.shape) for name, tensor in network.state_dict().items()}
    assert sorted(set(reference) - set(ours)) == []
    assert sorted(set(ours) - set(reference)) == []
    mismatched = {k: (ours[k], reference[k]) for k in reference if ours[k] != reference[k]}
    assert mismatched == {}


@pytest.mark.parametrize("height, width, batch", [(64, 64, 1), (72, 56, 2), (8, 16, 1)])
def test_output_is_one_channel_alpha_at_input_size(network, height, width, batch):
    x = torch.rand(batch, 10, height, width) * 2 - 1
    with torch.no_grad():
        alpha = network(x)
    assert alpha.shape == (batch, 1, height, width)
    assert alpha.dtype == torch.float32
    assert torch.all((alpha >= 0) & (alpha <= 1))


def test_output_depends_on_input():
    torch.manual_seed(1)
    network = MattingNetwork().eval()
    for module in network.modules():  # make BN non-trivial so the output is not ~constant
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_var.fill_(1e-4)
    x = torch.rand(1, 10, 32, 32) * 2 - 1
    with torch.no_grad():
        first, second = network(x), network(x.flip(-1))
    assert not torch.equal(first, second)


@pytest.mark.parametrize("height, width", [(63, 64), (64, 60), (0, 64)])
def test_size_not_multiple_of_8_is_refused_with_the_requirement(network, height, width):
    with pytest.raises(MattingInputError, match="multiples of 8") as info:
        network(torch.zeros(1, 10, height, width))
    assert f"{height}x{width}" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("x, message", [
    (torch.zeros(1, 3, 64, 64), "10 channels"),
    (torch.zeros(10, 64, 64), "4-D"),
    (torch.zeros(1, 10, 64, 64, dtype=torch.uint8), "floating point"),
    ([[0.0]], "torch.Tensor"),
    (torch.zeros(0, 10, 64, 64), "empty batch"),
])
def test_malformed_input_is_refused(network, x, message):
    with pytest.raises(MattingInputError, match=message):
        network(x)


def test_rejects_nonpositive_in_channels():
    with pytest.raises(ValueError, match="in_channels"):
        MattingNetwork(in_channels=0)


def test_encoder_norm_affine_frozen_like_reference(network):
    # The reference freezes the stem BN and the bottleneck BNs, not the shortcut BNs or decoder.
    frozen = {name for name, p in network.named_parameters() if not p.requires_grad}
    assert "encoder.bn1.weight" in frozen
    assert "encoder.layer3.2.bn2.bias" in frozen
    assert "encoder.layer2.0.downsample.1.weight" not in frozen
    assert not any(name.startswith(("decoder.", "encoder.layer5.")) for name in frozen)
    assert not any(name.endswith("conv1.weight") for name in frozen)


def test_adapt_first_conv_zero_pads_new_input_channels():
    weight = torch.randn(64, 3, 7, 7, dtype=torch.float64)
    widened = adapt_first_conv(weight, 10)
    assert widened.shape == (64, 10, 7, 7) and widened.dtype == torch.float64
    assert torch.equal(widened[:, :3], weight)
    assert torch.count_nonzero(widened[:, 3:]) == 0


def test_adapt_first_conv_keeps_a_kernel_of_the_right_width():
    weight = torch.randn(64, 10, 7, 7)
    assert adapt_first_conv(weight, 10) is weight


def test_adapted_conv_loads_and_ignores_new_channels():
    narrow = MattingNetwork(in_channels=4).eval()
    state = narrow.state_dict()
    state["encoder.conv1.weight"] = adapt_first_conv(state["encoder.conv1.weight"], 10)
    # skip0 also reads the input; give it the same zero-padded treatment for this check only
    state["decoder.skip0_3x3.weight"] = adapt_first_conv(state["decoder.skip0_3x3.weight"], 10)
    wide = MattingNetwork().eval()
    wide.load_state_dict(state)
    stem_input = torch.rand(1, 4, 16, 16)
    padded = torch.cat([stem_input, torch.rand(1, 6, 16, 16)], dim=1)
    with torch.no_grad():
        assert torch.allclose(wide.encoder.conv1(padded), narrow.encoder.conv1(stem_input),
                              atol=1e-6)


@pytest.mark.parametrize("weight, channels, message", [
    (torch.zeros(64, 12, 7, 7), 10, "more than"),
    (torch.zeros(64, 3, 7), 10, "4-D"),
    ("conv1", 10, "4-D"),
    (torch.zeros(64, 3, 7, 7), 0, "positive"),
])
def test_adapt_first_conv_refuses_unusable_kernels(weight, channels, message):
    with pytest.raises(WeightsFormatError, match=message):
        adapt_first_conv(weight, channels)
