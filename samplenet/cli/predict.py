"""``samplenet predict IMAGE TRIMAP --out DIR``: matte one photo."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..io import prepare_inputs
from ..result_files import save_result
from .common import add_engine_options, engine_from_args, predict_options, writable_output_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="matte one image with its trimap",
        description="Matte one image and write <name>_alpha.png, _fg.png, _bg.png, _cutout.png "
        "(RGBA), _rgb.png and _trimap.png into the output folder.",
    )
    parser.add_argument("image", help="the photo (PNG, JPEG, ...)")
    parser.add_argument("trimap", help="its trimap: white foreground, black background, grey unknown")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    add_engine_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    writable_output_folder(args.out)  # a bad --out fails before the work
    image, trimap = prepare_inputs(args.image, args.trimap)
    matter = engine_from_args(args)
    result = matter(image, trimap, **predict_options(args))
    paths = save_result(result, args.out, Path(args.image).stem, trimap=trimap)
    print(f"{result.engine}: {image.shape[1]}x{image.shape[0]} in {result.info.get('seconds', 0):.2f} s")
    for kind, path in paths.items():
        print(f"  {kind:7s} {path}")
    return 0
