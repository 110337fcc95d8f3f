"""Options and helpers shared by the commands that run an engine."""
from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from ..engines import ENGINES, load
from ..engines.base import Matter
from ..errors import MattingInputError
from ..io import check_pixel_count, pixel_limit, quoted
from ..models.layers import SIZE_MULTIPLE
from ..process import check_threads, tune_process
from ..result_files import check_output_folder

logger = logging.getLogger("samplenet")


def writable_output_folder(out_dir: str | Path) -> Path:
    """Create ``--out`` and prove a file can be written there, before any
    matte is computed: a read-only folder used to be found out only when the
    first result was saved, after the work.  Writing a real (temporary) file
    is the only test that holds everywhere: ``os.access`` says yes to root
    on read-only folders and on places such as ``/proc`` where nothing can
    be created.

    Raises:
        OSError: naming the folder and the reason (the CLI exits with 2).
    """
    out = check_output_folder(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise PermissionError(
            f"The output folder {quoted(str(out))} is not writable ({exc.strerror or exc}); "
            "choose another --out."
        ) from None
    return out


def positive_int(text: str) -> int:
    """argparse type for counts such as ``--limit``: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {quoted(text)}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


#: Engine options of the SampleNet engine that the CLI passes through as given.
SAMPLENET_ONLY_OPTIONS = ("precision", "attention", "sampling_max_side")


def parse_size(text: str) -> tuple[int, int]:
    """``"800x600"`` -> ``(800, 600)`` (width, height), for argparse."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like WxH, e.g. 800x800; got {quoted(text)}") from None
    if width <= 0 or height <= 0 or width % SIZE_MULTIPLE or height % SIZE_MULTIPLE:
        raise argparse.ArgumentTypeError(
            f"size {quoted(text)}: width and height must be positive multiples of {SIZE_MULTIPLE} (the network strides)"
        )
    try:  # the network size costs memory like a photo of that size: the same limit applies
        check_pixel_count(width, height, "network size (--size)", pixel_limit(None))
    except MattingInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return width, height


def engine_name(text: str) -> str:
    """argparse type for ``--engine``: one of :data:`ENGINES`.  Used instead
    of ``choices=`` because argparse would echo a wrong value whole."""
    if text not in ENGINES:
        raise argparse.ArgumentTypeError(f"unknown engine {quoted(text)}; choose one of {', '.join(ENGINES)}")
    return text


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine, --weights, --device, --half, --precision, --attention,
    --sampling-max-side, --threads, --size."""
    parser.add_argument(
        "--engine",
        type=engine_name,
        metavar="{" + ",".join(ENGINES) + "}",
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
        "--precision",
        choices=("fp32", "bf16", "fp16"),
        default=None,
        help="SampleNet only: compute precision; bf16 on CUDA or CPUs with native bf16, fp16 on CUDA "
        "(default fp32; see docs/speed-and-memory.md for the measured differences)",
    )
    parser.add_argument(
        "--attention",
        choices=("exact", "dense"),
        default=None,
        help="SampleNet only: contextual-attention implementation; 'exact' (default) computes in "
        "blocks with memory linear in pixels, 'dense' is the straightforward one (same numbers)",
    )
    parser.add_argument(
        "--sampling-max-side",
        type=int,
        default=None,
        metavar="PX",
        help="SampleNet only: run the two sampling networks with the longer side capped at PX and "
        "the matting network at full resolution (faster on large photos; default: full resolution)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="PyTorch CPU threads for this process, up to 4 per CPU (default: $SAMPLENET_THREADS, "
        "else PyTorch's default)",
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
    """Build the engine the options ask for and say which one runs.

    The command line owns its process, so it opts in to the CPU tuning
    (threads from ``--threads`` or ``$SAMPLENET_THREADS``, memory reuse)
    that a library call never applies by itself."""
    threads = getattr(args, "threads", None)
    tune_process(threads=None if threads is None else check_threads(threads, "--threads"))
    options = {}
    if args.half:
        options["half"] = True
    for name in SAMPLENET_ONLY_OPTIONS:
        value = getattr(args, name, None)
        if value is not None:
            options[name] = value
    if args.engine == "classical" and options:
        flags = ", ".join("--" + name.replace("_", "-") for name in options)
        raise ValueError(f"{flags}: SampleNet options, not used by the classical engine")
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
