"""``samplenet bench trimap-band``: the command line of :mod:`samplenet.benchmarks.trimap_band`."""
from __future__ import annotations

import argparse

from ..benchmarks.trimap_band import print_band_table
from .common import positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trimap-band",
        help="CPU time of the mask -> trimap band (/trimap) on large photos, before and after",
        description="Time the unknown band of a mask -> trimap conversion on square photos with a disc, "
        "the old erosion with a disc beside the distance maps used now; prints a Markdown table.",
    )
    parser.add_argument("--sides", type=positive_int, nargs="+", default=[1500, 3000, 6000], help="photo sides (px)")
    parser.add_argument("--bands", type=positive_int, nargs="+", default=[10, 200], help="band widths (px)")
    parser.add_argument("--old-max-side", type=positive_int, default=3000,
                        help="time the old erosion only up to this side (it takes minutes beyond)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print_band_table(args.sides, args.bands, args.old_max_side)
    return 0
