"""Rebuild the sample trimaps from the committed photos with
``samplenet.auto_trimap`` (the weight-free segmenter), from the box and
clicks listed below, what a visitor would give on the Auto tab, then the
brush strokes listed in ``STROKES``, what a visitor would paint over it on
the Sketch tab where the segmenter is wrong at 100 % zoom (whiskers it left
in sure background, grass blades it made see-through stripes, a band that
bulged over the backdrop).

Run from the repository root: ``python examples/make_trimaps.py``; it
rewrites the committed trimaps byte for byte (two runs give the same bytes).  With
``--preview DIR`` it also renders, per sample, photo | trimap over the photo
| alpha | composite over green (weight-free engine) into
``DIR/<name>_check.png``, to check each trimap by eye: no background chunk
kept as subject, no hard cut through hair or fur.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

import samplenet
from samplenet.io import BACKGROUND, FOREGROUND, UNKNOWN, load_image

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


@dataclass(frozen=True)
class Stroke:
    """One brush stroke over the segmenter's trimap: ``level`` (``FOREGROUND``,
    ``UNKNOWN`` or ``BACKGROUND``) painted into the polygon through ``points``
    (``width`` 0) or along the line through them, ``width`` px wide."""

    level: int
    points: tuple[tuple[int, int], ...]
    width: int = 0


WHISKER_A = ((335, 237), (345, 238), (355, 240), (365, 242), (375, 244), (385, 247), (390, 248))
WHISKER_B = ((343, 245), (353, 247), (363, 250), (373, 255), (383, 259))

# name -> the strokes painted after the segmentation, in order (a later stroke paints over an earlier one).
# Coordinates are the photo's pixels, read off the photo at 4-8x zoom with a 10 px grid.
STROKES: dict[str, tuple[Stroke, ...]] = {
    "astronaut": (
        # the flag's white stripe beside her left shoulder: the segmenter's band bulged ~15 px over it and the
        # matting kept a white wisp there; background up to ~4 px from the suit's edge
        Stroke(BACKGROUND, ((45, 272), (58, 268), (62, 250), (76, 237), (86, 229), (95, 223), (100, 214), (60, 214),
                            (45, 240))),
    ),
    "chelsea": (
        # the whiskers past the right cheek reach x ~ 390 over the blurred backdrop: the segmenter's band
        # stops at x ~ 350-365 and the rest was sure background, so they were cut off where the band ends.
        # Each whisker (traced on a high-pass of the photo: the brightest row near each point)
        # gets a thin unknown stroke with its 1 px core as subject: in unknown alone the matting finds no
        # whisker-white subject to mix with (only the brown fur) and leaves them see-through
        Stroke(UNKNOWN, WHISKER_A, width=5),
        Stroke(UNKNOWN, WHISKER_B, width=5),
        Stroke(FOREGROUND, WHISKER_A, width=1),
        Stroke(FOREGROUND, WHISKER_B, width=1),
    ),
    "raccoon": (
        # the muzzle's right edge against the leaves stays unknown (whiskers over the leaves); the segmenter
        # had run its band through the nose's lower half and the fur below it instead ...
        Stroke(UNKNOWN, ((418, 220), (425, 240), (414, 258), (398, 270), (388, 282), (392, 298)), width=12),
        # ... the muzzle, with the grass blade across it (y ~ 232) in front of the fur, is subject: as unknown
        # the blade came out a see-through stripe.  The leaf seen below-right of the nose (x 370-415, y 270-300,
        # between the chin and the paw) stays background: kept as subject it was a green patch with a
        # straight cut edge
        Stroke(FOREGROUND, ((265, 216), (405, 216), (412, 228), (412, 242), (400, 256), (388, 268), (376, 280),
                            (366, 294), (360, 310), (300, 300), (262, 280))),
        # left of the muzzle three blades cross the dark fur of its arm down to the big leaf in front: the
        # segmenter made the arm unknown and the blades came out as see-through stripes.  The leaf's edge
        # stays unknown, the arm and its blades are subject
        Stroke(UNKNOWN, ((140, 250), (172, 261), (200, 281), (225, 300), (248, 318)), width=8),
        Stroke(FOREGROUND, ((176, 236), (266, 226), (266, 300), (252, 308), (230, 292), (205, 274), (182, 257))),
    ),
}


def paint(trimap: np.ndarray, strokes: tuple[Stroke, ...]) -> np.ndarray:
    """``trimap`` with ``strokes`` painted over it, in order."""
    import cv2

    painted = trimap.copy()
    for stroke in strokes:
        points = np.array(stroke.points, np.int32).reshape(-1, 1, 2)
        if stroke.width:
            cv2.polylines(painted, [points], isClosed=False, color=stroke.level, thickness=stroke.width)
        else:
            cv2.fillPoly(painted, [points], color=stroke.level)
    return painted


def unknown_islands_apart_from(trimap: np.ndarray, level: int) -> np.ndarray:
    """The unknown regions (8-connected) with no pixel of ``level`` next to
    them, as one mask: the islands both rules below give a sure level."""
    import cv2

    count, labels = cv2.connectedComponents((trimap == UNKNOWN).astype(np.uint8), connectivity=8)
    near = cv2.dilate((trimap == level).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    beside = np.unique(labels[near & (labels > 0)])
    return (labels > 0) & ~np.isin(labels, beside)


def fill_enclosed_unknown(trimap: np.ndarray) -> np.ndarray:
    """Unknown islands that touch no background become subject.

    The segmenter leaves such islands where the subject's inside resembles
    the backdrop (the light fabric inside the astronaut's helmet ring, her
    left shoulder); the matting then fills them with background colours, a
    see-through hole in the composite.  An island with no background pixel
    next to it has no background to mix with: it is subject."""
    return np.where(unknown_islands_apart_from(trimap, BACKGROUND), np.uint8(FOREGROUND), trimap)


def drop_unknown_without_subject(trimap: np.ndarray) -> np.ndarray:
    """Unknown islands that touch no subject become background.

    The segmenter leaves such islands on backdrop detail that resembles the
    subject (two on the shuttle beside the astronaut); with no subject next to
    them the matting can only mix backdrop with backdrop, a faint smear of
    the old background in the composite.  The mirror of
    :func:`fill_enclosed_unknown`."""
    return np.where(unknown_islands_apart_from(trimap, FOREGROUND), np.uint8(BACKGROUND), trimap)


def sample_trimap(name: str) -> np.ndarray:
    """The trimap of sample ``name`` from its recipe: segmentation, strokes, then the islands' rules."""
    file, box, clicks = SAMPLES[name]
    photo = load_image(HERE / file)
    trimap = samplenet.auto_trimap(
        photo,
        box=box,
        points=[(x, y) for x, y, _ in clicks] or None,
        point_labels=[label for _, _, label in clicks] or None,
        segmenter="classical",
    )
    trimap = paint(trimap, STROKES.get(name, ()))
    return drop_unknown_without_subject(fill_enclosed_unknown(trimap))


