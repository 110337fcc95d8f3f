"""``samplenet bench BENCHMARK ...``: benchmarks that print tables.

Each benchmark lives in its own module with a ``register(subparsers)``
function, like the top-level commands; :data:`BENCH_MODULES` lists them.
"""
from __future__ import annotations

import argparse
import importlib

BENCH_MODULES = [
    "samplenet.cli.bench_quality",
    "samplenet.cli.bench_speed",
    "samplenet.cli.bench_gpu",
    "samplenet.cli.bench_budget",
    "samplenet.cli.bench_auto_trimap",
    "samplenet.cli.bench_trimap_band",
    "samplenet.cli.bench_sketch",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="run a benchmark and print its table",
        description="Benchmarks that print tables and save them as CSV/JSON.",
    )
    bench_parsers = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", help="which benchmark to run")
    for name in BENCH_MODULES:
        importlib.import_module(name).register(bench_parsers)

    def no_benchmark(args: argparse.Namespace) -> int:
        parser.print_help()
        return 1

    parser.set_defaults(func=no_benchmark)
