"""``samplenet convert``: the reference's .pth checkpoints -> a weights folder."""
from __future__ import annotations

import argparse

from ..weights import convert_reference_checkpoints
from ..weights.locate import ENV_VAR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert the reference implementation's checkpoints to a SampleNet weights folder",
        description="Convert the three checkpoints published with the reference implementation "
        "(TomoshibiAkira/LearningBasedSamplingMatting) into a folder holding model.safetensors, "
        "config.json and a README.md model card. The callables each .pth file would call are listed "
        "without unpickling it and any beyond what tensors need is refused by name; then the file is "
        "read with torch.load(weights_only=True). A matting "
        "conv1 with fewer than 10 input channels is zero-padded, as the reference loader does. Every "
        "key and shape is checked; mismatches are reported by name. Existing files of the same names "
        "in the output folder are replaced.",
    )
    parser.add_argument("--bg", required=True, metavar="BGDFV1.pth", help="background sampler checkpoint")
    parser.add_argument("--fg", required=True, metavar="FGDFV1.pth", help="foreground sampler checkpoint")
    parser.add_argument("--matting", required=True, metavar="LSM_80.pth", help="matting network checkpoint")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder = convert_reference_checkpoints(args.bg, args.fg, args.matting, args.out)
    print(f"wrote SampleNet weights to {folder}")
    print(f"  use them:    --weights {folder}   or   export {ENV_VAR}={folder}")
    print(f"  share them:  samplenet push {folder} USER/REPO")
    return 0
