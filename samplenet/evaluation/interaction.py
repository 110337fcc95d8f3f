"""How the Auto tool holds up as a visitor uses it (``bench auto-trimap --jitter N --strokes N``).

Three protocols beside the fixed box of :mod:`.auto_trimap` (issue 29):

* **Quick**: each photo's segmentation (box to trimap) is timed against a
  matte of the same photo with its hand-made trimap, in the same process
  (wall-clock seconds; the table gives the median ratio).
* **Steady** (``--jitter N``): no visitor draws the benchmark's box; each of
  its sides is moved by up to ``JITTER`` of the photo's width (left, right)
  or height (top, bottom), uniformly at random with a fixed seed, ``N``
  boxes per photo.  Per photo: the worst and the median SAD over its boxes.
* **Better with every stroke** (``--strokes N``): a simulated visitor paints
  a disc of radius ``STROKE_RADIUS`` of the photo's diagonal at the deepest
  point of the largest wrongly labelled region (subject marked sure
  background: a subject stroke; background marked sure subject: a
  background stroke), strokes accumulating, each segmentation starting from
  the last one as the page's does (:meth:`.SegmentationCache.latest`).
"""
from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np

from ..errors import MattingInputError
from ..segmentation.auto import SegmenterChoice, finish_trimap, segment
from ..segmentation.classical import SegmenterOptions
from ..segmentation.prompts import make_prompts
from .auto_trimap import benchmark_box, corrective_click, whole_sad

#: Each side of a jittered box moves by up to this share of the photo's side.
JITTER = 0.02

#: Seed of the jittered boxes (the same boxes on every run).
JITTER_SEED = 29

#: Radius of a simulated stroke, as a share of the photo's diagonal.
STROKE_RADIUS = 0.01


def check_count(value: int, what: str) -> None:
    """Refuse a negative number of boxes or strokes before any work."""
    if value < 0:
        raise MattingInputError(f"The number of {what} must be 0 or more, got {value}.")


def jittered_boxes(
    box: tuple[int, int, int, int], size: tuple[int, int], count: int, seed: int = JITTER_SEED
) -> list[tuple[int, int, int, int]]:
    """``count`` boxes around ``box`` whose sides each move by up to
    :data:`JITTER` of the photo's ``size`` = (width, height), clipped to the photo."""
    width, height = size
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box
    boxes = []
    for _ in range(count):
        dx0, dx1 = rng.uniform(-JITTER, JITTER, 2) * width
        dy0, dy1 = rng.uniform(-JITTER, JITTER, 2) * height
        moved = (
            int(np.clip(round(x0 + dx0), 0, width - 5)),
            int(np.clip(round(y0 + dy0), 0, height - 5)),
            int(np.clip(round(x1 + dx1), 0, width)),
            int(np.clip(round(y1 + dy1), 0, height)),
        )
        boxes.append((moved[0], moved[1], max(moved[2], moved[0] + 5), max(moved[3], moved[1] + 5)))
    return boxes


def _segment_and_score(
    matter, case: dict[str, Any], prompts, options: SegmenterOptions, segmenter: SegmenterChoice, previous=None
) -> tuple[dict[str, Any], Any, np.ndarray | None]:
    """One segmentation (timed, wall clock), its trimap matted and scored."""
    image = case["image"]
    start = time.perf_counter()
    try:
        seg = segment(image, prompts, segmenter, options, previous=previous)
        trimap = finish_trimap(image, seg, prompts, None, options)
    except MattingInputError as exc:
        return {"refused": str(exc)}, None, None
    seconds = time.perf_counter() - start
    try:
        alpha = matter(image, trimap).alpha
    except ValueError as exc:
        return {"refused": f"matting failed: {exc}", "seconds": seconds}, seg, trimap
    return {"sad": whole_sad(alpha, case["alpha"]), "seconds": seconds, "segmenter": seg.segmenter}, seg, trimap


