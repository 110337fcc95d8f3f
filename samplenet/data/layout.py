"""Finding the files of a training or validation dataset on disk.

Two layouts are understood:

* **composition** (the Deep Image Matting layout): ``fg/`` and ``alpha/``
  hold foreground colours and their mattes under the same file stems, and
  ``bg/`` is a pool of background photos.  Every foreground is composited
  over several backgrounds, after augmentation, so the ground truth stays
  exact.
* **plain**: ``image/`` and ``alpha/`` under the same stems, optionally
  ``fg/`` and ``bg/`` (the true colours behind each image, same stems) and
  ``trimap/``.  With ``fg/`` and ``bg/`` the images are recomposed after
  augmentation like the composition layout; without them only the matting
  stage can use the folder.

Problems (missing folders, unpaired files, unreadable images) are reported
as :class:`~samplenet.errors.MattingInputError` naming the folder or file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MattingInputError
from ..io import load_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class DatasetFiles:
    """The files of one dataset folder.

    ``items`` pairs the per-sample files: for the composition layout each
    item has ``fg`` and ``alpha``; for the plain layout ``image`` and
    ``alpha`` and, when present, ``fg``, ``bg`` and ``trimap``.
    ``backgrounds`` is the composition layout's pool (empty for plain).
    """

    root: Path
    layout: str
    items: list[dict[str, Path]]
    backgrounds: list[Path] = field(default_factory=list)

    @property
    def has_true_colours(self) -> bool:
        """Whether true foreground and background colours are known, which the
        sampler stages need as their targets."""
        if self.layout == "composition":
            return True
        return all("fg" in item and "bg" in item for item in self.items)

    def __len__(self) -> int:
        return len(self.items)


def _images_in(folder: Path) -> dict[str, Path]:
    files = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            if path.stem in files:
                raise MattingInputError(
                    f"Two files share the name {path.stem!r} in {folder}: "
                    f"{files[path.stem].name} and {path.name}; keep one."
                )
            files[path.stem] = path
    return files


def _require_folder(root: Path, name: str, layout_hint: str) -> Path:
    folder = root / name
    if not folder.is_dir():
        raise MattingInputError(f"The dataset {root} has no {name}/ folder ({layout_hint}).")
    return folder


def _pair(root: Path, first: str, second: str, optional: tuple[str, ...] = ()) -> list[dict[str, Path]]:
    """Match files of ``first/`` with ``second/`` (and optional folders) by
    stem; every file of ``first/`` needs its partner."""
    primary = _images_in(root / first)
    if not primary:
        raise MattingInputError(f"The folder {root / first} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    partners = _images_in(root / second)
    extra = {name: _images_in(root / name) for name in optional if (root / name).is_dir()}
    items = []
    for stem, path in primary.items():
        if stem not in partners:
            raise MattingInputError(f"{path} has no {second} matte: expected {root / second / stem}.png (same name).")
        item = {first: path, second: partners[stem]}
        for name, files in extra.items():
            if stem not in files:
                raise MattingInputError(f"{path} has no file in {root / name}/ (expected the same name {stem}).")
            item[name] = files[stem]
        items.append(item)
    return items


def find_dataset(root: str | Path) -> DatasetFiles:
    """Read the layout of a dataset folder (see the module docstring)."""
    root = Path(root)
    if not root.exists():
        raise MattingInputError(f"The dataset folder {root} does not exist.")
    if not root.is_dir():
        raise MattingInputError(f"The dataset path {root} is a file, not a folder.")
    hint = "expected image/ + alpha/ (plain layout) or fg/ + alpha/ + bg/ (composition layout)"
    if (root / "image").is_dir():
        _require_folder(root, "alpha", hint)
        items = _pair(root, "image", "alpha", optional=("fg", "bg", "trimap"))
        return DatasetFiles(root, "plain", items)
    if (root / "fg").is_dir():
        _require_folder(root, "alpha", hint)
        bg_folder = _require_folder(root, "bg", hint)
        items = _pair(root, "fg", "alpha")
        backgrounds = list(_images_in(bg_folder).values())
        if not backgrounds:
            raise MattingInputError(f"The background pool {bg_folder} holds no images.")
        return DatasetFiles(root, "composition", items, backgrounds)
    raise MattingInputError(f"The dataset {root} has neither image/ nor fg/ ({hint}).")


def read_rgb(path: Path) -> np.ndarray:
    """An image file as ``HxWx3`` float32 RGB in [0, 1]."""
    return load_image(path).astype(np.float32) / 255.0


def read_alpha(path: Path) -> np.ndarray:
    """A matte file as ``HxW`` float32 in [0, 1] (a colour file uses its
    first channel; mattes are stored grey)."""
    return load_image(path)[:, :, 0].astype(np.float32) / 255.0


def check_same_size(path_a: Path, a: np.ndarray, path_b: Path, b: np.ndarray) -> None:
    if a.shape[:2] != b.shape[:2]:
        raise MattingInputError(
            f"{path_a} is {a.shape[1]}x{a.shape[0]} but {path_b} is {b.shape[1]}x{b.shape[0]}; "
            "they must have the same size."
        )
