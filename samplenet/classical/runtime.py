"""Keeping the numba-compiled libraries we build on cache-able.

numba writes its compiled-code cache next to the source files.  Where that
folder is read-only (a Space running as a non-root user over a root-owned
site-packages) it recompiles on every start.  Before numba is first
imported we point ``NUMBA_CACHE_DIR`` at a writable per-user folder, unless
the user chose one.

What pymatting prints (its incomplete Cholesky's "PERFORMANCE WARNING"
before retrying with a larger shift, rare: none on GT01, GT05 and GT13 at 0.4x) goes to
standard output, i.e. the server's log, as it is: hiding it took a
process-wide stand-in for ``sys.stdout`` with per-thread routing, more
machinery than one rare line is worth.  When no shift helps, the solver
falls back to a Jacobi preconditioner and its report says so.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

logger = logging.getLogger("samplenet")


def _writable(folder: Path) -> bool:
    """Whether files can be created in ``folder`` (created if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _module_folder(name: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def user_cache_folder() -> Path:
    """A per-user folder for compiled code: ``$XDG_CACHE_HOME/samplenet/numba``
    (``~/.cache/...``), or one in the temporary folder named after the user
    id when the home folder is not writable either."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "samplenet" / "numba"
    if _writable(folder):
        return folder
    user = getattr(os, "getuid", lambda: os.getpid())()
    return Path(tempfile.gettempdir()) / f"samplenet-numba-{user}"


def prepare_numba_cache() -> str | None:
    """Point ``NUMBA_CACHE_DIR`` at a writable folder when pymatting's own
    folder is not writable and the user has not set the variable.

    Returns the folder chosen, or ``None`` when nothing was changed.  Must
    run before numba is imported (numba reads the variable once); if numba
    is already loaded its configuration is updated as well.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    package = _module_folder("pymatting")
    if package is None or os.access(package, os.W_OK):
        return None
    folder = user_cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    numba = sys.modules.get("numba")
    if numba is not None:  # imported before us: tell its live configuration too
        numba.config.CACHE_DIR = str(folder)
    logger.debug("numba cannot cache next to %s; caching in %s", package, folder)
    return str(folder)
