"""``samplenet bench auto-trimap``: the command line of :mod:`samplenet.evaluation.auto_trimap`."""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from ..evaluation.auto_trimap import run_benchmark, summarise
from ..process import tune_process

logger = logging.getLogger("samplenet")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "auto-trimap",
        help="automatic trimaps (box, box + click) against hand-made ones",
        description="Box = the subject's bounds in the ground truth + 3% of the side on each edge; "
        "each trimap is matted with the weight-free engine; whole-image SAD against the hand trimaps.",
    )
    parser.add_argument(
        "--data", required=True, help="folder with image/, alpha/ and trimap*/ (alphamatting.com layout)"
    )
    parser.add_argument("--cv", action="store_true", help="two-fold cross-validation over CV_GRID's settings")
    parser.add_argument(
        "--previous", action="store_true", help="also score the previous Auto tool (GrabCut + 12 px band)"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N photos")
    parser.add_argument(
        "--backgrounds",
        default=None,
        metavar="DIR",
        help="lay every subject over a photo of DIR first (name order, cycled; every other one blurred "
        "as if out of focus): the same protocol on backgrounds no setting was chosen on",
    )
    parser.add_argument("--json", default=None, help="also save every score to this JSON file")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    tune_process()  # as the other benchmarks do: the command line owns its process
    result = run_benchmark(
        Path(args.data),
        cv=args.cv,
        previous=args.previous,
        limit=args.limit,
        progress=lambda line: logger.info(line),
        backgrounds=Path(args.backgrounds) if args.backgrounds else None,
    )
    print(summarise(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0
