"""What a visitor tells the segmenter: a box, clicks and/or strokes.

:func:`make_prompts` checks every prompt against the photo once, so that
each segmenter receives clean, consistent data and a bad prompt fails with
a :class:`~samplenet.errors.MattingInputError` that names the problem
before anything slow runs.  The CLI helpers parse ``--box x0,y0,x1,y1`` and
``--point x,y[,label]``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import MattingInputError
from ..io import quoted

Box = tuple[int, int, int, int]
Point = tuple[float, float]

#: Label of a click on the subject / on the background (SAM's convention).
POSITIVE, NEGATIVE = 1, 0

#: Smallest photo side the segmenters work on (GrabCut needs pixels of both
#: kinds around a click; at 4x4 a box raised an IndexError, at 1x1 a click
#: OpenCV's assertion text).
MIN_PHOTO_SIDE = 6


@dataclass(frozen=True)
class Prompts:
    """Checked prompts for one photo of ``size`` = (width, height).

    ``box`` is ``(x0, y0, x1, y1)`` with exclusive ends, clipped to the
    photo; ``points`` are ``(x, y)`` pixel positions with ``labels`` 1
    (subject) or 0 (background); strokes are boolean ``HxW`` masks or
    ``None``.
    """

    size: tuple[int, int]
    box: Box | None = None
    points: tuple[Point, ...] = ()
    labels: tuple[int, ...] = ()
    fg_strokes: np.ndarray | None = None
    bg_strokes: np.ndarray | None = None

    @property
    def positive_points(self) -> list[Point]:
        return [p for p, label in zip(self.points, self.labels, strict=True) if label == POSITIVE]

    @property
    def negative_points(self) -> list[Point]:
        return [p for p, label in zip(self.points, self.labels, strict=True) if label == NEGATIVE]

    def extends(self, earlier: Prompts) -> bool:
        """Whether these prompts are ``earlier``'s plus more clicks or strokes
        (same photo size and box, ``earlier``'s clicks first, its strokes
        kept): a visitor correcting a segmentation, which can start from
        the earlier one's result instead of from scratch."""
        if self.size != earlier.size or self.box != earlier.box:
            return False
        count = len(earlier.points)
        if self.points[:count] != earlier.points or self.labels[:count] != earlier.labels:
            return False
        for now, before in ((self.fg_strokes, earlier.fg_strokes), (self.bg_strokes, earlier.bg_strokes)):
            if before is not None and before.any() and (now is None or np.any(before & ~now)):
                return False
        return self.fingerprint() != earlier.fingerprint()

    def fingerprint(self) -> str:
        """A short digest of every prompt, for caching segmentations."""
        digest = hashlib.sha1(repr((self.size, self.box, self.points, self.labels)).encode())
        for strokes in (self.fg_strokes, self.bg_strokes):
            digest.update(b"-" if strokes is None else np.packbits(strokes).tobytes())
        return digest.hexdigest()


def _check_box(box: Sequence[float], width: int, height: int) -> Box:
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError, OverflowError):
        raise MattingInputError(
            f"The box must be four numbers x0, y0, x1, y1 (left, top, right, bottom), got {quoted(box)}."
        ) from None
    if not all(np.isfinite(v) for v in (x0, y0, x1, y1)):
        raise MattingInputError(f"The box {quoted(box)} has a value that is not a finite number.")
    if x1 <= x0 or y1 <= y0:
        raise MattingInputError(
            f"The box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) is empty or inverted: give left, top, right, "
            "bottom with right > left and bottom > top."
        )
    if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
        raise MattingInputError(
            f"The box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) lies outside the {width}x{height} photo; "
            "draw it around the subject."
        )
    clipped = (
        max(0, int(np.floor(x0))),
        max(0, int(np.floor(y0))),
        min(width, int(np.ceil(x1))),
        min(height, int(np.ceil(y1))),
    )
    if clipped[2] - clipped[0] < 4 or clipped[3] - clipped[1] < 4:
        raise MattingInputError(
            f"The box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) is too small (under 4 pixels wide or high inside "
            "the photo); drag it around the whole subject."
        )
    return clipped


def _check_points(
    points: Sequence[Sequence[float]], labels: Sequence[int] | None, width: int, height: int
) -> tuple[tuple[Point, ...], tuple[int, ...]]:
    checked: list[Point] = []
    for point in points:
        try:
            x, y = (float(v) for v in point)
        except (TypeError, ValueError, OverflowError):
            raise MattingInputError(f"A point must be two numbers x, y; got {quoted(point)}.") from None
        if not (0 <= x < width and 0 <= y < height):
            raise MattingInputError(
                f"The point ({x:g}, {y:g}) lies outside the {width}x{height} photo; click on the photo."
            )
        checked.append((x, y))
    if labels is None:
        labels = [POSITIVE] * len(checked)
    labels = list(labels)
    if len(labels) != len(checked):
        raise MattingInputError(
            f"There are {len(checked)} points but {len(labels)} point labels; give one label per point "
            "(1 = subject, 0 = background)."
        )
    for label in labels:
        if label not in (0, 1) or isinstance(label, float) and not float(label).is_integer():
            raise MattingInputError(f"A point label must be 1 (subject) or 0 (background), got {quoted(label)}.")
    return tuple(checked), tuple(int(label) for label in labels)


def _check_strokes(strokes: np.ndarray | None, name: str, width: int, height: int) -> np.ndarray | None:
    if strokes is None:
        return None
    array = np.asarray(strokes)
    if array.shape != (height, width):
        raise MattingInputError(
            f"The {name} are {array.shape[1] if array.ndim > 1 else '?'}x{array.shape[0] if array.ndim else '?'} "
            f"but the photo is {width}x{height}; paint them on the same photo."
        )
    mask = array.astype(bool)
    return mask if mask.any() else None


