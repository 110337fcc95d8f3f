"""Reading a benchmark folder in the alphamatting.com layout.

::

    DATA/image/GT01.png      the photos
    DATA/trimap1/GT01.png    one folder per trimap set (trimap1, trimap2, ...)
    DATA/alpha/GT01.png      the ground-truth alpha mattes

Every file is loaded and cross-checked before any engine runs, so that a
malformed folder fails at once with the name of the offending file instead
of after an hour of matting.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MattingInputError
from ..io import UNKNOWN, load_image, load_trimap
from .folders import find_partner, image_files, load_matte


@dataclass
class BenchmarkCase:
    """One image with one of its trimaps and its ground truth."""

    image_name: str
    trimap_set: str
    image_path: Path
    trimap_path: Path
    image: np.ndarray  # HxWx3 uint8 RGB
    trimap: np.ndarray  # HxW uint8 0/128/255
    alpha: np.ndarray  # HxW float64 [0, 1]


def trimap_sets(data: Path, wanted: Sequence[str] | None = None) -> list[str]:
    """Names of the trimap folders to use: ``wanted`` (each must exist) or
    every sub-folder whose name starts with ``trimap``."""
    if wanted:
        for name in wanted:
            if not (data / name).is_dir():
                raise MattingInputError(f"The trimap folder '{data / name}' does not exist.")
        return list(wanted)
    found = sorted(p.name for p in data.iterdir() if p.is_dir() and p.name.startswith("trimap"))
    if not found:
        raise MattingInputError(
            f"'{data}' has no trimap folder: expected sub-folders named trimap, trimap1, trimap2, ..."
        )
    return found


def load_benchmark_set(
    data: str | os.PathLike,
    trimaps: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[BenchmarkCase]:
    """All (image, trimap set) cases of a benchmark folder, image by image.

    Args:
        data: the folder holding ``image/``, ``trimap*/`` and ``alpha/``.
        trimaps: trimap folder names to use (default: all ``trimap*``).
        limit: use only the first ``limit`` images (sorted by name).

    Raises:
        MattingInputError: a folder or file is missing or unreadable, sizes
            differ, or a trimap has no unknown pixel; the message names it.
    """
    root = Path(data)
    if not root.is_dir():
        raise MattingInputError(f"The benchmark folder '{root}' does not exist or is not a folder.")
    images = image_files(root / "image", "image")
    alphas = image_files(root / "alpha", "ground-truth alpha")
    sets = trimap_sets(root, trimaps)
    trimap_files = {name: image_files(root / name, "trimap") for name in sets}
    names = list(images)[:limit] if limit else list(images)

    cases: list[BenchmarkCase] = []
    for name in names:
        image_path = images[name]
        alpha_path = find_partner(name, alphas, ())
        if alpha_path is None:
            raise MattingInputError(
                f"No ground-truth alpha for '{image_path}': expected '{root / 'alpha' / name}.png'."
            )
        image = load_image(image_path)
        alpha = load_matte(alpha_path, "ground-truth matte")
        if alpha.shape != image.shape[:2]:
            raise MattingInputError(
                f"'{alpha_path}' is {alpha.shape[1]}x{alpha.shape[0]} but '{image_path}' is "
                f"{image.shape[1]}x{image.shape[0]}."
            )
        for set_name in sets:
            trimap_path = find_partner(name, trimap_files[set_name], ())
            if trimap_path is None:
                raise MattingInputError(f"No trimap for '{image_path}' in '{root / set_name}'.")
            trimap = load_trimap(trimap_path)
            if trimap.shape != image.shape[:2]:
                raise MattingInputError(
                    f"'{trimap_path}' is {trimap.shape[1]}x{trimap.shape[0]} but '{image_path}' is "
                    f"{image.shape[1]}x{image.shape[0]}."
                )
            if not np.any(trimap == UNKNOWN):
                raise MattingInputError(f"The trimap '{trimap_path}' has no unknown (grey) pixel.")
            cases.append(BenchmarkCase(name, set_name, image_path, trimap_path, image, trimap, alpha))
    return cases
