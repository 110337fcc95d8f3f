"""``samplenet push DIR REPO_ID``: upload a weights folder to the Hugging Face Hub."""
from __future__ import annotations

import argparse
import sys

from ..errors import WeightsUploadError
from ..weights import push_to_hub


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "push",
        help="upload a weights folder to the Hugging Face Hub",
        description="Check a weights folder (as written by `samplenet convert`) and upload its "
        "model.safetensors, config.json and README.md to a Hugging Face Hub model repo, creating the "
        "repo (and branch) if needed. Needs network access and a token with write access "
        "(`hf auth login`, --token or HF_TOKEN).",
    )
    parser.add_argument("folder", metavar="DIR", help="the weights folder to upload")
    parser.add_argument("repo_id", metavar="REPO_ID", help="Hub model repo, e.g. your-name/samplenet")
    parser.add_argument("--private", action="store_true", help="create the repo as private (if it does not exist yet)")
    parser.add_argument(
        "--revision",
        "--branch",
        dest="revision",
        default=None,
        metavar="BRANCH",
        help="upload to this branch, created if needed (default: main)",
    )
    parser.add_argument(
        "--token", default=None, help="Hugging Face access token (default: the logged-in token or $HF_TOKEN)"
    )
    parser.add_argument("--message", default=None, help="commit message (default: 'Upload SampleNet weights')")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        url = push_to_hub(
            args.folder,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            token=args.token,
            commit_message=args.message,
        )
    except WeightsUploadError as exc:
        print(f"samplenet push: error: {exc}", file=sys.stderr)
        return 2
    print(f"uploaded {args.folder} to {url}")
    print(f"  use it: --weights {args.repo_id}" + (f" (revision {args.revision})" if args.revision else ""))
    return 0
