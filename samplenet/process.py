"""Opting a process in to SampleNet's CPU tuning: thread count and memory reuse.

Both settings belong to the whole process, not to an engine: PyTorch has
one intra-op thread pool and glibc one allocator. A library must leave its
host process as it found it, so ``samplenet.load`` and the engines never
touch them; the entry points that own their process (``app.py``, the
``samplenet`` command line) call :func:`tune_process` once at start-up, and
so may a library user who wants the same speed::

    import samplenet
    samplenet.tune_process(threads=4)   # before the first matte
    matter = samplenet.load()

docs/speed-and-memory.md has the measured effect of each.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from . import allocator
from .errors import MattingInputError
from .io import quoted

#: Environment variable read for the thread count when ``threads`` is not given.
THREADS_ENV = "SAMPLENET_THREADS"

#: Thread counts above this many per logical CPU are refused: past the core
#: count more threads only contend, and absurd counts make OpenMP exhaust
#: memory or abort the whole process while creating its pool.
THREADS_PER_CPU_LIMIT = 4


def cpu_count() -> int:
    """Logical CPUs this process may run on (its affinity mask where known)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def max_threads() -> int:
    """The largest thread count accepted here: a small multiple of the CPUs."""
    return THREADS_PER_CPU_LIMIT * cpu_count()


def check_threads(value: object, name: str = "threads") -> int:
    """``value`` as a thread count in ``[1, max_threads()]``, else a
    :class:`~samplenet.errors.MattingInputError` naming ``name``."""
    limit = max_threads()
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise MattingInputError(
            f"{name} must be a whole number from 1 to {limit} ({THREADS_PER_CPU_LIMIT} per CPU, "
            f"{cpu_count()} CPU(s) here), got {quoted(value)}"
        )
    return value


def threads_from_environment() -> int | None:
    """``$SAMPLENET_THREADS`` as a checked thread count, or ``None`` if unset."""
    text = os.environ.get(THREADS_ENV, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise MattingInputError(f"{THREADS_ENV}={quoted(text)} is not a whole number of threads") from None
    return check_threads(value, THREADS_ENV)


@dataclass(frozen=True)
class ProcessTuning:
    """What :func:`tune_process` did: the thread count it set (``None`` =
    PyTorch's default kept) and whether freed memory is reused."""

    threads: int | None
    reuses_freed_memory: bool


def tune_process(threads: int | None = None, reuse_memory: bool = True) -> ProcessTuning:
    """Tune this whole process for SampleNet on CPU; call it once, at start-up.

    Args:
        threads: PyTorch intra-op threads (:func:`torch.set_num_threads`);
            ``None`` = ``$SAMPLENET_THREADS`` if set, else PyTorch's default
            stays. At most :func:`max_threads`.
        reuse_memory: let glibc keep freed blocks for reuse, with a threshold
            the SampleNet engine then adapts to each photo's size (see
            :mod:`samplenet.allocator`); ``$SAMPLENET_REUSE_MEMORY=0``
            overrides it. Linux/glibc only; elsewhere it does nothing.

    Raises:
        MattingInputError: a thread count that is not a whole number in
            ``[1, max_threads()]``; nothing is changed then.
    """
    chosen = check_threads(threads) if threads is not None else threads_from_environment()
    if chosen is not None:
        torch.set_num_threads(chosen)
    reusing = allocator.opt_in() if reuse_memory else False
    return ProcessTuning(threads=chosen, reuses_freed_memory=reusing)
