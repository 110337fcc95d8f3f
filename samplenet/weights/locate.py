"""Finding SampleNet weights: an argument, ``SAMPLENET_WEIGHTS``, or the Hub.

Lookup order:

1. the ``weights`` argument, else the ``SAMPLENET_WEIGHTS`` environment variable;
2. if that names an existing path, it is the weights folder (a path to its
   ``model.safetensors`` is accepted too);
3. otherwise, if it looks like ``owner/name``, it is a Hugging Face Hub repo
   id, fetched with :func:`huggingface_hub.snapshot_download` (which uses
   the Hub cache, honours ``revision`` and ``HF_HUB_OFFLINE``).

There is no built-in default location: the reference's checkpoints are not
ours to redistribute, so each user converts them once (see
:data:`HOW_TO_GET_WEIGHTS`).
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from ..errors import WeightsFormatError, WeightsNotFoundError
from ..io import quoted
from . import folder as fmt

logger = logging.getLogger("samplenet")

ENV_VAR = "SAMPLENET_WEIGHTS"

HOW_TO_GET_WEIGHTS = (
    "To get weights: download the reference implementation's checkpoints (BGDFV1.pth, FGDFV1.pth, "
    "LSM_80.pth; linked from the README of TomoshibiAkira/LearningBasedSamplingMatting), convert them with "
    "`samplenet convert --bg BGDFV1.pth --fg FGDFV1.pth --matting LSM_80.pth --out DIR`, then pass "
    f"weights=DIR (--weights DIR) or set {ENV_VAR}=DIR; `samplenet push DIR REPO_ID` uploads the folder "
    "to the Hugging Face Hub so that REPO_ID works anywhere. See docs/weights.md in the samplenet repository."
)

# owner/name as the Hub spells repo ids (letters, digits, '-', '_', '.').
_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")


def locate_weights(weights: str | os.PathLike | None = None, revision: str | None = None) -> Path:
    """The local folder holding the SampleNet weights to use.

    Args:
        weights: a folder, a path to its ``model.safetensors``, or a Hub repo
            id (``owner/name``); ``None`` reads ``SAMPLENET_WEIGHTS``.
        revision: Hub branch, tag or commit; ignored (with a warning) for
            local folders.

    Returns:
        a folder with a valid ``config.json`` and a ``model.safetensors``
        (whose tensors are checked later, by the loader).

    Raises:
        WeightsNotFoundError: nothing given, the path does not exist, or the
            Hub download failed (offline, unknown repo, network error). The
            message says where we looked and how to get weights.
        WeightsFormatError: a folder was found but is malformed.
    """
    source, origin = _requested_source(weights)
    path = Path(source).expanduser()
    if path.exists():
        if revision is not None:
            logger.warning("revision=%s ignored: %s is a local folder", quoted(revision), path)
        return _checked_local(path, origin)
    if _REPO_ID.fullmatch(source):
        return _checked_hub(source, revision, origin)
    raise WeightsNotFoundError(
        f"SampleNet weights not found: {origin} is {quoted(source)}, which is neither an existing folder nor a "
        f"Hugging Face Hub repo id (owner/name). {HOW_TO_GET_WEIGHTS}"
    )


def _requested_source(weights: str | os.PathLike | None) -> tuple[str, str]:
    """The weights location asked for, and a phrase saying who asked."""
    if weights is not None and str(weights).strip():
        return str(weights).strip(), "the weights argument"
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return from_env, f"the {ENV_VAR} environment variable"
    raise WeightsNotFoundError(
        "No SampleNet weights: looked at the weights argument (not given), the "
        f"{ENV_VAR} environment variable (not set) and the Hugging Face Hub (no repo id given; "
        f"there is no default repository). {HOW_TO_GET_WEIGHTS}"
    )


def _checked_local(path: Path, origin: str) -> Path:
    if path.is_file():
        if path.name == fmt.WEIGHTS_NAME:
            path = path.parent
        elif path.suffix in (".pth", ".pt", ".ckpt"):
            raise WeightsFormatError(
                f"{path} (from {origin}) is a PyTorch checkpoint, not a SampleNet weights folder; convert the "
                "reference checkpoints with `samplenet convert --bg ... --fg ... --matting ... --out DIR` and use DIR."
            )
        else:
            raise WeightsFormatError(
                f"{path} (from {origin}) is a file; expected a folder holding {fmt.WEIGHTS_NAME} and {fmt.CONFIG_NAME}."
            )
    if path.is_dir() and not any((path / name).exists() for name in (fmt.WEIGHTS_NAME, fmt.CONFIG_NAME)):
        # Nothing of ours is there at all: that is "no weights", not "broken weights",
        # so `engine="auto"` may fall back to the weight-free engine.
        raise WeightsNotFoundError(
            f"{path} (from {origin}) holds no SampleNet weights: neither {fmt.WEIGHTS_NAME} nor "
            f"{fmt.CONFIG_NAME} is there. {HOW_TO_GET_WEIGHTS}"
        )
    fmt.read_config(path)
    fmt.weights_path(path)
    return path


def _checked_hub(repo_id: str, revision: str | None, origin: str) -> Path:
    try:
        from huggingface_hub import snapshot_download

        from .. import __version__

        folder = snapshot_download(
            repo_id,
            revision=revision,
            allow_patterns=list(fmt.FOLDER_FILES),
            library_name="samplenet",
            library_version=__version__,
        )
    except Exception as exc:  # offline, unknown repo or revision, HTTP and connection errors alike
        raise WeightsNotFoundError(
            f"SampleNet weights not found: {origin} is {quoted(repo_id)}, which is not a local folder, and "
            f"downloading it from the Hugging Face Hub{_at(revision)} failed: {_reason(exc)} {HOW_TO_GET_WEIGHTS}"
        ) from exc
    path = Path(folder)
    try:
        fmt.read_config(path)
        fmt.weights_path(path)
    except WeightsFormatError as exc:
        raise WeightsFormatError(f"Hub repo {quoted(repo_id)}{_at(revision)}: {exc}") from exc
    return path


def _at(revision: str | None) -> str:
    return f" (revision {quoted(revision)})" if revision else ""


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if hub_offline():
        text += " (HF_HUB_OFFLINE is set, so only the local Hub cache was searched.)"
    return text if text.endswith((".", ")")) else text + "."


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` forbids network access to the Hub."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
