"""``samplenet bench speed``: the command line of :mod:`samplenet.benchmarks.speed`."""
from __future__ import annotations

import argparse
import sys

from ..benchmarks.speed import (
    DEFAULT_DENSE_LIMIT_GB,
    DEFAULT_MODES,
    DEFAULT_SAMPLING_MAX_SIDE,
    DEFAULT_SIZES,
    MODES,
    format_rows,
    run_benchmark,
)
from ..tables import machine_description, output_paths, write_csv, write_json


def parse_sizes(text: str) -> list[float]:
    try:
        sizes = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes megapixels separated by commas, got {text!r}") from None
    if not sizes or any(not (0 < s <= 64) or s != s for s in sizes):
        raise argparse.ArgumentTypeError(f"--sizes: each size must be in (0, 64] megapixels, got {text!r}")
    return sizes


def parse_modes(text: str) -> list[str]:
    modes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [m for m in modes if m not in MODES]
    if not modes or unknown:
        raise argparse.ArgumentTypeError(
            f"--modes: unknown {', '.join(unknown) or '(empty)'}; choose from {', '.join(MODES)}"
        )
    return list(dict.fromkeys(modes))


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "speed",
        help="time and peak memory of dense/exact/reduced SampleNet and the weight-free engine by size",
        description="Matte a synthetic portrait at several sizes with each mode, every run in its own "
        "process, and print median time, peak resident memory and the largest alpha difference from "
        "the dense mode (random seeded weights; no download needed).",
    )
    parser.add_argument("--sizes", type=parse_sizes, default=list(DEFAULT_SIZES),
                        help="megapixels, comma-separated (default 0.25,0.5,1,2,4)")
    parser.add_argument("--modes", type=parse_modes, default=list(DEFAULT_MODES),
                        help=f"comma-separated, from {','.join(MODES)} (default {','.join(DEFAULT_MODES)})")
    parser.add_argument("--repeats", type=_positive(int), default=1, help="runs per (size, mode); the median is shown")
    parser.add_argument("--sampling-max-side", type=_positive(int), default=DEFAULT_SAMPLING_MAX_SIDE,
                        help="longer side of the samplers' input in the reduced mode (default 800)")
    parser.add_argument("--dense-limit-gb", type=_positive(float), default=DEFAULT_DENSE_LIMIT_GB,
                        help="skip dense where its peak memory is estimated to exceed this (default 8)")
    parser.add_argument("--timeout", type=_positive(float), default=3600.0, help="seconds per run (default 3600)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--out", help="also save the rows as CSV + JSON (name ending in .csv or .json)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = output_paths(args.out) if args.out else None
    if args.sampling_max_side < 64:
        raise ValueError(f"--sampling-max-side must be at least 64, got {args.sampling_max_side}")
    machine = machine_description()
    print(f"machine: {machine}", flush=True)
    rows = run_benchmark(
        args.sizes, args.modes, args.repeats, args.sampling_max_side, args.dense_limit_gb, args.timeout,
        progress=lambda text: print(text, file=sys.stderr, flush=True),
    )
    print(format_rows(rows, markdown=args.markdown))
    if paths:
        write_csv(paths[0], rows)
        write_json(paths[1], {"machine": machine, "rows": rows})
    return 0


