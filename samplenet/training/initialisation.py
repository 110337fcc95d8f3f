"""Starting points for training: DeepFill v1 inpainting weights for the
samplers, ImageNet ResNet-50 weights for the matting encoder.

Both read a state-dict file: ``.safetensors``, or ``.pth``/``.pt`` through
``torch.load(weights_only=True)`` (never an unrestricted unpickle).  Only
tensors whose name and shape fit are copied; how many is logged, and a
file from which nothing fits is an error (it is surely the wrong file).
"""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from ..errors import WeightsFormatError

logger = logging.getLogger("samplenet")

_WRAPPER_KEYS = ("state_dict", "model", "generator", "netG", "params")
_PREFIXES = ("module.", "generator.", "netG.", "model.")


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A flat ``name -> tensor`` dict from a weights file, unwrapping the
    usual ``{"model": {...}}`` containers and DataParallel prefixes."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} does not exist")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            state = load_file(str(path))
        except Exception as exc:
            raise WeightsFormatError(f"{path} is not a readable safetensors file: {exc}") from None
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise WeightsFormatError(
                f"{path} could not be loaded as a state dict with weights_only=True "
                f"(only tensors and plain containers are accepted): {exc}"
            ) from None
    while isinstance(state, dict) and not any(isinstance(v, torch.Tensor) for v in state.values()):
        inner = next((state[k] for k in _WRAPPER_KEYS if isinstance(state.get(k), dict)), None)
        if inner is None:
            break
        state = inner
    if not isinstance(state, dict) or not any(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsFormatError(f"{path} does not hold a state dict (a mapping of names to tensors)")
    flat = {}
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            continue
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :]
        flat[key] = value
    return flat


def load_matching(module: nn.Module, state: dict[str, torch.Tensor], source: str, what: str) -> int:
    """Copy the tensors of ``state`` whose name and shape match ``module``'s;
    returns how many.  Raises WeightsFormatError if none do."""
    own = module.state_dict()
    fitting = {k: v for k, v in state.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
    if not fitting:
        sample = ", ".join(list(state)[:3])
        raise WeightsFormatError(
            f"{source}: no tensor matches the {what} by name and shape (file keys start {sample}); "
            "is it the right file?"
        )
    module.load_state_dict(fitting, strict=False)
    skipped = len(own) - len(fitting)
    logger.info("%s: initialised %d of %d tensors of the %s from %s", what, len(fitting), len(own), what, source)
    if skipped:
        logger.info("%s: %d tensors keep their random initialisation", what, skipped)
    return len(fitting)


def init_from_deepfill(sampler: nn.Module, path: str | Path) -> int:
    """DeepFill v1 generator weights into a sampler (the reference's
    samplers are DeepFill v1 generators with the same names; the foreground
    sampler's wider first convolutions keep their initialisation)."""
    return load_matching(sampler, read_state_dict(path), str(path), type(sampler).__name__)


def init_from_resnet50(matting: nn.Module, path: str | Path) -> int:
    """ImageNet ResNet-50 weights (torchvision names: conv1, bn1, layer1-4,
    fc) into the matting network's encoder, ``conv1`` widened from 3 to 10
    input channels by :func:`adapt_first_conv` (the new channels start at
    zero, so at first the encoder sees the image exactly as on ImageNet)."""
    from ..models.matting_network import adapt_first_conv

    state = read_state_dict(path)
    encoder_state = {"encoder." + k: v for k, v in state.items() if not k.startswith("fc.")}
    key = "encoder.conv1.weight"
    if key in encoder_state:
        encoder_state[key] = adapt_first_conv(encoder_state[key], matting.encoder.conv1.weight.shape[1])
    return load_matching(matting, encoder_state, str(path), "matting encoder")
