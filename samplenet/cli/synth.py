"""``samplenet synth --out DIR --count N``: write a synthetic training set."""
from __future__ import annotations

import argparse

from .common import positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="write a synthetic matting dataset (for trying out training and for tests)",
        description="Write soft shapes with hair-like strands and semi-transparent regions over textured "
        "backgrounds. --layout composition (default) writes fg/, alpha/ and a bg/ pool (the Deep Image "
        "Matting layout, for training); --layout plain writes image/, alpha/, fg/, bg/ and trimap/ "
        "(for --val).",
    )
    parser.add_argument("--out", required=True, help="new or empty output folder")
    parser.add_argument("--count", type=positive_int, required=True, help="number of foregrounds / samples")
    parser.add_argument("--size", type=positive_int, default=320, help="image side in pixels (default 320)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--layout", choices=("composition", "plain"), default="composition",
                        help="composition: fg/, alpha/, bg/ pool, for training (default); "
                        "plain: image/, alpha/, fg/, bg/, trimap/, for --val")
    parser.add_argument("--backgrounds", type=positive_int, default=None,
                        help="composition layout: size of the background pool (default: --count)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data.synth import write_synthetic_dataset

    files = write_synthetic_dataset(
        args.out, args.count, size=args.size, seed=args.seed, layout=args.layout, backgrounds=args.backgrounds
    )
    pool = f" and {len(files.backgrounds)} backgrounds" if files.backgrounds else ""
    print(f"wrote {len(files)} {args.size}x{args.size} samples{pool} to {files.root} ({files.layout} layout)")
    return 0
