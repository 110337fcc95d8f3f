"""``samplenet bench auto-trimap``: the command line of :mod:`samplenet.evaluation.auto_trimap`."""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from ..errors import MattingInputError
from ..evaluation.auto_trimap import run_benchmark, summarise
from ..process import tune_process
from ..segmentation.auto import SEGMENTERS

logger = logging.getLogger("samplenet")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "auto-trimap",
        help="automatic trimaps (box, box + click) against hand-made ones",
        description="Box = the subject's bounds in the ground truth + 3% of the side on each edge; click = "
        "the opaque pixel deepest inside the visible subject. Each trimap is matted with the weight-free "
        "engine and scored by the whole-image SAD against the ground truth, next to the same engine with "
        "the folder's hand-made trimaps.",
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
        help="first lay every subject over a photo of DIR (photos in name order, cycled; the 1st, 3rd, ... "
        "subject's photo blurred as if out of focus) and score it there, hand trimaps included: a check on "
        "backgrounds that the segmenter's settings were not chosen on",
    )
    parser.add_argument(
        "--corrections",
        type=int,
        default=0,
        metavar="N",
        help="also follow a simulated visitor who adds up to N clicks to the box, each at the deepest point of "
        "the largest region the trimap got surely wrong (background click where it kept background, subject "
        "click where it dropped subject), and print the SAD after each click",
    )
    parser.add_argument(
        "--segmenter",
        choices=SEGMENTERS,
        default="classical",
        help="who segments: the classical segmenter (default; what the issue's target measures), SAM from "
        "$SAMPLENET_SEGMENTER (a Hub repo id such as facebook/sam-vit-base or a folder; needs samplenet[segment], "
        "fails at once when it cannot be loaded) or auto (SAM when it loads, else classical; the table says "
        "which ran)",
    )
    parser.add_argument(
        "--jitter",
        type=int,
        default=0,
        metavar="N",
        help="also score N boxes per photo with each side moved by up to 2%% of the photo (fixed seed) and print "
        "each photo's median and worst SAD (is the Auto tool steady under an imprecise box?)",
    )
    parser.add_argument(
        "--strokes",
        type=int,
        default=0,
        metavar="N",
        help="also follow a simulated visitor who paints up to N corrective strokes (discs of 1%% of the diagonal "
        "where the trimap is most surely wrong), each segmentation starting from the last, and print the SAD "
        "and seconds after each stroke",
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
        backgrounds=_backgrounds_folder(args.backgrounds),
        corrections=args.corrections,
        segmenter=args.segmenter,
        jitter=args.jitter,
        strokes=args.strokes,
    )
    print(summarise(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


def _backgrounds_folder(value: str | None) -> Path | None:
    if value is None:
        return None
    if not value.strip():
        raise MattingInputError("--backgrounds needs a folder of photos, got an empty name.")
    return Path(value)