def _disc_hits(mask: np.ndarray | None, points: Sequence[Point]) -> list[Point]:
    if mask is None:
        return []
    return [p for p in points if mask[int(p[1]), int(p[0])]]


def make_prompts(
    size: tuple[int, int],
    box: Sequence[float] | None = None,
    points: Sequence[Sequence[float]] | None = None,
    point_labels: Sequence[int] | None = None,
    fg_strokes: np.ndarray | None = None,
    bg_strokes: np.ndarray | None = None,
) -> Prompts:
    """Check the prompts for a photo of ``size`` = (width, height).

    Raises:
        MattingInputError: a photo too small to segment; no prompt at all; a box that is inverted, empty,
            too small or outside the photo; a point outside the photo or
            with a label other than 0/1; labels not matching points;
            strokes of another size; contradictory prompts (a pixel marked
            both subject and background, or a subject click outside the
            box, or a background click that would cover the whole box).
    """
    width, height = size
    if min(width, height) < MIN_PHOTO_SIDE:
        raise MattingInputError(
            f"The photo is {width}x{height}: too small to segment (at least {MIN_PHOTO_SIDE}x{MIN_PHOTO_SIDE} "
            "pixels); draw its trimap by hand instead."
        )
    checked_box = None if box is None else _check_box(box, width, height)
    pts, labels = _check_points(points or (), point_labels, width, height)
    fg = _check_strokes(fg_strokes, "foreground strokes", width, height)
    bg = _check_strokes(bg_strokes, "background strokes", width, height)

    if checked_box is None and not pts and fg is None and bg is None:
        raise MattingInputError(
            "No prompt was given: draw a box around the subject, click on it, or paint a stroke on it."
        )
    if checked_box is None and fg is None and POSITIVE not in labels:
        raise MattingInputError(
            "Only background was marked: also draw a box around the subject, click on it or paint a "
            "stroke on it."
        )
    positives = [p for p, label in zip(pts, labels, strict=True) if label == POSITIVE]
    negatives = [p for p, label in zip(pts, labels, strict=True) if label == NEGATIVE]
    same = set(positives) & set(negatives)
    if same:
        x, y = sorted(same)[0]
        raise MattingInputError(
            f"The point ({x:g}, {y:g}) is marked both as subject and as background; remove one of the two."
        )
    if fg is not None and bg is not None and np.any(fg & bg):
        raise MattingInputError(
            "Some pixels are painted both as subject and as background; erase one of the two strokes there."
        )
    for kind, hits in (("subject", _disc_hits(bg, positives)), ("background", _disc_hits(fg, negatives))):
        if hits:
            x, y = hits[0]
            other = "background" if kind == "subject" else "subject"
            raise MattingInputError(
                f"The {kind} click at ({x:g}, {y:g}) lies on a stroke painted as {other}; remove one of the two."
            )
    if checked_box is not None:
        x0, y0, x1, y1 = checked_box
        outside = [p for p in positives if not (x0 <= p[0] < x1 and y0 <= p[1] < y1)]
        if outside:
            x, y = outside[0]
            raise MattingInputError(
                f"The subject click at ({x:g}, {y:g}) lies outside the box ({x0}, {y0}, {x1}, {y1}); "
                "everything outside the box is background, so enlarge the box or move the click."
            )
        if fg is not None and np.any(fg[:y0]) | np.any(fg[y1:]) | np.any(fg[:, :x0]) | np.any(fg[:, x1:]):
            raise MattingInputError(
                f"A subject stroke reaches outside the box ({x0}, {y0}, {x1}, {y1}); everything outside "
                "the box is background, so enlarge the box or erase that part of the stroke."
            )
        if bg is not None and bg[y0:y1, x0:x1].all():
            raise MattingInputError("The background strokes cover the whole box; leave the subject unpainted.")
    return Prompts((width, height), checked_box, pts, labels, fg, bg)


# ---------------------------------------------------------------------------
# Command-line text
# ---------------------------------------------------------------------------
def parse_box_text(text: str) -> Box:
    """``"x0,y0,x1,y1"`` -> four integers (the photo check comes later)."""
    parts = [part.strip() for part in str(text).split(",")]
    try:
        values = tuple(int(round(float(part))) for part in parts)
    except ValueError:
        raise MattingInputError(f"--box must look like x0,y0,x1,y1 (e.g. 10,20,300,400); got {quoted(text)}.") from None
    if len(values) != 4:
        raise MattingInputError(f"--box needs four numbers x0,y0,x1,y1; got {len(values)} in {quoted(text)}.")
    return values  # type: ignore[return-value]


def parse_point_text(text: str) -> tuple[Point, int]:
    """``"x,y"`` or ``"x,y,label"`` (label 1 = subject, the default; 0 = background)."""
    parts = [part.strip() for part in str(text).split(",")]
    if len(parts) not in (2, 3):
        raise MattingInputError(f"--point must look like x,y or x,y,0 or x,y,1; got {quoted(text)}.")
    try:
        x, y = float(parts[0]), float(parts[1])
    except ValueError:
        raise MattingInputError(f"--point must look like x,y or x,y,0 or x,y,1; got {quoted(text)}.") from None
    label = POSITIVE
    if len(parts) == 3:
        if parts[2] not in ("0", "1"):
            raise MattingInputError(
                f"The label of --point {quoted(text)} must be 1 (subject) or 0 (background), got {quoted(parts[2])}."
            )
        label = int(parts[2])
    return (x, y), label
