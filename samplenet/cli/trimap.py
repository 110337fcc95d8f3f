"""``samplenet trimap PHOTO --box x0,y0,x1,y1 [--point x,y[,0|1]]... --out trimap.png``."""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from ..errors import MattingInputError
from ..io import load_image, quoted
from ..segmentation import auto_trimap
from ..segmentation.auto import SEGMENTERS
from ..segmentation.prompts import parse_box_text, parse_point_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trimap",
        help="make a trimap automatically from a box and/or clicks",
        description="Segment the subject from a box and/or clicks (SAM when $SAMPLENET_SEGMENTER names "
        "one that loads, else the weight-free segmenter) and write a trimap PNG: white subject, black "
        "background, grey unknown band.",
    )
    parser.add_argument("photo", help="the photo (PNG, JPEG, ...)")
    parser.add_argument("--box", default=None, help="x0,y0,x1,y1: left, top, right, bottom around the subject (pixels)")
    parser.add_argument(
        "--point",
        action="append",
        default=[],
        metavar="X,Y[,LABEL]",
        help="a click: x,y on the subject, or x,y,0 on the background (x,y,1 = subject); repeatable",
    )
    parser.add_argument(
        "--band-width", type=float, default=None, help="unknown band in pixels each side (default: adaptive)"
    )
    parser.add_argument(
        "--segmenter", choices=SEGMENTERS, default="auto",
        help="'sam' (needs transformers and $SAMPLENET_SEGMENTER), 'classical' (weight-free) or "
        "'auto' (SAM when it loads, else classical; default)",
    )
    parser.add_argument("--out", required=True, help="the trimap PNG to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise MattingInputError(f"--out must name a .png file (a trimap must be lossless), got {quoted(str(out))}.")
    if out.is_dir():
        raise MattingInputError(f"--out {quoted(str(out))} is a folder; give a file name such as {out / 'trimap.png'}.")
    if not out.parent.is_dir():
        raise MattingInputError(f"The folder of --out, '{out.parent}', does not exist.")
    box = None if args.box is None else parse_box_text(args.box)
    parsed = [parse_point_text(text) for text in args.point]
    photo = load_image(args.photo)
    trimap, info = auto_trimap(
        photo,
        box=box,
        points=[p for p, _ in parsed] or None,
        point_labels=[label for _, label in parsed] or None,
        band_width=args.band_width,
        segmenter=args.segmenter,
        return_info=True,
    )
    Image.fromarray(trimap).save(out)
    unknown = float((trimap == 128).mean()) * 100
    note = f" ({info.note})" if info.note else ""
    print(f"{info.segmenter} segmenter{note}: {photo.shape[1]}x{photo.shape[0]}, {unknown:.1f}% unknown -> {out}")
    return 0
