"""Helpers for the weights tests: reference-format checkpoints written the
way the reference implementation saves them (``torch.save`` of a dict whose
``"model"`` is a DataParallel state dict, keys prefixed with ``module.``)."""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch

from samplenet.weights.reference import MATTING_CONV1_KEY

NETWORKS = ("background", "foreground", "matting")
FILE_NAMES = {"background": "BGDFV1.pth", "foreground": "FGDFV1.pth", "matting": "LSM_80.pth"}


def network_state(model_state: dict[str, torch.Tensor], network: str) -> "OrderedDict[str, torch.Tensor]":
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


# ---------------------------------------------------------------------------------------------
# TEMPORARY stand-in until branch `sampling` provides samplenet.models.samplenet.SampleNet.
import pytest  # noqa: E402
from torch import nn  # noqa: E402


class _TinySampler(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 4, 3)
        self.conv2 = nn.Conv2d(4, 3, 3)


class _TinyEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(10, 4, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)


class _TinyMatting(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = _TinyEncoder()
        self.head = nn.Conv2d(4, 1, 1)


class _TinySampleNet(nn.Module):
    def __init__(self, attention="dense"):
        super().__init__()
        self.background = _TinySampler(5)
        self.foreground = _TinySampler(8)
        self.matting = _TinyMatting()


@pytest.fixture(scope="module")
def samplenet_class():
    try:
        from samplenet.models.samplenet import SampleNet

        yield SampleNet
        return
    except ImportError:
        pass
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("samplenet.weights.pretrained.build_model", lambda attention="dense": _TinySampleNet(attention))
        patch.setattr("samplenet.weights.pretrained.available_attention", lambda: ("dense",))
        yield _TinySampleNet
