"""One process or many: what ``torchrun`` tells us, and the few collective
operations the trainer needs.

``torchrun --nproc_per_node=N -m samplenet train ...`` sets ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous variables; we then join
the process group with NCCL on GPUs or gloo on CPUs.  Without them
everything runs in one process and the collectives do nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class ProcessInfo:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    initialised_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None


def choose_device(requested: str | None, local_rank: int) -> torch.device:
    """``requested`` (``cpu``, ``cuda``, ``cuda:N``) or CUDA when present;
    with several processes a bare ``cuda`` means this process's GPU."""
    if requested is None:
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(requested)
    except RuntimeError:
        raise ValueError(f"unknown device {requested!r}; use cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {requested!r} asked for, but CUDA is not available here")
        if device.index is None:
            device = torch.device("cuda", local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise ValueError(f"unsupported device {requested!r}; use cpu, cuda or cuda:N")
    return device


def setup(requested_device: str | None) -> ProcessInfo:
    """Read the torchrun environment and join the process group if needed."""
    world_size = _env_int("WORLD_SIZE", 1)
    rank = _env_int("RANK", 0)
    local_rank = _env_int("LOCAL_RANK", rank)
    device = choose_device(requested_device, local_rank)
    initialised_here = False
    if world_size > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
        initialised_here = True
    return ProcessInfo(rank, world_size, local_rank, device, initialised_here)


def teardown(info: ProcessInfo) -> None:
    if info.initialised_here and dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: ProcessInfo) -> None:
    if info.distributed:
        dist.barrier()


def average(values: torch.Tensor, info: ProcessInfo) -> torch.Tensor:
    """Mean of a tensor over all processes (itself with one process)."""
    if not info.distributed:
        return values
    values = values.clone()
    dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values / info.world_size
