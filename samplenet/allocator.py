"""Let the C library reuse freed memory instead of returning it to the OS.

Why this exists: PyTorch's CPU tensors come straight from ``malloc``. glibc
serves every request above its *mmap threshold* (128 KB at start, raised
automatically up to 32 MB) with fresh pages from the kernel and gives them
back on ``free``. A SampleNet call at photo size allocates gigabytes of
intermediate tensors, most of them above 32 MB, so every one of them is
page-faulted in and zeroed by the kernel again, call after call: a large
share of a CPU call's time (docs/speed-and-memory.md has the
figures). PyTorch's CPU tuning guide recommends swapping in jemalloc or
tcmalloc for the same reason; raising glibc's thresholds with ``mallopt``
gets most of the gain without a preloaded library.

The price: memory freed below the threshold stays with the process (it is
reused by the next tensors, not returned) and the heap fragments, so the
peak resident size grows and stays at that peak between calls. That price
grows with the photo while the page faults' share of the time shrinks, so
:func:`threshold_for_pixels` lowers the threshold for large photos, and
stays below the size of the dense attention's score matrices at 1 MP, which
fragmented the heap badly when kept.
Set ``SAMPLENET_REUSE_MEMORY=0`` to keep glibc's defaults.

It is process-wide, so nothing here runs unless the process opts in:
:func:`samplenet.tune_process` (called by ``app.py`` and the command line)
calls :func:`opt_in`; from then on the SampleNet engine on CPU calls
:func:`adapt_to_photo` before each photo, with the threshold for that
photo's size. A library user's process that did not opt in is left alone.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys

#: ``mallopt`` parameter numbers (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: Requests up to this size are served from the reusable heap; larger ones
#: still get their own pages and go back to the OS when freed.
DEFAULT_THRESHOLD_BYTES = 512 << 20

#: Smallest threshold :func:`threshold_for_pixels` gives.
MIN_THRESHOLD_BYTES = 64 << 20

#: Set to ``0`` (or ``false``/``no``/``off``) to leave malloc alone.
ENV_SWITCH = "SAMPLENET_REUSE_MEMORY"

_applied: int | None = None
_opted_in = False


def reuse_enabled_by_environment() -> bool:
    """False when ``$SAMPLENET_REUSE_MEMORY`` says no."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in {"0", "false", "no", "off"}


def threshold_for_pixels(pixels: int) -> int:
    """The threshold for a photo of ``pixels`` pixels: 512 MB up to 1 MP
    (the networks' activations are reused; the dense attention's score
    matrices, ~1 GB each at 1 MP, still go back to the OS), then falling
    with the square of the size (128 MB at 2 MP, 64 MB from about 2.8 MP),
    where peak memory matters more than the page faults' time."""
    megapixels = max(pixels, 1) / 1e6
    if megapixels <= 1.0:
        return DEFAULT_THRESHOLD_BYTES
    return max(MIN_THRESHOLD_BYTES, int(DEFAULT_THRESHOLD_BYTES / megapixels**2))


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


def opt_in() -> bool:
    """This process wants freed memory reused (see :func:`samplenet.tune_process`):
    apply the default threshold now and let :func:`adapt_to_photo` adjust
    it later. Returns whether the setting is in force."""
    global _opted_in
    _opted_in = reuse_freed_memory(DEFAULT_THRESHOLD_BYTES)
    return _opted_in


def opted_in() -> bool:
    """Whether this process asked for memory reuse and got it."""
    return _opted_in


def adapt_to_photo(pixels: int) -> bool:
    """Set the threshold for a photo of ``pixels`` pixels, only if the process
    opted in; otherwise change nothing. Returns whether reuse is in force."""
    if not _opted_in:
        return False
    return reuse_freed_memory(threshold_for_pixels(pixels))


@functools.lru_cache(maxsize=1)
def _glibc_mallopt():
    """glibc's ``mallopt``, or None (musl and others have no such knobs);
    looked up once, not at every photo whose size changes the threshold."""
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
