"""Converting the reference implementation's checkpoints to our format.

The reference (TomoshibiAkira/LearningBasedSamplingMatting) publishes three
files: ``BGDFV1.pth`` (background sampler), ``FGDFV1.pth`` (foreground
sampler) and ``LSM_80.pth`` (matting network). Each is a dict whose
``"model"`` entry is the state dict of a ``DataParallel``-wrapped network,
so every key starts with ``module.``; other entries (``"n_epoch"``, an
optimizer state) are ignored. Our ``SampleNet`` keeps the reference's
attribute names, so conversion is: strip ``module.``, put each network under
its submodule name (``background.``, ``foreground.``, ``matting.``), widen a
narrower matting ``conv1`` to 10 input channels with zeros (what the
reference's loader does with ``conv1_chan=10``), check every key and shape,
and save as safetensors.

The ``.pth`` files are pickles. The callables a file would call are listed
first without unpickling (:mod:`.pickle_scan`) and anything but what tensors
need is refused by name; then the file is read with
``torch.load(weights_only=True)``, which only rebuilds tensors and plain
containers.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import WeightsFormatError, WeightsNotFoundError
from ..io import QUOTE_LIMIT
from ..models.matting_network import MATTING_INPUT_CHANNELS, adapt_first_conv
from . import pretrained
from .keys import compare_shapes
from .pickle_scan import UnsafePickleError, check_checkpoint_globals

logger = logging.getLogger("samplenet")

REFERENCE_REPOSITORY = "TomoshibiAkira/LearningBasedSamplingMatting"
DATA_PARALLEL_PREFIX = "module."
#: The matting network's first convolution, the one the reference zero-pads.
MATTING_CONV1_KEY = "encoder.conv1.weight"

#: SampleNet submodule -> what the reference calls the network (for messages).
NETWORKS = {
    "background": "background sampler (BGDFV1.pth)",
    "foreground": "foreground sampler (FGDFV1.pth)",
    "matting": "matting network (LSM_80.pth)",
}


def read_reference_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The network state dict inside one reference checkpoint, ``module.`` removed.

    Raises:
        WeightsNotFoundError: the file does not exist.
        WeightsFormatError: not a checkpoint ``torch.load(weights_only=True)``
            can read (including any that needs a pickled class or function),
            not a dict, no ``"model"`` entry, or entries that are not tensors.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsNotFoundError(f"reference checkpoint {path} does not exist (or is not a file).")
    try:  # our own look at the callables first: torch's refusal wording changes and invites unpickling
        check_checkpoint_globals(path)
    except UnsafePickleError as exc:
        raise WeightsFormatError(_code_refusal(path, exc.name, str(exc))) from None
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as exc:  # not a pickle, truncated, empty
        raise WeightsFormatError(_unreadable(path, exc)) from None
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for files it cannot read
        raise WeightsFormatError(_unreadable(path, exc)) from None

    if not isinstance(checkpoint, Mapping):
        raise WeightsFormatError(
            f"{path} holds a {type(checkpoint).__name__}; a reference checkpoint is a dict with a 'model' state dict."
        )
    if "model" not in checkpoint:
        keys = ", ".join(map(repr, list(checkpoint)[:8])) or "none"
        raise WeightsFormatError(
            f"{path} has no 'model' entry (its entries: {keys}); a reference checkpoint is a dict holding the "
            "network's state dict under 'model'."
        )
    state = checkpoint["model"]
    if not isinstance(state, Mapping):
        raise WeightsFormatError(f"{path}: 'model' is a {type(state).__name__}, not a state dict.")
    not_tensors = sorted(str(key) for key, value in state.items() if not isinstance(value, torch.Tensor))
    if not_tensors:
        raise WeightsFormatError(f"{path}: 'model' entries that are not tensors: {', '.join(not_tensors[:12])}.")

    stripped: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        name = key[len(DATA_PARALLEL_PREFIX):] if key.startswith(DATA_PARALLEL_PREFIX) else key
        if name in stripped:
            raise WeightsFormatError(f"{path}: key {name!r} appears both with and without the 'module.' prefix.")
        stripped[name] = value
    return stripped


def _code_refusal(path: Path, name: str, reason: str) -> str:
    return (
        f"{path} contains a pickled Python object ({name[:QUOTE_LIMIT]}): {reason}. samplenet refuses to "
        "unpickle it because unpickling can run arbitrary code; only checkpoints made of tensors and plain "
        "containers are accepted. The reference's published BGDFV1.pth, FGDFV1.pth and LSM_80.pth qualify."
    )


#: Phrases of torch's loader messages that advise loading a refused file without restrictions.
_UNPICKLE_ADVICE = re.compile(r"weights_only[`'\s]*(set to|=)\s*[`']?False|can still be loaded|trusted source", re.I)


def _unreadable(path: Path, exc: BaseException) -> str:
    """Say why a file could not be read, in one line (torch's own messages
    run to a page) and without torch's advice to load it unrestricted."""
    text = str(exc)
    detail = re.search(r"(Unsupported [^\n]+)", text)  # the weights-only unpickler's actual complaint
    reason = detail.group(1) if detail else (text.strip().splitlines() or [""])[0]
    if _UNPICKLE_ADVICE.search(reason):
        reason = "refused by torch's weights-only loader"
    return (
        f"{path} is not a PyTorch checkpoint that can be read safely with torch.load(weights_only=True) "
        f"({type(exc).__name__}: {reason[:200] or 'unreadable'}); expected a file written by torch.save."
    )


