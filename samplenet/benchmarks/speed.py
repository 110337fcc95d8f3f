"""``samplenet bench speed``: time and peak memory of the SampleNet modes
by photo size.

Every (size, mode) runs in its own Python process, so the peak resident
memory it reports (``ru_maxrss`` of that process) belongs to that run alone:
weights, imports and the largest intermediate tensors included. The input is
a synthetic portrait (a head-and-shoulders silhouette over a textured
background, with an unknown band around it as wide as a hairline's) and the
networks get seeded random weights, so the benchmark needs no download and
gives the same work on every machine. Alpha from each mode is compared with
the dense mode's where the dense mode fits in memory.

Modes:

* ``dense``: the straightforward contextual attention (every patch against
  every patch at once).
* ``exact``: the blocked attention (the default; same result up to float
  rounding).
* ``reduced``: exact, with the sampling networks capped at
  ``--sampling-max-side`` pixels.
* ``exact-bf16``: exact in bf16 autocast (CPUs with native bf16, CUDA).
* ``exact-fp16``: exact in fp16 autocast (CUDA only).

``device="cuda"`` (``samplenet bench gpu``) runs the SampleNet modes on the
GPU and adds each run's peak GPU memory.
* ``classical``: the weight-free engine.
"""
from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

MODES = ("dense", "exact", "reduced", "exact-bf16", "exact-fp16", "classical")
DEFAULT_MODES = ("dense", "exact", "reduced", "classical")
DEFAULT_SIZES = (0.25, 0.5, 1.0, 2.0, 4.0)
DEFAULT_SAMPLING_MAX_SIDE = 800
#: Dense runs whose estimated peak memory exceeds this are skipped.
DEFAULT_DENSE_LIMIT_GB = 8.0
WEIGHT_SEED = 0


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


def side_for_megapixels(megapixels: float) -> int:
    """Side of a square photo of about that many megapixels, a multiple of 8."""
    return max(64, int(round(math.sqrt(megapixels * 1e6) / 8)) * 8)


def synthetic_portrait(side: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8 image, trimap uint8 0/128/255) of a head-and-shoulders
    silhouette over a textured background. The unknown band is 4% of the
    side wide around the whole outline, like a portrait's hair and
    shoulders; foreground is about a third of the picture."""
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) / side
    head = ((xx - 0.5) / 0.17) ** 2 + ((yy - 0.38) / 0.22) ** 2 <= 1.0
    body = (((xx - 0.5) / 0.38) ** 2 + ((yy - 1.05) / 0.42) ** 2 <= 1.0) & (yy > 0.55)
    neck = (np.abs(xx - 0.5) < 0.08) & (yy > 0.5) & (yy < 0.7)
    subject = head | body | neck

    coarse = rng.uniform(0, 1, (8, 8, 3)).astype(np.float32)
    texture = cv2.resize(coarse, (side, side), interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0, 0.04, (side, side, 3)).astype(np.float32)
    background = 0.25 + 0.5 * texture + fine + 0.2 * yy[..., None]
    skin = np.array([0.85, 0.62, 0.5], np.float32) + 0.05 * np.sin(40 * xx)[..., None]
    image = np.where(subject[..., None], skin, background)
    image = (np.clip(image, 0, 1) * 255).round().astype(np.uint8)

    band = max(2, int(0.04 * side))
    inside = cv2.distanceTransform(subject.astype(np.uint8), cv2.DIST_L2, 3)
    outside = cv2.distanceTransform((~subject).astype(np.uint8), cv2.DIST_L2, 3)
    trimap = np.full((side, side), 128, np.uint8)
    trimap[inside > band / 2] = 255
    trimap[outside > band / 2] = 0
    return image, trimap


def seeded_random_samplenet(seed: int = WEIGHT_SEED):
    """A SampleNet with random weights whose activations neither vanish nor
    explode (conv weights ~ N(0, 1/fan_in), batch norm near identity):
    the same amount of work as trained weights, and no download."""
    import torch

    from ..models.samplenet import SampleNet

    generator = torch.Generator().manual_seed(seed)
    model = SampleNet()
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            leaf = name.rsplit(".", 1)[-1]
            if not tensor.is_floating_point():
                continue
            if leaf == "running_var":
                tensor.fill_(1.0)
            elif leaf == "running_mean":
                tensor.zero_()
            elif tensor.dim() == 1:
                tensor.copy_(1.0 if leaf == "weight" else 0.01 * torch.randn(tensor.shape, generator=generator))
            else:
                fan_in = tensor[0].numel()
                tensor.copy_(torch.randn(tensor.shape, generator=generator) / math.sqrt(fan_in))
    return model.eval()


#: Peak resident memory of a dense run ~ base + this many bytes per entry of
#: the (positions x positions) score matrix at 1/8 resolution (its copies
#: during fusion and softmax), fitted to a measured dense run with the
#: channels-last fused layout and memory reuse; docs/speed-and-memory.md
#: has the measurement.
DENSE_BYTES_PER_SCORE = 23
DENSE_BASE_BYTES = 600_000_000


def dense_estimate_bytes(side: int) -> int:
    """Expected peak RSS of a dense run on a ``side x side`` photo."""
    positions = (side // 8) ** 2
    return DENSE_BASE_BYTES + DENSE_BYTES_PER_SCORE * positions * positions


# --------------------------------------------------------------------------
# One (size, mode) in a child process
# --------------------------------------------------------------------------


def build_engine(mode: str, sampling_max_side: int, device: str = "cpu"):
    if mode == "classical":
        from ..engines.classical import ClassicalMatter

        return ClassicalMatter()
    from ..engines.samplenet_engine import SampleNetMatter

    options: dict[str, Any] = {"device": device, "attention": "dense" if mode == "dense" else "exact"}
    if mode == "reduced":
        options["sampling_max_side"] = sampling_max_side
    if mode == "exact-bf16":
        options["precision"] = "bf16"
    if mode == "exact-fp16":
        options["precision"] = "fp16"
    return SampleNetMatter(seeded_random_samplenet(), **options)


def run_child(
    side: int, mode: str, repeats: int, sampling_max_side: int, alpha_path: str | None, device: str = "cpu"
) -> dict:
    """Build the engine, matte the portrait ``repeats`` times; -> times and
    this process's peak RSS (and peak GPU memory on CUDA)."""
    import torch

    from ..process import tune_process

    tune_process()  # the child is an entry point of its own, tuned as the CLI and the app are
    image, trimap = synthetic_portrait(side)
    engine = build_engine(mode, sampling_max_side, device)
    engine(*synthetic_portrait(64))  # untimed: lazy initialisation, not the size's work
    times, loads = [], []
    alpha = None
    for _ in range(repeats):
        loads.append(os.getloadavg()[0])
        start = time.perf_counter()
        alpha = engine(image, trimap).alpha
        times.append(time.perf_counter() - start)
    if alpha_path:
        np.save(alpha_path, alpha)
    on_gpu = device.startswith("cuda") and mode != "classical"
    return {
        "peak_gpu_bytes": torch.cuda.max_memory_allocated(device) if on_gpu else None,
        "times": times,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "load": max(loads),
        "threads": torch.get_num_threads(),
    }


