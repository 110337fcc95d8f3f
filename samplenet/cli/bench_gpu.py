"""``samplenet bench gpu``: the command line of :mod:`samplenet.benchmarks.gpu`."""
from __future__ import annotations

import argparse
import sys

from ..benchmarks.gpu import (
    FIXTURE,
    GPU_MODES,
    GPU_SIZES,
    add_predictions,
    calibrated_model,
    checks_table,
    compare_devices,
    load_fixture,
    predictions_table,
    require_cuda,
    strict_failures,
    zerogpu_check,
)
from ..benchmarks.speed import DEFAULT_SAMPLING_MAX_SIDE, format_rows, run_benchmark
from ..tables import machine_description, output_paths, write_csv, write_json
from .bench_speed import _positive, parse_modes, parse_sizes


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gpu",
        help="on a CUDA machine: fp32 vs CPU, fp16/bf16 differences, ZeroGPU path, speed table",
        description="Check SampleNet on a CUDA GPU: fp32 against the CPU on the fidelity fixture "
        "(TF32 off and PyTorch's default), bf16/fp16 against fp32, the engine called through a "
        "spaces.GPU-decorated function, then the speed table by size (each run in its own process). "
        "Exits with status 2 where there is no CUDA, 1 if a strict check fails.",
    )
    parser.add_argument("--device", default="cuda", help="CUDA device (default cuda)")
    parser.add_argument("--fixture", default=str(FIXTURE), help="fidelity fixture .npz (default: the checkout's)")
    parser.add_argument("--sizes", type=parse_sizes, default=list(GPU_SIZES),
                        help="megapixels for the speed table (default 0.25,0.5,1,2,4)")
    parser.add_argument("--modes", type=parse_modes, default=list(GPU_MODES),
                        help=f"speed-table modes (default {','.join(GPU_MODES)})")
    parser.add_argument("--repeats", type=_positive(int), default=3, help="runs per (size, mode) (default 3)")
    parser.add_argument("--dense-limit-gb", type=_positive(float), default=40.0,
                        help="skip dense where its memory is estimated above this (default 40)")
    parser.add_argument("--timeout", type=_positive(float), default=1800.0, help="seconds per run (default 1800)")
    parser.add_argument("--no-speed", action="store_true", help="only the checks, no speed table")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--out", help="also save the rows as CSV + JSON (name ending in .csv or .json)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    device = require_cuda(args.device)  # exit status 2 with the reason where there is no CUDA
    paths = output_paths(args.out) if args.out else None
    image, trimap = load_fixture(args.fixture)
    machine = machine_description()
    import torch

    print(f"machine: {machine}; GPU: {torch.cuda.get_device_name(device)}", flush=True)
    checks = compare_devices(device, image, trimap)
    checks.append(zerogpu_check(device, image, trimap))
    print(checks_table(checks, markdown=args.markdown), flush=True)
    speed_rows = []
    if not args.no_speed:
        speed_rows = run_benchmark(
            args.sizes, args.modes, args.repeats, DEFAULT_SAMPLING_MAX_SIDE, args.dense_limit_gb, args.timeout,
            progress=lambda text: print(text, file=sys.stderr, flush=True), device=str(device),
        )
        print()
        print(format_rows(speed_rows, markdown=args.markdown))
        model = calibrated_model(device)
        add_predictions(speed_rows, model, DEFAULT_SAMPLING_MAX_SIDE)
        print(f"\ncost model (samplenet/budget/cost_model.py), speed factor {model.scale:.3g} x the reference CPU "
              "from one 320x320 run on this GPU:")
        print(predictions_table(speed_rows, markdown=args.markdown))
    if paths:
        write_csv(paths[0], checks)  # the JSON holds the speed rows too
        write_json(paths[1], {"machine": machine, "checks": checks, "speed": speed_rows})
    failed = strict_failures(checks)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