def score_jitter(
    matter, case: dict[str, Any], count: int, options: SegmenterOptions, segmenter: SegmenterChoice = "classical"
) -> list[dict[str, Any]]:
    """The benchmark box moved ``count`` times (:func:`jittered_boxes`), each scored."""
    height, width = case["image"].shape[:2]
    rows = []
    for box in jittered_boxes(benchmark_box(case["alpha"]), (width, height), count):
        row, _, _ = _segment_and_score(matter, case, make_prompts((width, height), box=box), options, segmenter)
        rows.append({**row, "box": list(box)})
    return rows


def stroke_disc(shape: tuple[int, int], centre: tuple[float, float]) -> np.ndarray:
    """A painted disc of :data:`STROKE_RADIUS` of the diagonal around ``centre``."""
    height, width = shape
    radius = max(1, int(round(STROKE_RADIUS * float(np.hypot(height, width)))))
    disc = np.zeros(shape, np.uint8)
    cv2.circle(disc, (int(round(centre[0])), int(round(centre[1]))), radius, 1, -1)
    return disc.astype(bool)


def score_strokes(
    matter, case: dict[str, Any], strokes: int, options: SegmenterOptions, segmenter: SegmenterChoice = "classical"
) -> list[dict[str, Any]]:
    """The benchmark box, then up to ``strokes`` corrective strokes one after
    the other, each segmentation starting from the last (as on the page).
    Row ``k`` is what the visitor has after ``k`` strokes; with nothing left
    to correct they stop and keep what they have."""
    image = case["image"]
    height, width = image.shape[:2]
    box = benchmark_box(case["alpha"])
    fg = np.zeros((height, width), bool)
    bg = np.zeros((height, width), bool)
    row, seg, trimap = _segment_and_score(matter, case, make_prompts((width, height), box=box), options, segmenter)
    rows = [{**row, "step": 0, "strokes": 0}]
    while len(rows) <= strokes and trimap is not None:
        nxt = corrective_click(trimap, case["alpha"])
        if nxt is None:
            break
        (x, y), label = nxt
        (fg if label == 1 else bg)[stroke_disc((height, width), (x, y))] = True
        marks = {"fg_strokes": fg.copy() if fg.any() else None, "bg_strokes": bg.copy() if bg.any() else None}
        prompts = make_prompts((width, height), box=box, **marks)
        row, found, found_trimap = _segment_and_score(matter, case, prompts, options, segmenter, previous=seg)
        if "sad" not in row:
            break
        seg, trimap = found, found_trimap
        rows.append({**row, "step": len(rows), "strokes": len(rows), "label": label})
    while len(rows) <= strokes:
        rows.append({**{k: v for k, v in rows[-1].items() if k != "seconds"}, "step": len(rows)})
    return rows


def time_hand_matte(matter, case: dict[str, Any]) -> float:
    """Wall-clock seconds of one matte of the photo with its first hand-made trimap."""
    trimap = next(iter(case["hand"].values()))
    start = time.perf_counter()
    matter(case["image"], trimap)
    return time.perf_counter() - start


def _sad(row: dict[str, Any]) -> float:
    return float(row.get("sad", np.inf))


