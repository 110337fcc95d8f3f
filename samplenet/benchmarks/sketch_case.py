"""A visitor's rough sketch as a speed check of the weight-free engine.

The case that used to get stuck: a 10 px grey outline around the subject,
a small white stroke in its middle, background outside; the inside of the
outline stays unknown (unpainted).  Nearly the whole subject is unknown
and almost no foreground is given, the hardest kind of trimap for a
propagation solver.  Built from any photo with a trimap of the subject
(only its outline is used)::

    samplenet bench sketch examples/lemur.png examples/lemur_trimap.png [--scale 2.07]

prints the size, the unknown pixel count, the wall and CPU seconds and what
the solver reported (``--scale 2.07`` makes the lemur about 1 MP).
"""
from __future__ import annotations

import time

import cv2
import numpy as np

from ..io import BACKGROUND, FOREGROUND, UNKNOWN, load_image, load_trimap


def sketch_trimap(subject: np.ndarray, outline: int = 10, stroke: tuple[int, int] = (12, 40)) -> np.ndarray:
    """Trimap of a rough sketch around ``subject`` (HxW bool): background
    outside, an ``outline`` px grey band on its border, unknown inside, and
    a ``stroke`` (height, width) white bar at the subject's centroid."""
    mask = subject.astype(np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (outline + 1, outline + 1))
    band = cv2.dilate(mask, disc).astype(bool) & ~cv2.erode(mask, disc).astype(bool)
    trimap = np.full(subject.shape, BACKGROUND, np.uint8)
    trimap[subject | band] = UNKNOWN
    ys, xs = np.nonzero(subject)
    cy, cx = int(ys.mean()), int(xs.mean())
    h, w = stroke
    trimap[max(cy - h // 2, 0) : cy + h - h // 2, max(cx - w // 2, 0) : cx + w - w // 2] = FOREGROUND
    return trimap


def run_sketch_case(image_path: str, trimap_path: str, scale: float = 1.0) -> None:
    """Matte the rough sketch built from ``trimap_path``'s subject with the
    weight-free engine and print its time and solver report."""
    from ..engines.classical import ClassicalMatter

    image = load_image(image_path)
    subject = load_trimap(trimap_path) != BACKGROUND
    if scale != 1.0:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
        subject = cv2.resize(subject.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    trimap = sketch_trimap(subject)
    matter = ClassicalMatter()
    wall, cpu = time.perf_counter(), time.process_time()
    result = matter(image, trimap)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    keys = ("cg_iterations", "cg_budget", "converged", "unknown_pixels", "fixed_pixels", "solved_at_scale", "note")
    print(f"{image.shape[1]}x{image.shape[0]}, {int((trimap == UNKNOWN).sum())} unknown pixels: "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU")
    for key in keys:
        if key in result.info:
            print(f"  {key}: {result.info[key]}")
