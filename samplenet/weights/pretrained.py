"""Loading and saving a whole SampleNet: ``load_pretrained`` / ``save_pretrained``.

Both check the tensors against the architecture before touching the model,
so a wrong file fails with the list of offending keys instead of
PyTorch's ``load_state_dict`` traceback, and never yields a model that is
only partly loaded.
"""
from __future__ import annotations

import datetime
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..devices import resolve_device
from ..errors import WeightsFormatError
from . import folder as fmt
from .keys import require_matching_shapes
from .locate import locate_weights
from .model_card import render_model_card

logger = logging.getLogger("samplenet")


def build_model(attention: str = fmt.DEFAULT_ATTENTION) -> nn.Module:
    """A freshly initialised :class:`~samplenet.models.samplenet.SampleNet`."""
    from ..models.samplenet import SampleNet

    return SampleNet(attention=attention)


def expected_shapes() -> dict[str, tuple[int, ...]]:
    """``{key: shape}`` of ``SampleNet().state_dict()``.

    Built on PyTorch's "meta" device, which records shapes without
    allocating or initialising memory, so checking a file costs next to
    nothing.
    """
    try:
        with torch.device("meta"):
            model = build_model()
    except (RuntimeError, NotImplementedError):  # an init step the meta device cannot run
        model = build_model()
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


def load_pretrained(
    weights: str | os.PathLike | None = None,
    device: str | torch.device | None = None,
    revision: str | None = None,
) -> nn.Module:
    """Build SampleNet with pretrained weights, in eval mode, on ``device``.

    Args:
        weights: a local folder holding ``model.safetensors`` + ``config.json``,
            or a Hugging Face Hub repo id; ``None`` reads ``SAMPLENET_WEIGHTS``.
        device: torch device; ``None`` picks CUDA when available.
        revision: Hub branch, tag or commit (ignored for local folders).

    The returned module carries ``weights_info`` (the folder and its
    config.json) so callers can report which weights ran.

    Raises:
        WeightsNotFoundError: nothing found where we looked (the message
            says where and how to get weights).
        WeightsFormatError: the folder or file is malformed, or its keys or
            shapes differ from SampleNet's (the message names them).
        ValueError: unknown or unavailable device.
    """
    target = resolve_device(device)
    folder = locate_weights(weights, revision=revision)
    config = fmt.read_config(folder)
    path = fmt.weights_path(folder)
    require_matching_shapes(expected_shapes(), fmt.read_tensor_shapes(path), str(path))
    tensors = fmt.read_tensors(path)
    _require_finite(tensors, path)

    model = build_model(config.get("attention", fmt.DEFAULT_ATTENTION))
    model.load_state_dict(tensors, strict=True)
    model.to(target).eval()
    model.weights_info = {"folder": str(folder), "config": config}
    logger.debug("loaded SampleNet weights from %s onto %s", folder, target)
    return model


def _require_finite(tensors: Mapping[str, torch.Tensor], path: Path) -> None:
    bad = sorted(key for key, value in tensors.items() if value.is_floating_point() and not torch.isfinite(value).all())
    if bad:
        raise WeightsFormatError(f"{path} holds NaN or infinite values in {len(bad)} tensor(s): {', '.join(bad[:12])}.")


def save_pretrained(
    model: nn.Module, out_dir: str | os.PathLike, extra_config: Mapping[str, Any] | None = None
) -> Path:
    """Write ``model`` as a weights folder that :func:`load_pretrained` reads.

    Writes ``model.safetensors`` (tensors that share memory are stored
    separately), ``config.json`` and a ``README.md`` model card into
    ``out_dir``, replacing those files if present.

    Args:
        model: a SampleNet (a ``DataParallel`` wrapper is unwrapped).
        out_dir: the folder to write (created if needed).
        extra_config: more entries for config.json, e.g. ``{"provenance":
            {...}}`` (merged into the default provenance) or training
            details. ``architecture``, ``format_version`` and ``in_channels``
            describe the tensors and cannot be overridden.

    Returns:
        the folder written.

    Raises:
        WeightsFormatError: the model's state dict is not SampleNet's.
        ValueError: ``extra_config`` overrides a reserved key or is not JSON-serialisable.
    """
    from .. import __version__

    if isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
        model = model.module
    state = model.state_dict()
    require_matching_shapes(
        expected_shapes(), {key: tuple(value.shape) for key, value in state.items()}, "the model's state dict"
    )

    extra = dict(extra_config or {})
    reserved = sorted(set(extra) & set(fmt.RESERVED_CONFIG_KEYS))
    if reserved:
        raise ValueError(f"extra_config may not set {', '.join(reserved)}: these describe the tensors themselves.")
    provenance = {
        "source": "saved with samplenet.weights.save_pretrained",
        "samplenet_version": __version__,
        "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    extra_provenance = extra.pop("provenance", None) or {}
    if not isinstance(extra_provenance, Mapping):
        raise ValueError(f"extra_config['provenance'] must be a mapping, got {type(extra_provenance).__name__}.")
    provenance.update(extra_provenance)
    config: dict[str, Any] = {
        "architecture": fmt.ARCHITECTURE,
        "format_version": fmt.FORMAT_VERSION,
        "in_channels": fmt.IN_CHANNELS,
        "attention": _current_attention(model),
        "samplenet_version": __version__,
        **extra,
        "provenance": provenance,
    }
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"extra_config must be JSON-serialisable: {exc}") from None

    parameter_count = sum(value.numel() for value in state.values() if value.is_floating_point())
    card = render_model_card(config, parameter_count)
    out = fmt.write_folder(Path(out_dir), state, config, card)
    logger.info("wrote SampleNet weights (%d tensors) to %s", len(state), out)
    return out


def _current_attention(model: nn.Module) -> str:
    """The attention implementation the model is set to use (the default if
    it has no attention module exposing one)."""
    for module in model.modules():
        name = getattr(module, "implementation", None)
        if isinstance(name, str):
            return name
    return fmt.DEFAULT_ATTENTION