def jitter_table(jittered: dict[str, list[dict[str, Any]]], hand: dict[str, float]) -> list[str]:
    """Steady: per photo the median and worst SAD over its jittered boxes;
    the means over photos against the targets (worst/median ≤ 1.5, mean ≤ 3x hand)."""
    names = list(jittered)
    lines = [
        f"Jittered boxes (each side moved by up to ±{JITTER:.0%} of the photo, seed {JITTER_SEED}):",
        "",
        "| image | hand SAD | median SAD | worst SAD | worst / median | SAD per box |",
        "|---|---|---|---|---|---|",
    ]
    ratios, means = [], []
    for name in names:
        sads = [_sad(r) for r in jittered[name]]
        median, worst = float(np.median(sads)), float(np.max(sads))
        ratios.append(worst / median if median > 0 else np.inf)
        means.append(float(np.mean(sads)))
        cells = ", ".join("refused" if not np.isfinite(s) else f"{s:.2f}" for s in sads)
        lines.append(f"| {name} | {hand[name]:.2f} | {median:.2f} | {worst:.2f} | {ratios[-1]:.2f} | {cells} |")
    hand_mean = float(np.mean([hand[n] for n in names]))
    lines += [
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| mean over photos of worst / median jittered SAD | {np.mean(ratios):.2f} | ≤ 1.5 |",
        f"| mean jittered SAD / mean hand SAD | {np.mean(means):.2f} / {hand_mean:.2f} = "
        f"{np.mean(means) / hand_mean:.2f} | ≤ 3 |",
    ]
    return lines


def strokes_table(stroked: dict[str, list[dict[str, Any]]], hand: dict[str, float]) -> list[str]:
    """Better with every stroke: mean SAD after each stroke, the photos a
    stroke made worse by more than 10 %, and per photo the SADs."""
    names = list(stroked)
    steps = len(next(iter(stroked.values())))
    hand_mean = float(np.mean([hand[n] for n in names]))
    lines = [
        "Box, then corrective strokes (discs of radius "
        f"{STROKE_RADIUS:.0%} of the diagonal; + subject, - background), each starting from the last segmentation:",
        "",
        "| strokes | mean SAD | × hand | median seconds of the segmentation |",
        "|---|---|---|---|",
    ]
    for k in range(steps):
        rows = [stroked[n][k] for n in names]
        mean = float(np.mean([_sad(r) for r in rows]))
        timed = [r["seconds"] for r in rows if "seconds" in r]
        seconds = f"{np.median(timed):.2f} ({len(timed)} photos)" if timed else "- (no stroke left)"
        lines.append(f"| {k} | {mean:.2f} | {mean / hand_mean:.2f} | {seconds} |")
    worse = [
        f"{n} (stroke {k}: {_sad(stroked[n][k - 1]):.2f} → {_sad(stroked[n][k]):.2f})"
        for n in names
        for k in range(1, steps)
        if _sad(stroked[n][k]) > 1.1 * _sad(stroked[n][k - 1])
    ]
    lines += ["", f"Strokes that made a photo worse by more than 10 %: {', '.join(worse) or 'none'}.", ""]
    lines.append("| image | hand SAD | " + " | ".join(["box"] + [f"+{k}" for k in range(1, steps)]) + " |")
    lines.append("|---|---|" + "---|" * steps)
    for name in names:
        cells = []
        for row in stroked[name]:
            sign = {1: " (+)", 0: " (-)"}.get(row.get("label"), "") if "seconds" in row else ""
            cells.append(("refused" if "sad" not in row else f"{row['sad']:.2f}") + sign)
        lines.append(f"| {name} | {hand[name]:.2f} | " + " | ".join(cells) + " |")
    return lines


def quick_table(seconds: dict[str, float], hand_seconds: dict[str, float]) -> list[str]:
    """Quick: each photo's segmentation against a matte with its hand trimap."""
    names = list(seconds)
    lines = [
        "Segmentation (box to trimap) against one matte with the hand-made trimap, wall-clock seconds, same process:",
        "",
        "| image | segmentation s | hand-trimap matte s | ratio |",
        "|---|---|---|---|",
    ]
    ratios = []
    for name in names:
        ratios.append(seconds[name] / hand_seconds[name])
        lines.append(f"| {name} | {seconds[name]:.2f} | {hand_seconds[name]:.2f} | {ratios[-1]:.2f} |")
    lines.append(
        f"| median | {np.median(list(seconds.values())):.2f} | {np.median(list(hand_seconds.values())):.2f} | "
        f"{np.median(ratios):.2f} (target ≤ 3) |"
    )
    return lines