def pad_matting_conv1(state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], int | None]:
    """Zero-pad the matting ``conv1`` to 10 input channels, as the reference
    loader does; returns the state dict and the original channel count (or
    ``None`` when there is no such key to pad)."""
    weight = state.get(MATTING_CONV1_KEY)
    if weight is None:
        return state, None
    channels = weight.shape[1] if weight.dim() == 4 else None
    if channels is not None and channels < MATTING_INPUT_CHANNELS:
        state = dict(state)
        state[MATTING_CONV1_KEY] = adapt_first_conv(weight, MATTING_INPUT_CHANNELS)
    return state, channels


def convert_reference_checkpoints(
    bg: str | os.PathLike,
    fg: str | os.PathLike,
    matting: str | os.PathLike,
    out_dir: str | os.PathLike,
) -> Path:
    """Turn the reference's three checkpoints into a SampleNet weights folder.

    Args:
        bg: the background sampler checkpoint (``BGDFV1.pth``).
        fg: the foreground sampler checkpoint (``FGDFV1.pth``).
        matting: the matting network checkpoint (``LSM_80.pth``).
        out_dir: the folder to write ``model.safetensors``, ``config.json``
            and ``README.md`` into.

    Returns:
        ``out_dir`` as a :class:`~pathlib.Path`, loadable with
        :func:`samplenet.weights.load_pretrained`.

    Raises:
        WeightsNotFoundError: a checkpoint file does not exist.
        WeightsFormatError: a file cannot be read safely, or its keys or
            shapes differ from the network it should hold (the message names
            the file and the keys, and spots files given in the wrong order).
    """
    paths = {"background": Path(bg), "foreground": Path(fg), "matting": Path(matting)}
    states = {name: read_reference_state_dict(path) for name, path in paths.items()}
    states["matting"], original_conv1_channels = pad_matting_conv1(states["matting"])

    expected = pretrained.expected_shapes()
    for name, state in states.items():
        _check_network(name, paths[name], state, expected)

    model = pretrained.build_model()
    combined = {f"{name}.{key}": value for name, state in states.items() for key, value in state.items()}
    model.load_state_dict(combined, strict=True)

    provenance: dict[str, Any] = {
        "source": f"converted from the reference implementation's checkpoints ({REFERENCE_REPOSITORY})",
        "description": f"the checkpoints of {REFERENCE_REPOSITORY}, converted with `samplenet convert`",
        "checkpoints": {
            name: {"file": path.name, "sha256": _sha256(path)} for name, path in paths.items()
        },
    }
    if original_conv1_channels is not None and original_conv1_channels != MATTING_INPUT_CHANNELS:
        provenance["matting_conv1_zero_padded_from_channels"] = original_conv1_channels
    return pretrained.save_pretrained(model, out_dir, extra_config={"provenance": provenance})


def _check_network(
    name: str, path: Path, state: Mapping[str, torch.Tensor], expected: Mapping[str, tuple[int, ...]]
) -> None:
    """Compare one checkpoint with the submodule it should fill."""
    mismatch = compare_shapes(_submodule_shapes(expected, name), _shapes(state))
    if not mismatch:
        return
    message = f"{path} does not match the {NETWORKS[name]}: {mismatch.describe()}."
    for other in NETWORKS:
        if other == name:
            continue
        as_other = pad_matting_conv1(dict(state))[0] if other == "matting" else state
        if not compare_shapes(_submodule_shapes(expected, other), _shapes(as_other)):
            message += f" It looks like the {NETWORKS[other]} checkpoint: were the files given in the wrong order?"
            break
    raise WeightsFormatError(message)


def _submodule_shapes(expected: Mapping[str, tuple[int, ...]], name: str) -> dict[str, tuple[int, ...]]:
    """The expected ``{key: shape}`` of one submodule, its prefix removed."""
    prefix = f"{name}."
    return {key[len(prefix):]: shape for key, shape in expected.items() if key.startswith(prefix)}


def _shapes(state: Mapping[str, torch.Tensor]) -> dict[str, tuple[int, ...]]:
    return {key: tuple(value.shape) for key, value in state.items()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
