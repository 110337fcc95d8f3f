"""Rebuild the sample trimaps from the committed photos with the app's own
Auto tool: GrabCut seeded by the strokes below, then an unknown band.

Run from the repository root: ``python examples/make_trimaps.py``.  It also
writes ``<name>_overlay.png`` previews into ``--preview`` (default: not
written) so the trimaps can be checked by eye.  ``lemur_trimap.png`` is the
trimap distributed with the CC0 lemur photo (scaled) and is not rebuilt.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from samplenet.app.pictures import overlay_trimap
from samplenet.app.trimap_tools import strokes_to_trimap
from samplenet.io import load_image

HERE = Path(__file__).resolve().parent

# name -> (band width, foreground strokes, background strokes); strokes are
# polylines of (x, y) points in the photo's pixels, painted 9 px wide.
SEEDS: dict[str, tuple[int, list[list[tuple[int, int]]], list[list[tuple[int, int]]]]] = {
    "astronaut": (
        10,
        [[(200, 60), (230, 110), (220, 170)], [(110, 300), (200, 380), (250, 480)],
         [(330, 430), (420, 420), (470, 470)], [(300, 250), (330, 330)],
         [(170, 60), (230, 30), (290, 70)], [(165, 90), (170, 120)], [(290, 90), (285, 130)],
         [(300, 370), (380, 350), (450, 370)], [(320, 440), (400, 460)], [(130, 200), (150, 260)],
         [(60, 300), (50, 400), (60, 480)], [(200, 200), (250, 215)]],
        [[(60, 60), (120, 60)], [(320, 40), (330, 150), (350, 230)], [(400, 60), (420, 180)],
         [(20, 20), (30, 250)], [(450, 40), (480, 200), (490, 300)], [(380, 300), (500, 330)], [(410, 10), (410, 60)]],
    ),
    "chelsea": (
        12,
        [[(60, 150), (200, 200), (300, 230)], [(150, 40), (250, 60), (330, 120)], [(40, 280), (200, 280)],
         [(290, 130), (350, 140), (360, 220)], [(280, 40), (360, 40)], [(250, 260), (340, 260)],
         [(150, 110), (200, 120)], [(160, 95), (178, 103)]],
        [[(430, 40), (440, 150), (440, 290)], [(405, 150), (410, 280)], [(6, 8), (10, 60)]],
    ),
    "raccoon": (
        12,
        [[(60, 60), (200, 80), (300, 60), (450, 60)], [(350, 170), (420, 120)], [(360, 280), (400, 300)],
         [(100, 180), (250, 200)], [(440, 170), (490, 150)]],
        [[(60, 360), (150, 420)], [(560, 180), (570, 400)], [(580, 10), (590, 60)],
         [(480, 390), (560, 440)], [(250, 420), (300, 440)], [(20, 260), (30, 440)]],
    ),
}


def _paint(shape: tuple[int, int], lines: list[list[tuple[int, int]]]) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    for line in lines:
        cv2.polylines(canvas, [np.array(line, np.int32)], False, 1, thickness=9)
    return canvas.astype(bool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preview", type=Path, default=None, help="folder for overlay previews")
    args = parser.parse_args()
    for name, (band, fg_lines, bg_lines) in SEEDS.items():
        photo_path = HERE / f"{name}.jpg"
        photo = load_image(photo_path)
        shape = photo.shape[:2]
        trimap = strokes_to_trimap(photo, _paint(shape, fg_lines), _paint(shape, bg_lines), band)
        Image.fromarray(trimap).save(HERE / f"{name}_trimap.png", optimize=True)
        print(f"{name}: {np.mean(trimap == 128):.1%} unknown")
        if args.preview:
            args.preview.mkdir(parents=True, exist_ok=True)
            Image.fromarray(overlay_trimap(photo, trimap)).save(args.preview / f"{name}_overlay.png")


if __name__ == "__main__":
    main()
