"""Let the C library reuse freed memory instead of returning it to the OS.

Why this exists: PyTorch's CPU tensors come straight from ``malloc``. glibc
serves every request above its *mmap threshold* (128 KB at start, raised
automatically up to 32 MB) with fresh pages from the kernel and gives them
back on ``free``. A SampleNet call at photo size allocates gigabytes of
intermediate tensors, most of them above 32 MB, so every one of them is
page-faulted in and zeroed by the kernel again, call after call. On our
2-core machines that cost 40% of a 1 MP call (38 s -> 22 s once freed
memory is reused). PyTorch's CPU tuning guide recommends swapping in
jemalloc or tcmalloc for the same reason; raising glibc's thresholds with
``mallopt`` gets most of the gain without a preloaded library.

The price: memory freed below the threshold stays with the process (it is
reused by the next tensors, not returned), so the peak resident size grows
somewhat (1 MP exact mode: 1.7 -> 2.0 GB) and stays at that peak between
calls. Set ``SAMPLENET_REUSE_MEMORY=0`` to keep glibc's defaults.

It is process-wide, so only entry points that own the process's heavy
work (the SampleNet engine on CPU) call it, once.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

#: ``mallopt`` parameter numbers (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: Requests up to this size are served from the reusable heap; larger ones
#: still get their own pages and go back to the OS when freed.
DEFAULT_THRESHOLD_BYTES = 1 << 30

#: Set to ``0`` (or ``false``/``no``/``off``) to leave malloc alone.
ENV_SWITCH = "SAMPLENET_REUSE_MEMORY"

_applied: int | None = None


def reuse_enabled_by_environment() -> bool:
    """False when ``$SAMPLENET_REUSE_MEMORY`` says no."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in {"0", "false", "no", "off"}


def reuse_freed_memory(threshold_bytes: int = DEFAULT_THRESHOLD_BYTES) -> bool:
    """Ask glibc to keep freed blocks up to ``threshold_bytes`` for reuse.

    Returns True when the setting is in force (now or from an earlier call
    with the same threshold), False where it cannot apply: not Linux/glibc,
    disabled through :data:`ENV_SWITCH`, or refused by ``mallopt``.
    """
    global _applied
    if isinstance(threshold_bytes, bool) or not isinstance(threshold_bytes, int) or threshold_bytes <= 0:
        raise ValueError(f"threshold_bytes must be a positive whole number, got {threshold_bytes!r}")
    if not reuse_enabled_by_environment() or not sys.platform.startswith("linux"):
        return False
    if _applied == threshold_bytes:
        return True
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    ok = bool(mallopt(M_MMAP_THRESHOLD, threshold_bytes)) and bool(mallopt(M_TRIM_THRESHOLD, threshold_bytes))
    _applied = threshold_bytes if ok else None
    return ok


def _glibc_mallopt():
    """glibc's ``mallopt``, or None (musl and others have no such knobs)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        gnu_get_libc_version = libc.gnu_get_libc_version  # only glibc has it
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    gnu_get_libc_version.restype = ctypes.c_char_p
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt
