"""The on-disk format of SampleNet weights: one folder, three files.

* ``model.safetensors``: every tensor of ``SampleNet().state_dict()``, keys
  ``background.*``, ``foreground.*``, ``matting.*``. Safetensors holds raw
  tensors only, so loading it can never run code (unlike a pickled ``.pth``).
* ``config.json``: what the tensors are for (``architecture``,
  ``format_version``, ``in_channels``, the default ``attention``
  implementation) and where they came from (``provenance``).
* ``README.md``: the model card shown on the Hugging Face Hub.

This module reads and writes that folder; it knows nothing about the network
itself (see :mod:`samplenet.weights.pretrained`).
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from ..errors import WeightsFormatError
from ..models.attention_common import DEFAULT_ATTENTION
from ..models.contextual_attention import ATTENTION_IMPLEMENTATIONS

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
MODEL_CARD_NAME = "README.md"
#: The files a weights folder is made of (and the only ones we upload).
FOLDER_FILES = (WEIGHTS_NAME, CONFIG_NAME, MODEL_CARD_NAME)

ARCHITECTURE = "samplenet"
#: Bumped when the meaning of the files changes; readers refuse newer ones.
FORMAT_VERSION = 1
#: The matting network reads image, sampled F, sampled B (3 channels each) and the trimap.
IN_CHANNELS = 10

#: Keys of config.json that describe the tensors; callers may not override them.
RESERVED_CONFIG_KEYS = ("architecture", "format_version", "in_channels")


def read_config(folder: Path) -> dict[str, Any]:
    """Read and validate ``folder/config.json``.

    Raises:
        WeightsFormatError: the file is missing, not JSON, not an object, or
            describes another architecture, a newer format or another number
            of input channels. The message names the file and the field.
    """
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise WeightsFormatError(
            f"{folder} is not a SampleNet weights folder: it has no {CONFIG_NAME} "
            f"(expected {WEIGHTS_NAME} + {CONFIG_NAME}, as written by `samplenet convert`)."
        )
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WeightsFormatError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise WeightsFormatError(f"{path} must hold a JSON object, found {type(config).__name__}.")

    architecture = config.get("architecture")
    if architecture != ARCHITECTURE:
        raise WeightsFormatError(
            f"{path}: 'architecture' is {architecture!r}, expected {ARCHITECTURE!r}; "
            "these are not SampleNet weights."
        )
    version = config.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise WeightsFormatError(f"{path}: 'format_version' must be a positive integer, found {version!r}.")
    if version > FORMAT_VERSION:
        raise WeightsFormatError(
            f"{path}: format_version {version} was written by a newer samplenet "
            f"(this one reads up to {FORMAT_VERSION}); upgrade samplenet."
        )
    channels = config.get("in_channels", IN_CHANNELS)
    if channels != IN_CHANNELS:
        raise WeightsFormatError(
            f"{path}: 'in_channels' is {channels!r}; SampleNet's matting network reads {IN_CHANNELS} "
            "channels (image, foreground, background, trimap)."
        )
    attention = config.get("attention", DEFAULT_ATTENTION)
    if not isinstance(attention, str):
        raise WeightsFormatError(f"{path}: 'attention' must be a string, found {attention!r}.")
    if attention not in ATTENTION_IMPLEMENTATIONS:
        raise WeightsFormatError(
            f"{path}: 'attention' is {attention[:80]!r}; this samplenet knows {', '.join(ATTENTION_IMPLEMENTATIONS)}. "
            "Fix config.json (the attention never changes the weights)."
        )
    return config


def weights_path(folder: Path) -> Path:
    """``folder/model.safetensors``, or :class:`WeightsFormatError` if absent."""
    path = Path(folder) / WEIGHTS_NAME
    if not path.is_file():
        raise WeightsFormatError(f"{folder} has {CONFIG_NAME} but no {WEIGHTS_NAME}; the weights file is missing.")
    return path


def read_tensor_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Names and shapes of the tensors in a safetensors file, read from its
    header only (cheap even for hundreds of megabytes)."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            return {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}
    except Exception as exc:  # safetensors raises its own Rust-side error types
        raise WeightsFormatError(f"{path} is not a readable safetensors file: {exc}") from exc


def read_tensors(path: Path) -> dict[str, torch.Tensor]:
    """All tensors of a safetensors file, on the CPU."""
    try:
        return load_file(str(path), device="cpu")
    except Exception as exc:
        raise WeightsFormatError(f"{path} is not a readable safetensors file: {exc}") from exc


def tensors_for_saving(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Make a state dict acceptable to :func:`safetensors.torch.save_file`.

    Safetensors stores each tensor on its own and refuses tensors that share
    memory (tied weights, views of one buffer) or are not contiguous. Such
    tensors are copied; the others are passed through without a copy.
    """
    prepared: dict[str, torch.Tensor] = {}
    seen_storages: set[int] = set()
    for key, tensor in state_dict.items():
        if not isinstance(tensor, torch.Tensor):
            raise WeightsFormatError(f"state dict entry {key!r} is a {type(tensor).__name__}, not a tensor.")
        tensor = tensor.detach().to("cpu")
        storage = tensor.untyped_storage()
        owns_storage = storage.nbytes() == tensor.numel() * tensor.element_size() and tensor.is_contiguous()
        if storage.data_ptr() in seen_storages or not owns_storage:
            tensor = tensor.contiguous().clone()
        seen_storages.add(tensor.untyped_storage().data_ptr())
        prepared[key] = tensor
    return prepared


def write_folder(
    out_dir: Path, state_dict: Mapping[str, torch.Tensor], config: Mapping[str, Any], model_card: str
) -> Path:
    """Write the three files into ``out_dir`` (created if needed).

    Each file is written to a temporary name and renamed into place, so an
    interrupted save never leaves a truncated ``model.safetensors`` that looks
    complete.
    """
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise WeightsFormatError(f"cannot save weights into {out_dir}: it exists and is not a folder.")
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = tensors_for_saving(state_dict)
    _atomic_write(out_dir / WEIGHTS_NAME, lambda tmp: save_file(tensors, tmp, metadata={"format": "pt"}))
    config_text = json.dumps(dict(config), indent=2, sort_keys=False) + "\n"
    _atomic_write(out_dir / CONFIG_NAME, lambda tmp: Path(tmp).write_text(config_text, encoding="utf-8"))
    _atomic_write(out_dir / MODEL_CARD_NAME, lambda tmp: Path(tmp).write_text(model_card, encoding="utf-8"))
    return out_dir


def _atomic_write(target: Path, write) -> None:
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes owner-only files; weights are meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
