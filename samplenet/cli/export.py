"""``samplenet export RUN_DIR --out DIR``: training runs -> Hub weights folder."""
from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="combine training runs into a SampleNet weights folder (Hub format)",
        description="Write model.safetensors + config.json + README.md that samplenet.load and the app read "
        "(then: samplenet push). A matting run brings the samplers it was trained with; any network can "
        "be given or replaced with --background/--foreground/--matting (a run folder or a weights folder).",
    )
    parser.add_argument("run", nargs="?", default=None, help="a training run folder (any stage)")
    parser.add_argument("--out", required=True, help="output weights folder")
    for part in ("background", "foreground", "matting"):
        parser.add_argument(f"--{part}", default=None, metavar="RUN_OR_WEIGHTS", help=f"source of the {part} network")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..training.export import export_weights

    if args.run is None and not (args.background or args.foreground or args.matting):
        raise ValueError("give a run folder or --background/--foreground/--matting sources")
    out = export_weights(args.out, args.run, args.background, args.foreground, args.matting)
    print(f"wrote SampleNet weights to {out}; try: samplenet predict IMAGE TRIMAP --engine samplenet --weights {out}")
    return 0
