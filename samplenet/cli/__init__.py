"""The ``samplenet`` command line.

Each sub-command lives in its own module with a ``register(subparsers)``
function that adds its parser and sets ``func`` to the function that runs
it; :data:`COMMAND_MODULES` lists them in the order ``--help`` shows them.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

COMMAND_MODULES = [
    "samplenet.cli.predict",
    "samplenet.cli.infer",
    "samplenet.cli.convert",
    "samplenet.cli.trimap",
    "samplenet.cli.push",
    "samplenet.cli.evaluate",
    "samplenet.cli.bench",
    "samplenet.cli.synth",
    "samplenet.cli.train",
    "samplenet.cli.export",
]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every module of :data:`COMMAND_MODULES` registered."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="samplenet",
        description="SampleNet natural image matting: predict, evaluate, benchmark, convert and train.",
    )
    parser.add_argument("--version", action="version", version=f"samplenet {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="print debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", help="what to do")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``samplenet`` console script; returns the exit code.

    Errors about the user's input, weights or files print one clear line
    and exit with status 2 instead of a traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    # ValueError covers MattingInputError and WeightsFormatError; OSError
    # covers WeightsNotFoundError, WeightsUploadError and file-system
    # problems such as an output path that is a file or not writable.
    except (ValueError, OSError) as exc:
        print(f"samplenet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"samplenet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