def measure(
    side: int,
    mode: str,
    repeats: int,
    sampling_max_side: int,
    alpha_path: str | None,
    timeout: float,
    device: str = "cpu",
) -> dict:
    """Run :func:`run_child` in a fresh interpreter and return its report."""
    command = [
        sys.executable, "-m", "samplenet.benchmarks.speed", "--child",
        json.dumps({"side": side, "mode": mode, "repeats": repeats,
                    "sampling_max_side": sampling_max_side, "alpha_path": alpha_path, "device": device}),
    ]
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"took more than {timeout:.0f} s"}
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        if done.returncode < 0:
            reason = f"killed by signal {-done.returncode} (out of memory?)"
        return {"error": reason}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def run_benchmark(
    sizes: list[float],
    modes: list[str],
    repeats: int = 1,
    sampling_max_side: int = DEFAULT_SAMPLING_MAX_SIDE,
    dense_limit_gb: float = DEFAULT_DENSE_LIMIT_GB,
    timeout: float = 3600.0,
    progress=print,
    device: str = "cpu",
) -> list[dict[str, Any]]:
    """One row per (size, mode): median seconds, peak RSS, max |alpha -
    dense alpha| (dense runs first at each size when asked for)."""
    rows = []
    ordered = sorted(modes, key=lambda m: m != "dense")
    with tempfile.TemporaryDirectory(prefix="samplenet-speed-") as scratch:
        for megapixels in sizes:
            side = side_for_megapixels(megapixels)
            dense_alpha = None
            for mode in ordered:
                row: dict[str, Any] = {
                    "megapixels": round(side * side / 1e6, 3), "size": f"{side}x{side}", "mode": mode,
                    "median_s": None, "peak_rss_gb": None, "max_alpha_diff_vs_dense": None, "note": "",
                }
                if device.startswith("cuda"):
                    row["peak_gpu_gb"] = None
                rows.append(row)
                if mode == "dense":
                    estimate = dense_estimate_bytes(side) / 1e9
                    if estimate > dense_limit_gb:
                        row["note"] = f"skipped: dense needs ~{estimate:.0f} GB (> {dense_limit_gb:g})"
                        progress(f"{row['size']} {mode}: {row['note']}")
                        continue
                alpha_path = os.path.join(scratch, f"{side}-{mode}.npy")
                progress(f"{row['size']} {mode}: running ...")
                report = measure(side, mode, repeats, sampling_max_side, alpha_path, timeout, device)
                if "error" in report:
                    row["note"] = f"failed: {report['error']}"
                    progress(f"{row['size']} {mode}: {row['note']}")
                    continue
                row["median_s"] = statistics.median(report["times"])
                row["peak_rss_gb"] = report["peak_rss_bytes"] / 1e9
                if report.get("peak_gpu_bytes") is not None:
                    row["peak_gpu_gb"] = report["peak_gpu_bytes"] / 1e9
                row["note"] = f"load {report['load']:.1f}, {report['threads']} threads"
                alpha = np.load(alpha_path)
                if mode == "dense":
                    dense_alpha = alpha
                elif dense_alpha is not None and mode != "classical":
                    row["max_alpha_diff_vs_dense"] = float(np.abs(alpha - dense_alpha).max())
                progress(f"{row['size']} {mode}: {row['median_s']:.1f} s, {row['peak_rss_gb']:.2f} GB")
    return rows


def format_rows(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    from ..tables import format_table

    gpu = any("peak_gpu_gb" in r for r in rows)
    headers = ["MP", "size", "mode", "median s", "peak RSS GB"] + (["peak GPU GB"] if gpu else [])
    headers += ["max |Δα| vs dense", "note"]
    lines = [
        [r["megapixels"], r["size"], r["mode"], r["median_s"], r["peak_rss_gb"]]
        + ([r.get("peak_gpu_gb")] if gpu else [])
        + [r["max_alpha_diff_vs_dense"], r["note"]]
        for r in rows
    ]
    return format_table(headers, lines, markdown=markdown)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        spec = json.loads(sys.argv[2])
        print(json.dumps(run_child(spec["side"], spec["mode"], spec["repeats"], spec["sampling_max_side"],
                                   spec["alpha_path"], spec.get("device", "cpu"))))
        sys.exit(0)
    sys.exit("run it as: samplenet bench speed [options]")
