"""Where the app writes the files it hands out, and the bound on that folder.

Every request gets a fresh folder under ``<tmp>/gradio/samplenet-app``.  Before a
new one is made, :func:`prune` removes request folders older than an hour
and then, oldest first, as many as it takes to bring the whole folder under
``SAMPLENET_APP_OUTPUT_MB`` (default :data:`DEFAULT_OUTPUT_MB`): one rule for
age and size, so a busy Space cannot fill its disk with results.  A folder
touched in the last :data:`MIN_AGE_S` seconds is never removed: another
request may still be writing into it (or its visitor be fetching the files
just shown), so the bound holds with the slack of what those minutes wrote.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from ..io import positive_int_from_env

#: Request folders older than this are deleted (seconds).
MAX_AGE_S = 3600
#: Request folders younger than this are never deleted, whatever the size (seconds).
MIN_AGE_S = 300
#: Default bound on the whole output folder, in megabytes.
DEFAULT_OUTPUT_MB = 500


def output_root() -> Path:
    """The folder that holds every request's folder: inside Gradio's own
    file folder (``GRADIO_TEMP_DIR``, default ``<tmp>/gradio``, the rule of
    ``gradio.utils.get_upload_folder``), because Gradio serves files from
    there as they are and copies any other file it hands out into it, which
    would keep a second, unbounded copy of every result."""
    gradio_files = os.environ.get("GRADIO_TEMP_DIR") or (Path(tempfile.gettempdir()) / "gradio").resolve()
    return Path(gradio_files) / "samplenet-app"


def max_bytes_from_env() -> int:
    """The size bound in force (``SAMPLENET_APP_OUTPUT_MB`` megabytes)."""
    return positive_int_from_env("SAMPLENET_APP_OUTPUT_MB", DEFAULT_OUTPUT_MB) * 1_000_000


def _size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:  # deleted meanwhile by another request's prune
            pass
    return total


def prune(root: Path, max_bytes: int, max_age_s: float = MAX_AGE_S, now: float | None = None) -> list[Path]:
    """Delete request folders in ``root`` that are older than ``max_age_s``,
    then the oldest ones until the rest hold at most ``max_bytes``, never one
    younger than :data:`MIN_AGE_S`; returns the deleted folders, oldest first."""
    now = time.time() if now is None else now
    entries = []
    for folder in root.iterdir() if root.is_dir() else ():
        try:
            entries.append(
                (folder.stat().st_mtime, folder, _size(folder) if folder.is_dir() else folder.stat().st_size)
            )
        except OSError:
            continue
    entries.sort(key=lambda entry: entry[0])
    total = sum(size for _, _, size in entries)
    deleted = []
    for mtime, folder, size in entries:
        if now - mtime < MIN_AGE_S or (now - mtime <= max_age_s and total <= max_bytes):
            break
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)
        total -= size
        deleted.append(folder)
    return deleted


def new_request_folder() -> Path:
    """A fresh folder for one request's files, after pruning old ones."""
    root = output_root()
    root.mkdir(parents=True, exist_ok=True)
    prune(root, max_bytes_from_env())
    return Path(tempfile.mkdtemp(dir=root))
