"""Helpers for tests that need networks with weights: a seeded random
initialisation (the "weights recipe" of the fidelity fixture) and
converters to the reference checkpoint layout.

The recipe depends only on the seed and on each tensor's *name* and shape,
never on module construction order, so the reference implementation and
ours get the very same numbers from it.
"""
from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

#: Seed of the fidelity fixture (tests/data/fidelity/).
FIDELITY_SEED = 2019

#: Names and shapes of the reference state dicts, per network.
REFERENCE_KEYS = json.loads((Path(__file__).parent / "data" / "reference_keys.json").read_text())


def seeded_tensor(name: str, shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """A deterministic tensor for the state-dict entry ``name``.

    Scaled so that activations neither explode nor vanish through ~60
    layers (the outputs then carry information worth comparing):
    conv weights ~ N(0, 1/fan_in), biases small, batch-norm statistics
    near identity.
    """
    generator = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(name.encode()))
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "num_batches_tracked":
        return torch.zeros(shape, dtype=torch.long)
    if leaf == "running_var":
        return 0.5 + torch.rand(shape, generator=generator)
    if leaf == "running_mean":
        return 0.1 * torch.randn(shape, generator=generator)
    if len(shape) == 1:  # biases and batch-norm affine parameters
        if leaf == "weight":
            return 0.5 + torch.rand(shape, generator=generator)
        return 0.05 * torch.randn(shape, generator=generator)
    fan_in = 1
    for dim in shape[1:]:
        fan_in *= dim
    return torch.randn(shape, generator=generator) * (1.0 / fan_in) ** 0.5


def seeded_state_dict(shapes: Mapping[str, tuple[int, ...]], seed: int = FIDELITY_SEED) -> dict[str, torch.Tensor]:
    """``{name: seeded_tensor(name, shape, seed)}`` for every entry."""
    return {name: seeded_tensor(name, tuple(shape), seed) for name, shape in shapes.items()}


def seed_module(module: nn.Module, seed: int = FIDELITY_SEED, prefix: str = "") -> nn.Module:
    """Load seeded values into every entry of ``module``'s state dict.

    ``prefix`` is prepended to the names that feed the recipe, so that a
    sub-network seeded on its own (``prefix="background."``) gets the same
    values as inside a whole :class:`SampleNet`.
    """
    shapes = {name: tuple(t.shape) for name, t in module.state_dict().items()}
    values = {name: seeded_tensor(prefix + name, shape, seed) for name, shape in shapes.items()}
    module.load_state_dict(values)
    return module.eval()


def seeded_samplenet_state_dict(seed: int = FIDELITY_SEED) -> dict[str, torch.Tensor]:
    """Seeded values for every entry of ``SampleNet().state_dict()`` (names
    and shapes from ``tests/data/reference_keys.json``).

    The samplers use :func:`seeded_tensor`; the matting part uses the
    matting network's own fixture recipe (tuned to keep its sigmoid out of
    saturation), so both fixtures describe the same weights.
    """
    from matting_fidelity_recipe import seeded_matting_state_dict

    state = {}
    for part in ("background", "foreground"):
        for name, shape in REFERENCE_KEYS[part].items():
            state[f"{part}.{name}"] = seeded_tensor(f"{part}.{name}", tuple(shape), seed)
    state.update({"matting." + k: v for k, v in seeded_matting_state_dict(seed).items()})
    return state


@functools.lru_cache(maxsize=4)
def _cached_state_dict(seed: int) -> dict[str, torch.Tensor]:
    return seeded_samplenet_state_dict(seed)


def seeded_samplenet(seed: int = FIDELITY_SEED, attention: str = "dense"):
    """A fresh :class:`~samplenet.models.samplenet.SampleNet` in eval mode
    with seeded weights (see :func:`seeded_samplenet_state_dict`).

    The random draws are cached, so tests pay for them once per session.
    """
    from samplenet.models.samplenet import SampleNet

    model = SampleNet(attention=attention)
    model.load_state_dict(_cached_state_dict(seed))  # copies into the model's own tensors
    return model.eval()


def reference_checkpoint(state_dict: Mapping[str, torch.Tensor], part: str) -> dict:
    """Our ``SampleNet`` state dict -> one reference checkpoint (``part`` is
    ``"background"``, ``"foreground"`` or ``"matting"``): a dict holding a
    ``model`` state dict with ``module.`` prefixes (as saved from
    ``nn.DataParallel``)."""
    start = part + "."
    model = {"module." + k[len(start):]: v.clone() for k, v in state_dict.items() if k.startswith(start)}
    return {"model": model, "n_epoch": 0}
