"""Helpers for the weights tests: reference-format checkpoints written the
way the reference implementation saves them (``torch.save`` of a dict whose
``"model"`` is a DataParallel state dict, keys prefixed with ``module.``)."""
from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from samplenet.weights.reference import MATTING_CONV1_KEY

NETWORKS = ("background", "foreground", "matting")
#: Key names and shapes of the reference's three networks (DataParallel prefix removed),
#: recorded from the reference implementation's models.
REFERENCE_KEYS = json.loads((Path(__file__).parent / "data" / "reference_keys.json").read_text())
FILE_NAMES = {"background": "BGDFV1.pth", "foreground": "FGDFV1.pth", "matting": "LSM_80.pth"}


def reference_like_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights with the reference's keys and shapes, as ``network.key``.

    Built from the recorded key list rather than from our SampleNet, so the
    converter is tested against what the reference's files hold.
    """
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for network in NETWORKS:
        for key, shape in REFERENCE_KEYS[network].items():
            if key.endswith("num_batches_tracked"):
                value = torch.randint(0, 1000, shape, generator=generator)
            elif key.endswith("running_var"):  # variances must be positive for finite outputs
                value = 0.5 + torch.rand(shape, generator=generator)
            else:
                value = 0.1 * torch.randn(shape, generator=generator)
            state[f"{network}.{key}"] = value
    return state


def network_state(model_state: dict[str, torch.Tensor], network: str) -> OrderedDict[str, torch.Tensor]:
    """The part of a SampleNet state dict that belongs to one network, without its prefix."""
    prefix = f"{network}."
    return OrderedDict((k[len(prefix):], v) for k, v in model_state.items() if k.startswith(prefix))


def write_reference_checkpoint(state, path: Path, module_prefix: bool = True) -> Path:
    prefix = "module." if module_prefix else ""
    checkpoint = {"n_epoch": 80, "model": OrderedDict((prefix + k, v.clone()) for k, v in state.items())}
    torch.save(checkpoint, path)
    return path


def write_reference_checkpoints(
    model_state: dict[str, torch.Tensor], folder: Path, conv1_channels: int = 8, module_prefix: bool = True
) -> dict[str, Path]:
    """Write BGDFV1.pth, FGDFV1.pth and LSM_80.pth for ``model_state``, the
    matting conv1 cut down to its first ``conv1_channels`` input channels."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for network in NETWORKS:
        state = network_state(model_state, network)
        if network == "matting":
            state[MATTING_CONV1_KEY] = state[MATTING_CONV1_KEY][:, :conv1_channels]
        paths[network] = write_reference_checkpoint(state, folder / FILE_NAMES[network], module_prefix)
    return paths



@pytest.fixture(scope="module")
def samplenet_class():
    """The real network class (a fixture so test modules can share it)."""
    from samplenet.models.samplenet import SampleNet

    return SampleNet
