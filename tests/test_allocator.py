"""samplenet.allocator: freed memory is reused instead of page-faulted in again."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from glibc_probe import MALLINFO2_PRELUDE, glibc_only

from samplenet import allocator

REPO = Path(__file__).resolve().parents[1]

#: Run in a fresh interpreter: allocate and free a 64 MB tensor and report
#: how many of its bytes glibc kept for reuse (mallinfo2's free bytes in
#: the heap) and how many megabytes of separately mapped blocks are left.
HELD_PROBE = MALLINFO2_PRELUDE + """
import json, sys
import torch
from samplenet.allocator import reuse_freed_memory
applied = reuse_freed_memory() if sys.argv[1] == "reuse" else False
before = libc.mallinfo2().fordblks
tensor = torch.ones(16 * 1024 * 1024)
mapped_while_alive = libc.mallinfo2().hblkhd
del tensor
after = libc.mallinfo2()
print(json.dumps({"applied": applied, "held_mb": (after.fordblks - before) / 2**20,
                  "mapped_while_alive_mb": mapped_while_alive / 2**20}))
"""


def run_probe(mode: str, env_switch: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    env.pop(allocator.ENV_SWITCH, None)
    if env_switch is not None:
        env[allocator.ENV_SWITCH] = env_switch
    done = subprocess.run(
        [sys.executable, "-c", HELD_PROBE, mode], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@glibc_only
def test_freed_tensor_memory_stays_in_the_heap_for_reuse():
    probe = run_probe("reuse")
    assert probe["applied"] is True
    assert probe["held_mb"] >= 60


@glibc_only
def test_by_default_glibc_maps_large_tensors_apart_and_returns_them():
    """The premise: with glibc's defaults a 64 MB tensor gets its own
    mapping, handed back to the OS when freed, so the next one is
    page-faulted in again."""
    probe = run_probe("plain")
    assert probe["mapped_while_alive_mb"] >= 64
    assert probe["held_mb"] < 16


@glibc_only
def test_environment_switch_turns_it_off():
    probe = run_probe("reuse", env_switch="0")
    assert probe["applied"] is False
    assert probe["held_mb"] < 16


@pytest.mark.parametrize("value", ["0", "false", "No", " off "])
def test_switch_values_that_mean_no(monkeypatch, value):
    monkeypatch.setenv(allocator.ENV_SWITCH, value)
    assert allocator.reuse_enabled_by_environment() is False
    assert allocator.reuse_freed_memory() is False


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "1G"])
def test_bad_threshold_is_refused(bad):
    with pytest.raises(ValueError, match="threshold_bytes"):
        allocator.reuse_freed_memory(bad)


def test_threshold_falls_for_large_photos():
    assert allocator.threshold_for_pixels(500_000) == allocator.DEFAULT_THRESHOLD_BYTES
    assert allocator.threshold_for_pixels(1_000_000) == allocator.DEFAULT_THRESHOLD_BYTES
    assert allocator.threshold_for_pixels(2_000_000) == allocator.DEFAULT_THRESHOLD_BYTES // 4
    assert allocator.threshold_for_pixels(4_000_000) == allocator.MIN_THRESHOLD_BYTES
    assert allocator.threshold_for_pixels(50_000_000) == allocator.MIN_THRESHOLD_BYTES
    sizes = [allocator.threshold_for_pixels(p) for p in range(500_000, 5_000_000, 250_000)]
    assert sizes == sorted(sizes, reverse=True)
