"""Keeping the numba-compiled libraries we build on quiet and cache-able.

Two things pymatting and numba do to the host process that a web app or a
command-line tool cannot accept:

* numba writes its compiled-code cache next to the source files.  Where
  that folder is read-only (a Space running as a non-root user over a
  root-owned site-packages) it recompiles on every start.  Before numba is
  first imported we point ``NUMBA_CACHE_DIR`` at a writable per-user
  folder, unless the user chose one.
* pymatting ``print``\\s solver notes ("PERFORMANCE WARNING", thresholded
  incomplete Cholesky retrying with a larger shift) and numba emits
  warnings.  :func:`quietly` runs a call with both captured and logs each
  distinct text once, at DEBUG, on the ``samplenet`` logger.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger("samplenet")

#: Texts already logged by :func:`quietly` (each is logged once; insertion-ordered, bounded).
_LOGGED: dict[str, None] = {}
_MAX_LOGGED = 256

#: Guards _LOGGED, _ACTIVE and _SAVED; _THREAD holds each thread's capture.
_STATE_LOCK = threading.Lock()
_THREAD = threading.local()
_ACTIVE = 0
_SAVED: dict[str, object] = {}


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


def _log_once(kind: str, text: str) -> None:
    text = " ".join(text.split())
    if not text:
        return
    with _STATE_LOCK:
        if text in _LOGGED:
            return
        if len(_LOGGED) >= _MAX_LOGGED:  # a long-running server: forget the oldest texts
            _LOGGED.pop(next(iter(_LOGGED)))
        _LOGGED[text] = None
    logger.debug("%s: %s", kind, text)


class _RoutedStdout:
    """Stands in for ``sys.stdout`` while some thread is inside
    :func:`quietly`: that thread's writes go to its own buffer, every other
    thread's to the stream it replaced.  Per-thread routing is what makes
    the capture safe in a server that mattes in several threads at once
    (``contextlib.redirect_stdout`` swaps the stream for all of them)."""

    def __init__(self, target) -> None:
        self.target = target

    def write(self, text: str) -> int:
        buffer = getattr(_THREAD, "buffer", None)
        return (buffer if buffer is not None else self.target).write(text)

    def flush(self) -> None:
        if getattr(_THREAD, "buffer", None) is None:
            self.target.flush()

    def __getattr__(self, name: str):
        return getattr(self.target, name)


def _routed_showwarning(message, category, filename, lineno, file=None, line=None) -> None:
    caught = getattr(_THREAD, "warnings", None)
    if caught is not None:
        caught.append((category.__name__, str(message)))
    else:
        _SAVED["showwarning"](message, category, filename, lineno, file, line)


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Run the body with this thread's ``print`` output and warnings captured;
    each distinct text is logged once at DEBUG instead of reaching the console.

    Other threads are not affected: their prints and warnings go where they
    always went.  The stand-ins for ``sys.stdout`` and
    ``warnings.showwarning`` are installed while at least one thread is
    inside and removed when the last one leaves (unless someone replaced
    them meanwhile, in which case theirs stay).
    """
    global _ACTIVE
    if getattr(_THREAD, "buffer", None) is not None:  # nested: the outer capture collects
        yield
        return
    buffer = io.StringIO()
    caught: list[tuple[str, str]] = []
    with _STATE_LOCK:
        if _ACTIVE == 0:
            _SAVED["stdout"] = sys.stdout
            _SAVED["showwarning"] = warnings.showwarning
            sys.stdout = _RoutedStdout(sys.stdout)
            warnings.showwarning = _routed_showwarning
        _ACTIVE += 1
    _THREAD.buffer, _THREAD.warnings = buffer, caught
    try:
        yield
    finally:
        _THREAD.buffer, _THREAD.warnings = None, None
        with _STATE_LOCK:
            _ACTIVE -= 1
            if _ACTIVE == 0:
                if isinstance(sys.stdout, _RoutedStdout):
                    sys.stdout = _SAVED["stdout"]
                if warnings.showwarning is _routed_showwarning:
                    warnings.showwarning = _SAVED["showwarning"]
                _SAVED.clear()
        for kind, text in caught:
            _log_once(kind, text)
        _log_once("printed by a library", buffer.getvalue())
