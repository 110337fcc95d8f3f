"""Rebuild the sample trimaps from the committed photos with
``samplenet.auto_trimap`` (the weight-free segmenter), from the box and
clicks listed below, what a visitor would give on the Auto tab.

Run from the repository root: ``python examples/make_trimaps.py``.  With
``--preview DIR`` it also renders, per sample, photo | trimap over the photo
| alpha | composite over green (weight-free engine) into
``DIR/<name>_check.png``, to check each trimap by eye: no background chunk
kept as subject, no hard cut through hair or fur.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

import samplenet
from samplenet.io import load_image

HERE = Path(__file__).resolve().parent

# name -> (photo file, box (x0, y0, x1, y1) or None, clicks [(x, y, label)]; 1 = subject, 0 = background)
SAMPLES: dict[str, tuple[str, tuple[int, int, int, int] | None, list[tuple[int, int, int]]]] = {
    "lemur": ("lemur.png", (125, 45, 485, 388), [(300, 150, 1), (260, 177, 1)]),  # the second click: its yellow eye
    "astronaut": (
        "astronaut.jpg",
        (10, 5, 385, 272),
        [
            (225, 120, 1),
            (220, 40, 1),
            (150, 240, 1),
            (300, 240, 1),
            (180, 175, 1),
            (70, 255, 1),
            (250, 262, 1),
            (140, 215, 1),
            (200, 250, 1),
            (40, 150, 0),
            (330, 60, 0),
            (360, 150, 0),
        ],
    ),
    "chelsea": (
        "chelsea.jpg",
        None,
        [
            (200, 150, 1),
            (320, 120, 1),
            (330, 200, 1),
            (300, 30, 1),
            (100, 250, 1),
            (290, 280, 1),
            (435, 80, 0),
            (440, 200, 0),
            (440, 280, 0),
            (15, 40, 0),
        ],
    ),
    "raccoon": ("raccoon.jpg", (0, 0, 560, 380), [(360, 180, 1), (150, 100, 1)]),
}


def fill_enclosed_unknown(trimap: np.ndarray) -> np.ndarray:
    """Unknown islands that touch no background become subject.

    The segmenter leaves such islands where the subject's inside resembles
    the backdrop (the light fabric inside the astronaut's helmet ring, her
    left shoulder); the matting then fills them with background colours, a
    see-through hole in the composite.  An island with no background pixel
    next to it has no background to mix with: it is subject."""
    import cv2

    count, labels = cv2.connectedComponents((trimap == 128).astype(np.uint8), connectivity=8)
    near_background = cv2.dilate((trimap == 0).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    open_islands = np.unique(labels[near_background & (labels > 0)])
    enclosed = (labels > 0) & ~np.isin(labels, open_islands)
    return np.where(enclosed, np.uint8(255), trimap)


def render_check(photo: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Photo | trimap over the photo | alpha | composite over green, side by side."""
    result = samplenet.load(engine="classical")(photo, trimap)
    overlay = photo.astype(np.float32)
    overlay[trimap == 0] *= 0.35
    overlay[trimap == 128] = 0.5 * overlay[trimap == 128] + 0.5 * np.array([255, 0, 255])
    alpha = np.dstack([(result.alpha * 255).round().astype(np.uint8)] * 3)
    green = result.composite((0, 200, 0))
    return np.hstack([photo, overlay.astype(np.uint8), alpha, green])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preview", type=Path, default=None, help="folder for the check renders")
    parser.add_argument("--only", nargs="*", default=None, help="sample names to rebuild (default: all)")
    args = parser.parse_args()
    for name, (file, box, clicks) in SAMPLES.items():
        if args.only and name not in args.only:
            continue
        photo = load_image(HERE / file)
        trimap, info = samplenet.auto_trimap(
            photo,
            box=box,
            points=[(x, y) for x, y, _ in clicks] or None,
            point_labels=[label for _, _, label in clicks] or None,
            segmenter="classical",
            return_info=True,
        )
        trimap = fill_enclosed_unknown(trimap)
        Image.fromarray(trimap).save(HERE / f"{name}_trimap.png", optimize=True)
        print(f"{name}: {info.segmenter} segmenter, {np.mean(trimap == 128):.1%} unknown")
        if args.preview:
            args.preview.mkdir(parents=True, exist_ok=True)
            Image.fromarray(render_check(photo, trimap)).save(args.preview / f"{name}_check.png")


if __name__ == "__main__":
    main()
