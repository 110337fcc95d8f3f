"""``samplenet infer --eval DATA_DIR --out OUT_DIR``: the reference's batch inference.

Accepts the reference implementation's data layout: ``DATA_DIR/val_set.txt``
with one "image trimap" pair of paths (relative to DATA_DIR) per line.

Under ``torchrun --nproc_per_node=N`` (one machine or several) each process
mattes its own share of the list into the same output folder and rank 0
prints the summary for all of them; see :mod:`samplenet.cli.infer_ranks`.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from tqdm import tqdm

from ..errors import MattingInputError
from ..io import prepare_inputs, quoted
from ..result_files import save_result
from . import infer_ranks
from .common import add_engine_options, engine_from_args, predict_options, writable_output_folder

logger = logging.getLogger("samplenet")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "infer",
        help="matte every pair listed in a folder's val_set.txt",
        description="Batch inference on the reference's layout: DATA_DIR/val_set.txt lists "
        "'rgb/x.png trimap/x.png' per line. Writes <name>_alpha/_fg/_bg/_rgb/_trimap/_cutout.png "
        "per image. Bad files and unreadable lines are reported and skipped; the exit code is 1 if "
        "any failed. Under torchrun --nproc_per_node=N each process mattes its own share of the list "
        "into the same folder and rank 0 prints the summary.",
    )
    parser.add_argument("--eval", required=True, dest="data_dir", metavar="DATA_DIR", help="dataset folder")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument(
        "--list", default="val_set.txt", help="list file inside DATA_DIR (default: val_set.txt)"
    )
    add_engine_options(parser)
    parser.set_defaults(func=run)


def read_pairs(data_dir: Path, list_name: str) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Parse the list file into (image, trimap) paths and the lines that
    were skipped, each named by file, line number and reason.

    A line that is not UTF-8 (a file name in another encoding) is skipped
    and reported rather than ending the whole run; a line with one column
    or a list without pairs means the file is not such a list and is an
    error.
    """
    list_path = data_dir / list_name
    if not data_dir.is_dir():
        raise MattingInputError(f"dataset folder '{data_dir}' does not exist")
    if not list_path.is_file():
        raise MattingInputError(f"'{list_path}' not found: expected lines 'rgb/x.png trimap/x.png'")
    pairs, skipped = [], []
    for number, raw in enumerate(list_path.read_bytes().splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            skipped.append(
                f"{list_path}:{number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}: "
                f"{exc.reason}); line skipped: {quoted(raw)}"
            )
            continue
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2:
            raise MattingInputError(f"{list_path}:{number}: expected 'image trimap', got {quoted(line.strip())}")
        pairs.append((data_dir / parts[0], data_dir / parts[-1]))
    if not pairs:
        if skipped:
            raise MattingInputError(f"'{list_path}' lists no readable images: {'; '.join(skipped[:3])}")
        raise MattingInputError(f"'{list_path}' lists no images")
    return pairs, skipped


def run(args: argparse.Namespace) -> int:
    pairs, skipped_lines = read_pairs(Path(args.data_dir), args.list)
    writable_output_folder(args.out)  # a bad --out fails before the work
    ranks = infer_ranks.join(args.device)
    try:
        if ranks.distributed:
            args.device = ranks.device  # one GPU per process where there are GPUs
        try:
            matter = engine_from_args(args)
        except (ValueError, OSError) as exc:
            if not ranks.distributed:
                raise
            # The other processes wait for this one in combine(): reach it, then fail.
            infer_ranks.combine(0, [f"process {ranks.rank}: {exc}"], ranks)
            raise
        options = predict_options(args)
        mine = infer_ranks.shard(pairs, ranks)
        written = 0
        failures = list(skipped_lines) if ranks.is_main else []  # every rank read the list; one reports it
        progress = tqdm(mine, desc=f"matting ({matter.name}){ranks.label}", unit="img", disable=not ranks.is_main)
        for image_path, trimap_path in progress:
            try:
                image, trimap = prepare_inputs(image_path, trimap_path)
                result = matter(image, trimap, **options)
                save_result(result, args.out, image_path.stem, trimap=trimap)
            except (MattingInputError, OSError, RuntimeError) as exc:
                # one bad pair (or a full disk, or out of memory on one photo) ends neither the
                # batch nor, under torchrun, leaves the other processes waiting in combine()
                reason = str(exc) if isinstance(exc, MattingInputError) else f"{type(exc).__name__}: {exc}"
                failures.append(f"{image_path}: {reason}")
                tqdm.write(f"skipped {image_path}: {reason}")
                continue
            written += 1
            logger.debug("wrote %s%s", image_path.stem, ranks.label)
        written, failures = infer_ranks.combine(written, failures, ranks)
    finally:
        infer_ranks.leave(ranks)
    if ranks.is_main:
        processes = f" by {ranks.world_size} processes" if ranks.distributed else ""
        listed = len(pairs) + len(skipped_lines)
        print(f"wrote {written} of {listed} results to {args.out}{processes}")
        if failures:
            print(f"{len(failures)} failed:")
            for line in failures:
                print(f"  {line}")
    return 1 if failures else 0
