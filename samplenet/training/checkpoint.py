"""Saving and loading training checkpoints.

A run folder holds ``config.json`` and ``checkpoint/``, the latest state:

* ``model.safetensors``: the trained network's state dict;
* ``training_state.pt``: optimiser, scheduler and AMP scaler state, saved
  with ``torch.save`` and loaded only with ``weights_only=True`` (tensors
  and plain containers, nothing executable);
* ``state.json``: stage, architecture, epoch, step and the samplers used.

It is written into ``checkpoint.tmp/`` and then swapped in, so an
interrupted save never destroys the previous checkpoint.  After every
epoch the network weights are also kept as ``weights/epoch-NNNN.safetensors``.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from ..errors import WeightsFormatError

CHECKPOINT_DIR = "checkpoint"
FORMAT_VERSION = 1


def checkpoint_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / CHECKPOINT_DIR


def has_checkpoint(run_dir: str | Path) -> bool:
    return (checkpoint_dir(run_dir) / "state.json").is_file()


def _contiguous(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key: value.detach().contiguous().cpu() for key, value in state.items()}


def save_checkpoint(
    run_dir: str | Path,
    model_state: dict[str, torch.Tensor],
    training_state: dict[str, Any],
    meta: dict[str, Any],
) -> Path:
    final = checkpoint_dir(run_dir)
    staging = final.with_name(CHECKPOINT_DIR + ".tmp")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    save_file(_contiguous(model_state), str(staging / "model.safetensors"))
    torch.save(training_state, staging / "training_state.pt")
    (staging / "state.json").write_text(json.dumps({"format": FORMAT_VERSION, **meta}, indent=2) + "\n")
    previous = final.with_name(CHECKPOINT_DIR + ".old")
    if final.exists():
        if previous.exists():
            shutil.rmtree(previous)
        final.rename(previous)
    staging.rename(final)
    if previous.exists():
        shutil.rmtree(previous)
    return final


def read_meta(run_dir: str | Path) -> dict[str, Any]:
    path = checkpoint_dir(run_dir) / "state.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} holds no checkpoint: {path} is missing")
    try:
        meta = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise WeightsFormatError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or "stage" not in meta:
        raise WeightsFormatError(f"{path} does not describe a checkpoint (no 'stage')")
    return meta


def load_model_state(run_dir: str | Path) -> dict[str, torch.Tensor]:
    path = checkpoint_dir(run_dir) / "model.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} holds no model weights: {path} is missing")
    try:
        return load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types
        raise WeightsFormatError(f"{path} is not a readable safetensors file: {exc}") from None


def load_training_state(run_dir: str | Path) -> dict[str, Any]:
    path = checkpoint_dir(run_dir) / "training_state.pt"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} holds no optimiser state: {path} is missing")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsFormatError(f"{path} could not be loaded safely (weights_only=True): {exc}") from None


def check_compatible(
    run_dir: str | Path, meta: dict[str, Any], stage: str, model: torch.nn.Module, state: dict[str, torch.Tensor]
) -> None:
    """Refuse to resume a checkpoint of another stage or architecture,
    naming the difference, before anything is loaded."""
    if meta.get("stage") != stage:
        raise ValueError(
            f"cannot resume: the checkpoint in {run_dir} is from the {meta.get('stage')!r} stage, "
            f"not {stage!r}; pass the run folder of a {stage} run or start a new one"
        )
    architecture = type(model).__name__
    if meta.get("architecture") not in (None, architecture):
        raise ValueError(
            f"cannot resume: the checkpoint in {run_dir} holds a {meta['architecture']}, not a {architecture}"
        )
    expected = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    found = {key: tuple(value.shape) for key, value in state.items()}
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    wrong = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    if missing or unexpected or wrong:
        details = []
        if missing:
            details.append(f"{len(missing)} missing keys (e.g. {missing[0]})")
        if unexpected:
            details.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[0]})")
        if wrong:
            k = wrong[0]
            details.append(f"{len(wrong)} keys of another shape (e.g. {k}: {found[k]} vs {expected[k]})")
        raise ValueError(
            f"cannot resume: the checkpoint in {run_dir} does not fit a {architecture}: " + ", ".join(details)
        )


def save_epoch_weights(run_dir: str | Path, epoch: int, model_state: dict[str, torch.Tensor]) -> Path:
    folder = Path(run_dir) / "weights"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"epoch-{epoch:04d}.safetensors"
    save_file(_contiguous(model_state), str(path))
    return path
