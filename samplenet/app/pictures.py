"""The pictures the app shows besides the matte itself: a trimap overlaid on
the photo, a cut-out over a checkerboard, a composite over a new background.

Pure NumPy/OpenCV; every function returns ``uint8`` arrays ready for display.
"""
from __future__ import annotations

import re

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import BACKGROUND, UNKNOWN, quoted

#: Tint of unknown pixels in the trimap preview (magenta stands out on skin,
#: fur and sky alike).
UNKNOWN_TINT = np.array([255, 0, 200], np.float32)


def overlay_trimap(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Show a trimap on its photo: background dimmed to a third, unknown
    tinted magenta, foreground left as it is, so a visitor sees at once
    whether the grey band covers all the hair."""
    out = image.astype(np.float32).copy()
    bg = trimap == BACKGROUND
    unknown = trimap == UNKNOWN
    out[bg] *= 0.3
    out[unknown] = 0.45 * out[unknown] + 0.55 * UNKNOWN_TINT
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def checkerboard(height: int, width: int, cell: int = 16) -> np.ndarray:
    """The usual light-grey checkerboard that stands for transparency."""
    yy, xx = np.mgrid[0:height, 0:width]
    light = ((yy // cell + xx // cell) % 2 == 0)
    board = np.where(light, 235, 200).astype(np.uint8)
    return np.repeat(board[:, :, None], 3, axis=2)


def over(foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """``foreground * alpha + background * (1 - alpha)`` on uint8 RGB arrays
    (``foreground`` may also be float RGB in [0, 1]); ``alpha`` float HxW."""
    fg = foreground.astype(np.float32)
    if np.issubdtype(foreground.dtype, np.floating):
        fg = fg * 255.0
    a = alpha.astype(np.float32)[:, :, None]
    out = fg * a + background.astype(np.float32) * (1.0 - a)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


_HEX = re.compile(r"^#?([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")
_SHORT_HEX = re.compile(r"^#?([0-9a-fA-F]{3})$")
_RGB = re.compile(r"^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*[\d.]+\s*)?\)$")


def parse_colour(text: str | None) -> tuple[int, int, int]:
    """Colour-picker value (``#rrggbb``, ``#rgb``, ``rgb(r, g, b)`` or
    ``rgba(...)``) -> ``(r, g, b)`` ints."""
    value = (text or "").strip()
    if match := _HEX.match(value):
        digits = match.group(1)
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    if match := _SHORT_HEX.match(value):
        return tuple(int(c * 2, 16) for c in match.group(1))  # type: ignore[return-value]
    if match := _RGB.match(value):
        channels = [float(v) for v in match.groups()]
        if all(0 <= c <= 255 for c in channels):
            return tuple(int(round(c)) for c in channels)  # type: ignore[return-value]
    raise MattingInputError(f"Cannot read the background colour {quoted(text)}; use #rrggbb.")


def cover_resize(picture: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale and centre-crop ``picture`` (RGB uint8) to exactly ``height`` x
    ``width`` without distortion, as CSS ``object-fit: cover`` does, so any
    uploaded background fits behind the subject."""
    src_h, src_w = picture.shape[:2]
    scale = max(height / src_h, width / src_w)
    new_w, new_h = max(width, round(src_w * scale)), max(height, round(src_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(picture, (new_w, new_h), interpolation=interpolation)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return np.ascontiguousarray(resized[top : top + height, left : left + width])


#: Colours of the click marks: green = subject, red = background.
CLICK_COLOURS = {1: (40, 200, 60), 0: (230, 40, 40)}


def mark_points(image: np.ndarray, points, labels) -> np.ndarray:
    """The photo with a dot per click (green on the subject, red on the
    background), ringed in white so it shows on dark and light alike and
    sized to the photo so it stays visible on a phone's small picture."""
    out = np.ascontiguousarray(image[..., :3], dtype=np.uint8).copy()
    radius = max(3, round(max(out.shape[:2]) / 90))
    for (x, y), label in zip(points, labels, strict=True):
        centre = (int(round(x)), int(round(y)))
        cv2.circle(out, centre, radius + max(1, radius // 3), (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(out, centre, radius, CLICK_COLOURS.get(int(label), CLICK_COLOURS[1]), -1, cv2.LINE_AA)
    return out