def render_check(photo: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Photo | trimap over the photo | alpha | composite over green, side by side."""
    result = samplenet.load(engine="classical")(photo, trimap)
    overlay = photo.astype(np.float32)
    overlay[trimap == BACKGROUND] *= 0.35
    overlay[trimap == UNKNOWN] = 0.5 * overlay[trimap == UNKNOWN] + 0.5 * np.array([255, 0, 255])
    alpha = np.dstack([(result.alpha * 255).round().astype(np.uint8)] * 3)
    green = result.composite((0, 200, 0))
    return np.hstack([photo, overlay.astype(np.uint8), alpha, green])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preview", type=Path, default=None, help="folder for the check renders")
    parser.add_argument("--only", nargs="*", default=None, help="sample names to rebuild (default: all)")
    args = parser.parse_args()
    for name, (file, _, _) in SAMPLES.items():
        if args.only and name not in args.only:
            continue
        trimap = sample_trimap(name)
        Image.fromarray(trimap).save(HERE / f"{name}_trimap.png", optimize=True)
        print(f"{name}: {len(STROKES.get(name, ()))} strokes, {np.mean(trimap == UNKNOWN):.1%} unknown")
        if args.preview:
            args.preview.mkdir(parents=True, exist_ok=True)
            Image.fromarray(render_check(load_image(HERE / file), trimap)).save(args.preview / f"{name}_check.png")


if __name__ == "__main__":
    main()
