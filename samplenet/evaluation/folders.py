"""Scoring a folder of predicted mattes against ground truth.

Used by ``samplenet evaluate``.  Files are paired by name: the ground-truth
file ``GT01.png`` goes with the trimap ``GT01.png`` and with the prediction
``GT01.png`` or ``GT01_alpha.png`` (what ``samplenet predict`` writes), so a
prediction folder can hold the other outputs too.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MattingInputError
from ..io import load_image, load_trimap
from .metrics import METRICS, all_metrics

#: File name endings read as images.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

#: Endings a prediction's name may add to the ground truth's name, in order
#: of preference (``GT01_alpha.png`` for ``GT01.png``).
PREDICTION_SUFFIXES = ("_alpha", "-alpha", ".alpha", "_pred", "-pred", "_matte", "-matte")
TRIMAP_SUFFIXES = ("_trimap", "-trimap", ".trimap")


def image_files(folder: str | os.PathLike, what: str) -> dict[str, Path]:
    """``stem -> path`` of the image files in ``folder`` (sorted by name).

    Raises MattingInputError if the folder does not exist or holds none.
    """
    path = Path(folder)
    if not path.exists():
        raise MattingInputError(f"The {what} folder '{path}' does not exist.")
    if not path.is_dir():
        raise MattingInputError(f"The {what} path '{path}' is not a folder.")
    files = {p.stem: p for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}
    if not files:
        raise MattingInputError(
            f"The {what} folder '{path}' holds no image files ({', '.join(IMAGE_SUFFIXES)})."
        )
    return files


def find_partner(stem: str, files: dict[str, Path], suffixes: Iterable[str]) -> Path | None:
    """The file for ``stem``: same name, else the name plus one of
    ``suffixes`` (first match wins), else ``None``."""
    if stem in files:
        return files[stem]
    for suffix in suffixes:
        if stem + suffix in files:
            return files[stem + suffix]
    return None


def load_matte(path: str | os.PathLike, what: str = "alpha matte") -> np.ndarray:
    """Read an alpha matte file as float64 in [0, 1].

    Grey files are read as they are; RGB files must have three equal
    channels (the alphamatting.com ground truth is stored so).  A colour
    image is refused rather than silently turned into grey: it is most
    likely a photo or a cut-out given by mistake.
    """
    try:
        rgb = load_image(path)
    except MattingInputError as exc:
        raise MattingInputError(f"{what}: {exc}") from None
    first = rgb[:, :, 0]
    if not (np.array_equal(first, rgb[:, :, 1]) and np.array_equal(first, rgb[:, :, 2])):
        raise MattingInputError(
            f"The {what} '{path}' is a colour image; expected a greyscale alpha matte "
            "(or RGB with three equal channels)."
        )
    return first.astype(np.float64) / 255.0


@dataclass
class EvaluationResult:
    """Per-image errors (``rows``: name + the four metrics), their means,
    and the images that could not be scored with the reason."""

    rows: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    @property
    def means(self) -> dict[str, float]:
        """Mean of each error over the scored images (empty if none)."""
        if not self.rows:
            return {}
        return {name: float(np.mean([row[name] for row in self.rows])) for name in METRICS}


def evaluate_pair(pred_path: Path, gt_path: Path, trimap_path: Path) -> dict[str, float]:
    """The four errors of one prediction file, with errors naming the file."""
    pred = load_matte(pred_path, "predicted matte")
    gt = load_matte(gt_path, "ground-truth matte")
    trimap = load_trimap(trimap_path)
    if pred.shape != gt.shape or trimap.shape != gt.shape:
        raise MattingInputError(
            f"Sizes differ: prediction '{pred_path}' is {pred.shape[1]}x{pred.shape[0]}, "
            f"ground truth '{gt_path}' is {gt.shape[1]}x{gt.shape[0]}, "
            f"trimap '{trimap_path}' is {trimap.shape[1]}x{trimap.shape[0]}."
        )
    try:
        return all_metrics(pred, gt, trimap)
    except MattingInputError as exc:
        raise MattingInputError(f"'{trimap_path}': {exc}") from None


def evaluate_folders(
    pred_dir: str | os.PathLike,
    gt_dir: str | os.PathLike,
    trimap_dir: str | os.PathLike,
    progress: bool = True,
) -> EvaluationResult:
    """Score every ground-truth matte that has a trimap and a prediction.

    An image whose files are missing, unreadable or of different sizes is
    recorded in ``skipped`` with a message naming the file; the others are
    still scored.
    """
    from tqdm.auto import tqdm

    gts = image_files(gt_dir, "ground-truth")
    preds = image_files(pred_dir, "prediction")
    trimaps = image_files(trimap_dir, "trimap")
    result = EvaluationResult()
    for stem, gt_path in tqdm(gts.items(), desc="evaluate", unit="image", disable=not progress):
        pred_path = find_partner(stem, preds, PREDICTION_SUFFIXES)
        trimap_path = find_partner(stem, trimaps, TRIMAP_SUFFIXES)
        if pred_path is None:
            result.skipped.append({"image": stem, "reason": f"no prediction for '{gt_path}' in '{pred_dir}' "
                                   f"(looked for {stem}.* and {stem}{PREDICTION_SUFFIXES[0]}.* ...)"})
            continue
        if trimap_path is None:
            result.skipped.append({"image": stem, "reason": f"no trimap for '{gt_path}' in '{trimap_dir}'"})
            continue
        try:
            scores = evaluate_pair(pred_path, gt_path, trimap_path)
        except MattingInputError as exc:
            result.skipped.append({"image": stem, "reason": str(exc)})
            continue
        result.rows.append({"image": stem, "prediction": str(pred_path), **scores})
    return result
