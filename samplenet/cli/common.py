"""Options and helpers shared by the commands that run an engine."""
from __future__ import annotations

import argparse
import logging

from ..engines import ENGINES, load
from ..engines.base import Matter

logger = logging.getLogger("samplenet")


def positive_int(text: str) -> int:
    """argparse type for counts such as ``--limit``: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def parse_size(text: str) -> tuple[int, int]:
    """``"800x600"`` -> ``(800, 600)`` (width, height), for argparse."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like WxH, e.g. 800x800; got {text!r}") from None
    if width <= 0 or height <= 0 or width % 8 or height % 8:
        raise argparse.ArgumentTypeError(
            f"size {text!r}: width and height must be positive multiples of 8 (the network strides)"
        )
    return width, height


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine, --weights, --device, --half, --size."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="matting engine: 'samplenet' (needs weights), 'classical' (weight-free) or 'auto' "
        "(SampleNet when weights are found, else classical; default)",
    )
    parser.add_argument(
        "--weights",
        default=None,
        help="SampleNet weights: a Hugging Face Hub repo id or a local folder with model.safetensors "
        "and config.json (default: $SAMPLENET_WEIGHTS)",
    )
    parser.add_argument(
        "--device",
        default=None,
        help="torch device for SampleNet, e.g. cpu, cuda, cuda:1 (default: CUDA when available)",
    )
    parser.add_argument(
        "--half", action="store_true", help="SampleNet in half precision on CUDA (default: fp32)"
    )
    parser.add_argument(
        "--size",
        type=parse_size,
        default=None,
        metavar="WxH",
        help="SampleNet only: resize inputs to WxH (multiples of 8) like the reference's "
        "inference.py, then resize outputs back; default: native resolution",
    )


def engine_from_args(args: argparse.Namespace) -> Matter:
    """Build the engine the options ask for and say which one runs."""
    options = {}
    if args.half:
        options["half"] = True
    matter = load(engine=args.engine, weights=args.weights, device=args.device, **options)
    reason = getattr(matter, "fallback_reason", None)
    if reason:
        logger.warning("running the weight-free 'classical' engine (no SampleNet weights found)")
    logger.info("engine: %s", matter.name)
    if args.size is not None and matter.name != "samplenet":
        raise ValueError("--size applies to the samplenet engine only")
    return matter


def predict_options(args: argparse.Namespace) -> dict:
    """The per-call options the engine options ask for (``size`` when given)."""
    return {"size": args.size} if args.size is not None else {}
