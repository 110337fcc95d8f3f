"""``samplenet bench sketch``: the command line of :mod:`samplenet.benchmarks.sketch_case`."""
from __future__ import annotations

import argparse

from ..benchmarks.sketch_case import run_sketch_case
from ..process import tune_process


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text[:80]!r}") from None
    if not 0 < value < 100:
        raise argparse.ArgumentTypeError(f"expected a scale between 0 and 100, got {text[:80]!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sketch",
        help="the weight-free engine on a rough sketch trimap (grey outline, small white stroke)",
        description="Build a visitor's rough sketch from a trimap's subject (a grey outline around it, "
        "a small white stroke at its centre, the rest background), matte it with the weight-free "
        "engine and print the time and the solver's report.",
    )
    parser.add_argument("image", help="the photo")
    parser.add_argument("trimap", help="a trimap of the subject: its unknown and foreground pixels form the outline")
    parser.add_argument("--scale", type=_positive_float, default=1.0,
                        help="resize the photo first (2.07: the lemur to about 1 MP)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    tune_process()  # as the other benchmarks do: the command line owns its process
    run_sketch_case(args.image, args.trimap, args.scale)
    return 0
