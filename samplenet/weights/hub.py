"""Publishing a weights folder on the Hugging Face Hub (``samplenet push``)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from ..errors import WeightsNotFoundError, WeightsUploadError
from . import folder as fmt
from . import pretrained
from .keys import require_matching_shapes
from .locate import hub_offline

logger = logging.getLogger("samplenet")


def check_weights_folder(folder: str | os.PathLike) -> Path:
    """Check that ``folder`` is a complete, loadable SampleNet weights folder
    (config.json valid, every key and shape right) without loading the tensors.

    Raises:
        WeightsNotFoundError: the folder does not exist.
        WeightsFormatError: anything malformed; the message names the file or keys.
    """
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise WeightsNotFoundError(f"weights folder {path} does not exist (or is not a folder).")
    fmt.read_config(path)
    weights = fmt.weights_path(path)
    require_matching_shapes(pretrained.expected_shapes(), fmt.read_tensor_shapes(weights), str(weights))
    return path


def push_to_hub(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    commit_message: str | None = None,
) -> str:
    """Upload a weights folder to the Hub model repo ``repo_id``.

    The folder is checked first (a broken upload would break every user of
    the repo). The repo is created if needed, and the branch ``revision``
    too. Only ``model.safetensors``, ``config.json`` and ``README.md`` are
    uploaded.

    Returns:
        the URL of the commit (or of the repo).

    Raises:
        WeightsNotFoundError / WeightsFormatError: the folder is missing or invalid.
        WeightsUploadError: offline, not logged in, no permission, or a network
            error; the message says which.
    """
    path = check_weights_folder(folder)
    if hub_offline():
        raise WeightsUploadError(
            "cannot push to the Hugging Face Hub: HF_HUB_OFFLINE is set, so samplenet may not use the network. "
            "Unset it (and log in with `hf auth login` or pass --token) to upload."
        )
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        if revision:
            api.create_branch(repo_id, branch=revision, exist_ok=True, repo_type="model")
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(path),
            repo_type="model",
            revision=revision,
            allow_patterns=list(fmt.FOLDER_FILES),
            commit_message=commit_message or "Upload SampleNet weights",
        )
    except Exception as exc:  # HTTP (401/403/404), connection and validation errors alike
        raise WeightsUploadError(
            f"uploading {path} to the Hugging Face Hub repo {repo_id!r} failed: "
            f"{type(exc).__name__}: {' '.join(str(exc).split())} "
            "(check the network, the repo id and that you are logged in with write access: "
            "`hf auth login`, --token or HF_TOKEN)."
        ) from exc
    url = getattr(commit, "commit_url", None) or f"https://huggingface.co/{repo_id}"
    logger.info("uploaded %s to %s", path, url)
    return url
