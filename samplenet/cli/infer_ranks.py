"""``samplenet infer`` in several processes: joining, sharing, summing up.

``torchrun --nproc_per_node=N -m samplenet infer ...`` (with ``--nnodes``
across machines) sets ``RANK`` and ``WORLD_SIZE``.  Each process then takes
every N-th pair of the list starting at its rank (disjoint shares of equal
size whatever the order of the list), writes into the shared output folder
and sends its counts and failures to the others, so that rank 0 can print
one summary for the whole list.  Joining the process group and picking one
GPU per process is what training does (:mod:`samplenet.training.distributed`);
without ``WORLD_SIZE`` > 1 nothing is joined and everything is local.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..io import quoted

Item = TypeVar("Item")


@dataclass
class Ranks:
    """This process's place among the ones matting the same list."""

    rank: int = 0
    world_size: int = 1
    device: str | None = None  # the device asked for, or this rank's own GPU
    process: Any = None  # training.distributed.ProcessInfo when a group was joined

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def label(self) -> str:
        """`` [rank 1/4]`` to append to messages and the progress bar ('' when alone)."""
        return f" [rank {self.rank}/{self.world_size}]" if self.distributed else ""


def world_size_from_env() -> int:
    """``WORLD_SIZE`` as torchrun sets it; 1 when unset."""
    raw = os.environ.get("WORLD_SIZE", "").strip()
    if not raw:
        return 1
    try:
        return max(1, int(raw))
    except ValueError:
        raise ValueError(f"environment variable WORLD_SIZE must be an integer, got {quoted(raw)}") from None


def join(device: str | None) -> Ranks:
    """Join the process group when started by torchrun with several
    processes (gloo on CPUs, NCCL on GPUs, one GPU per local rank when
    ``device`` is ``None`` or ``"cuda"``); otherwise a single-process
    :class:`Ranks` that leaves ``device`` as asked."""
    if world_size_from_env() <= 1:
        return Ranks(device=device)
    # Imported only here: training's package pulls in more than one process needs.
    from ..training.distributed import setup

    info = setup(device)
    return Ranks(info.rank, info.world_size, str(info.device), info)


def shard(items: Sequence[Item], ranks: Ranks) -> list[Item]:
    """This rank's share: every ``world_size``-th item from ``rank`` on."""
    return list(items[ranks.rank::ranks.world_size])


def combine(written: int, failures: list[str], ranks: Ranks) -> tuple[int, list[str]]:
    """The whole list's count of written results and its failures, on every rank."""
    if not ranks.distributed:
        return written, failures
    import torch.distributed as dist

    gathered: list[Any] = [None] * ranks.world_size
    dist.all_gather_object(gathered, (written, failures))
    return sum(count for count, _ in gathered), [line for _, lines in gathered for line in lines]


def leave(ranks: Ranks) -> None:
    """Leave the process group if :func:`join` joined one."""
    if ranks.process is not None:
        from ..training.distributed import teardown

        teardown(ranks.process)
