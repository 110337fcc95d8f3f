"""How long the /trimap band takes on large photos: ``samplenet bench trimap-band``.

Prints a Markdown table of CPU seconds for :func:`~samplenet.segmentation.band.mask_to_trimap`
(distance maps) and for the erosion/dilation with a disc it replaced, on a
disc-shaped mask of each size.  CPU time of this process, so that a busy
machine changes the figures less than wall time would.
"""
from __future__ import annotations

import resource
from collections.abc import Callable, Sequence
from functools import partial

import cv2
import numpy as np

from ..segmentation.band import mask_to_trimap


def erosion_trimap(mask: np.ndarray, band: int) -> np.ndarray:
    """The band as it was drawn before: erode and dilate with a disc of
    radius ``band`` (cost grows with the band's area)."""
    fg = (mask >= 128).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    sure_fg = cv2.erode(fg, kernel, borderType=cv2.BORDER_REPLICATE).astype(bool)
    maybe_fg = cv2.dilate(fg, kernel, borderType=cv2.BORDER_REPLICATE).astype(bool)
    trimap = np.full(fg.shape, 128, np.uint8)
    trimap[sure_fg] = 255
    trimap[~maybe_fg] = 0
    return trimap


def _cpu_seconds(run: Callable[[], object]) -> float:
    def now() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    start = now()
    run()
    return now() - start


def disc_mask(side: int) -> np.ndarray:
    """A square mask with a centred disc of radius ``side / 3``."""
    mask = np.zeros((side, side), np.uint8)
    cv2.circle(mask, (side // 2, side // 2), side // 3, 255, -1)
    return mask


def print_band_table(sides: Sequence[int], bands: Sequence[int], old_max_side: int) -> None:
    """Print CPU seconds of the band per photo side and band width, the old
    erosion beside the distance maps (the old one only up to ``old_max_side``)."""
    print("| photo | band | erosion with a disc (before), CPU s | distance maps (now), CPU s |")
    print("|---|---:|---:|---:|")
    for side in sides:
        mask = disc_mask(side)
        for band in bands:
            new = _cpu_seconds(partial(mask_to_trimap, mask, band))
            old = f"{_cpu_seconds(partial(erosion_trimap, mask, band)):.2f}" if side <= old_max_side else "not run"
            print(f"| {side}x{side} | {band} | {old} | {new:.2f} |")
