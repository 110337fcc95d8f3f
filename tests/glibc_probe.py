"""Watching glibc's allocator from a child interpreter, for the tests of
samplenet.allocator and of the library leaving its host process alone."""
from __future__ import annotations

import sys

import pytest

from samplenet import allocator

#: The start of a probe script: ``libc.mallinfo2()`` returns glibc's counters
#: (``hblkhd``: bytes in separately mapped blocks; ``fordblks``: free bytes
#: kept in the heap).
MALLINFO2_PRELUDE = """
import ctypes
libc = ctypes.CDLL("libc.so.6")
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc.mallinfo2.restype = MallInfo2
"""


def _has_mallinfo2() -> bool:
    try:
        import ctypes

        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or allocator._glibc_mallopt() is None or not _has_mallinfo2(),
    reason="needs glibc >= 2.33 (mallopt, mallinfo2)",
)
