"""Automatic trimaps against hand-made ones (``samplenet bench auto-trimap``).

Protocol (issue 11): for each photo of an alphamatting.com-style folder the
box is the subject's bounds in the ground-truth alpha plus 3% of the photo's
width (left, right) and height (top, bottom), clipped to the photo; the
click is the opaque subject pixel farthest from the subject's outline and
from the photo's edges (where a visitor would click).  Each trimap is
matted with the weight-free engine at full size and scored by the
whole-image SAD (/1000) against the ground truth; the reference is the same
engine with the folder's hand-made trimaps (mean over the trimap sets).

``--cv`` evaluates a small grid of segmenter parameters and picks one by
two-fold cross-validation: fit on the first half of the photos (GT01-06),
score on the rest, then the other way round; both folds are printed.

``--backgrounds DIR`` runs the same protocol with every subject laid over
another photo (:mod:`.new_backgrounds`), a check on backgrounds that no
setting was chosen on.

``--segmenter sam`` (or ``auto``) runs the same protocol with the learned
segmenter of :mod:`..segmentation.sam` (``$SAMPLENET_SEGMENTER``), so that
a machine that reaches the Hub measures it with one command; the table
says which segmenter made each trimap.

``--corrections N`` follows a simulated visitor who, after the box alone,
adds up to ``N`` clicks, each where the trimap is most surely wrong
(:func:`corrective_click`, the usual protocol of interactive-segmentation
benchmarks): what a box needs besides itself on a given photo.
"""
from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import MattingInputError
from ..io import load_image, load_trimap
from ..segmentation.auto import SegmenterChoice, check_segmenter, finish_trimap, segment
from ..segmentation.classical import SegmenterOptions
from ..segmentation.prompts import make_prompts

logger = logging.getLogger("samplenet")

#: Margin added to the subject's bounds on each edge, as a fraction of the photo's side.
BOX_MARGIN = 0.03

#: Settings of the classical segmenter compared by ``--cv`` (changes from the defaults).
CV_GRID: list[dict[str, Any]] = [
    {"focus_weight": 0.0},
    {"focus_weight": 1.5},
    {"focus_weight": 2.5},
    {"focus_weight": 4.0},
]

MODES = ("box", "box+click")


def benchmark_box(alpha: np.ndarray, margin: float = BOX_MARGIN) -> tuple[int, int, int, int]:
    """Subject bounds of a ground-truth ``alpha`` plus ``margin`` of the side, clipped."""
    ys, xs = np.nonzero(alpha > 0)
    if ys.size == 0:
        raise MattingInputError("A ground-truth alpha is empty; there is no subject to draw a box around.")
    height, width = alpha.shape
    dx, dy = margin * width, margin * height
    return (
        max(0, int(round(xs.min() - dx))),
        max(0, int(round(ys.min() - dy))),
        min(width, int(round(xs.max() + 1 + dx))),
        min(height, int(round(ys.max() + 1 + dy))),
    )


def benchmark_click(alpha: np.ndarray) -> tuple[float, float]:
    """The opaque subject pixel farthest from the subject's outline and from
    the photo's edges: where a visitor clicks, well inside the part of the
    subject they can see.  (Counting only the outline put the click on the
    photo's last row for a subject cut off by the frame.)"""
    opaque = (alpha >= 0.99).astype(np.uint8)
    if not opaque.any():  # no opaque pixel: the half-opaque part, else any of the subject
        opaque = (alpha >= 0.5).astype(np.uint8)
    if not opaque.any():
        opaque = (alpha > 0).astype(np.uint8)
    depth = _depth(opaque)
    y, x = np.unravel_index(int(depth.argmax()), depth.shape)
    return float(x), float(y)


def _depth(mask: np.ndarray) -> np.ndarray:
    """Each pixel's distance to the nearest pixel outside ``mask``, the
    photo's edges counting as outside (a visitor clicks inside what they see)."""
    framed = cv2.copyMakeBorder(mask.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return cv2.distanceTransform(framed, cv2.DIST_L2, 5)[1:-1, 1:-1]


def corrective_click(
    trimap: np.ndarray, truth: np.ndarray, min_depth: float = 3.0
) -> tuple[tuple[float, float], int] | None:
    """Where a visitor looking at the cut-out clicks next, and with which label.

    The trimap is surely wrong where it says subject (255) and the truth is
    background (alpha <= 0.01), or background (0) where the truth is opaque
    (>= 0.99).  Of those regions deeper than ``min_depth`` pixels (slivers
    along an outline are the band's business, not a click's), the click goes
    to the largest, at its deepest point (farthest from the region's outline
    and the photo's edges): label 0 (background) in the first case, 1
    (subject) in the second.  ``None`` when no region is that deep."""
    best: tuple[int, tuple[float, float], int] | None = None
    for wrong, label in (((trimap == 255) & (truth <= 0.01), 0), ((trimap == 0) & (truth >= 0.99), 1)):
        count, regions = cv2.connectedComponents(wrong.astype(np.uint8))
        if count < 2:
            continue
        # Regions are apart, so one distance transform gives every region's own depths.
        depth = _depth(wrong)
        sizes = np.bincount(regions.ravel(), minlength=count)
        deepest = np.zeros(count)
        np.maximum.at(deepest, regions.ravel(), depth.ravel())
        for region in range(1, count):
            if deepest[region] > min_depth and (best is None or sizes[region] > best[0]):
                inside = np.where(regions == region, depth, -1.0)
                y, x = np.unravel_index(int(inside.argmax()), inside.shape)
                best = (int(sizes[region]), (float(x), float(y)), label)
    return None if best is None else (best[1], best[2])


def _score_prompts(
    matter,
    case: dict[str, Any],
    prompt_args: dict[str, Any],
    options: SegmenterOptions,
    segmenter: SegmenterChoice = "classical",
) -> tuple[dict[str, Any], np.ndarray | None]:
    """One automatic trimap from ``prompt_args``, matted and scored, and the
    trimap itself; a refusal is recorded in the row, not raised.  The row
    names the segmenter that ran (``"auto"`` may fall back)."""
    image = case["image"]
    height, width = image.shape[:2]
    start = time.process_time()
    wall = time.perf_counter()
    seg = None
    try:
        prompts = make_prompts((width, height), **prompt_args)
        seg = segment(image, prompts, segmenter, options)
        trimap = finish_trimap(image, seg, prompts, None, options)
    except MattingInputError as exc:
        return {"refused": str(exc), **({"segmenter": seg.segmenter} if seg is not None else {})}, None
    except RuntimeError as exc:
        if segmenter != "sam":  # "auto" already falls back; a classical failure is a bug to see
            raise
        # SAM failing on one photo (e.g. out of GPU memory) costs that photo, not the run.
        return {"refused": f"the segmenter failed: {type(exc).__name__}: {exc}"}, None
    seconds = time.process_time() - start
    wall = time.perf_counter() - wall
    try:
        alpha = matter(image, trimap).alpha
    except ValueError as exc:  # the engine's solver gave up: reported, not a crash
        return {"refused": f"matting failed: {exc}", "segmenter": seg.segmenter}, trimap
    row = {
        "sad": whole_sad(alpha, case["alpha"]),
        "trimap_cpu_s": seconds,
        "seconds": wall,
        "unknown": float((trimap == 128).mean()),
        "segmenter": seg.segmenter,
    }
    return row, trimap


def _check_click_count(clicks: int) -> None:
    if clicks < 0:
        raise MattingInputError(f"The number of corrective clicks must be 0 or more, got {clicks}.")


def score_corrections(
    matter,
    case: dict[str, Any],
    clicks: int,
    options: SegmenterOptions | None = None,
    segmenter: SegmenterChoice = "classical",
) -> list[dict[str, Any]]:
    """The box alone, then up to ``clicks`` corrective clicks one after the
    other (:func:`corrective_click`), each trimap matted and scored.  Row
    ``k`` (``"step"``) is what the visitor has after ``k`` chances to click:
    once there is nothing left to click they stop, and a click whose prompts
    are refused is recorded (``"refused_click"``) while they keep the last
    trimap, as on the page.  ``"clicks"`` counts the clicks actually made."""
    _check_click_count(clicks)
    options = options or SegmenterOptions()
    box = benchmark_box(case["alpha"])
    points: list[tuple[float, float]] = []
    labels: list[int] = []
    row, trimap = _score_prompts(matter, case, {"box": box}, options, segmenter)
    rows = [{**row, "step": 0, "clicks": 0, "points": [], "labels": []}]
    while len(rows) <= clicks:
        nxt = None if trimap is None or "sad" not in rows[-1] else corrective_click(trimap, case["alpha"])
        if nxt is None:  # nothing left to click, or nothing to click on
            break
        tried = {"box": box, "points": points + [nxt[0]], "point_labels": labels + [nxt[1]]}
        row, found = _score_prompts(matter, case, tried, options, segmenter)
        if "sad" not in row:
            rows.append({**rows[-1], "step": len(rows), "refused_click": {"point": nxt[0], "label": nxt[1], **row}})
            break
        points, labels, trimap = tried["points"], tried["point_labels"], found
        rows.append({**row, "step": len(rows), "clicks": len(points), "points": list(points), "labels": list(labels)})
    while len(rows) <= clicks:  # the visitor stopped: they keep what they have
        kept = {key: value for key, value in rows[-1].items() if key != "refused_click"}
        rows.append({**kept, "step": len(rows)})
    return rows


def whole_sad(alpha: np.ndarray, truth: np.ndarray) -> float:
    """Whole-image sum of absolute differences, /1000 (like the unknown-region SAD)."""
    return float(np.abs(np.asarray(alpha, np.float64) - truth).sum() / 1000.0)


def load_cases(data: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Photos, ground truths and hand trimaps of a benchmark folder."""
    if not (data / "image").is_dir() or not (data / "alpha").is_dir():
        raise MattingInputError(f"'{data}' must hold image/ and alpha/ folders (alphamatting.com layout).")
    sets = sorted(p.name for p in data.iterdir() if p.is_dir() and p.name.startswith("trimap"))
    cases = []
    for path in sorted((data / "image").iterdir())[:limit]:
        alpha_path = data / "alpha" / path.name
        if not alpha_path.is_file():
            raise MattingInputError(f"'{path.name}' has no ground-truth alpha in '{data / 'alpha'}'.")
        truth = load_image(alpha_path)[..., 0].astype(np.float64) / 255.0
        image = load_image(path)
        if image.shape[:2] != truth.shape:
            raise MattingInputError(
                f"'{path.name}' is {image.shape[1]}x{image.shape[0]} but its alpha in '{data / 'alpha'}' is "
                f"{truth.shape[1]}x{truth.shape[0]}; a photo and its ground truth must be the same size."
            )
        hand = {name: load_trimap(data / name / path.name) for name in sets if (data / name / path.name).is_file()}
        cases.append({"name": path.stem, "image": image, "alpha": truth, "hand": hand})
    if not cases:
        raise MattingInputError(f"'{data / 'image'}' holds no photo.")
    return cases


def prompts_for(case: dict[str, Any], mode: str) -> dict[str, Any]:
    box = benchmark_box(case["alpha"])
    if mode == "box":
        return {"box": box}
    return {"box": box, "points": [benchmark_click(case["alpha"])], "point_labels": [1]}


def score_auto(
    matter, case: dict[str, Any], mode: str, options: SegmenterOptions, segmenter: SegmenterChoice = "classical"
) -> dict[str, Any]:
    """One automatic trimap, matted and scored; a refusal is recorded, not raised."""
    return _score_prompts(matter, case, prompts_for(case, mode), options, segmenter)[0]


def score_previous_tool(matter, case: dict[str, Any], band: int = 12) -> dict[str, Any]:
    """Yesterday's Auto tool: GrabCut from the box + a constant 12 px band."""
    from .previous_auto_tool import strokes_to_trimap

    try:
        trimap = strokes_to_trimap(case["image"], None, None, band, box=benchmark_box(case["alpha"]))
    except MattingInputError as exc:
        return {"refused": str(exc)}
    try:
        return {"sad": whole_sad(matter(case["image"], trimap).alpha, case["alpha"])}
    except ValueError as exc:  # the engine's solver gave up
        return {"refused": f"matting failed: {exc}"}


def grid_options(grid: list[dict[str, Any]]) -> list[SegmenterOptions]:
    return [replace(SegmenterOptions(), **changes) for changes in grid]


def mean_sad(rows: list[dict[str, Any]]) -> float:
    """Mean SAD; a refused box counts as infinitely bad."""
    return float(np.mean([row.get("sad", np.inf) for row in rows])) if rows else float("nan")


def run_benchmark(
    data: Path,
    cv: bool = False,
    previous: bool = False,
    limit: int | None = None,
    progress: Callable[[str], None] = print,
    backgrounds: Path | None = None,
    corrections: int = 0,
    segmenter: SegmenterChoice = "classical",
    jitter: int = 0,
    strokes: int = 0,
) -> dict[str, Any]:
    """Score the hand trimaps, (``previous``) the old Auto tool and the automatic
    trimaps; with ``cv`` every option set of :data:`CV_GRID`, else the defaults.
    With ``backgrounds`` (a folder of photos) every subject is first laid over
    one of them (:mod:`.new_backgrounds`): the same protocol on backgrounds
    that no setting was chosen on.  With ``corrections`` > 0 a simulated
    visitor also adds up to that many corrective clicks to the box
    (:func:`score_corrections`, default settings).  ``segmenter`` picks who
    segments (:func:`samplenet.segmentation.auto.segment`); ``"sam"`` is
    loaded before any photo is read, so a missing model fails at once.
    ``jitter`` boxes per photo and ``strokes`` corrective strokes follow the
    protocols of :mod:`.interaction`; each photo's segmentation is timed
    against a matte with its hand trimap (``hand_seconds``)."""
    _check_click_count(corrections)  # before any photo is read or matted
    check_count(jitter, "jittered boxes")
    check_count(strokes, "corrective strokes")
    sam_source = _check_segmenter(segmenter, cv)
    from ..engines import load

    matter = load(engine="classical")
    cases = load_cases(data, limit)
    laid_over: dict[str, str] = {}
    if backgrounds is not None:
        from .new_backgrounds import load_backgrounds, over_new_backgrounds

        cases = over_new_backgrounds(cases, load_backgrounds(backgrounds))
        laid_over = {case["name"]: case["background"] for case in cases}
        progress(f"subjects laid over the photos of {backgrounds}: {laid_over}")
    hand: dict[str, float] = {}
    hand_seconds: dict[str, float] = {}
    for case in cases:
        if case["hand"]:
            hand_seconds[case["name"]] = time_hand_matte(matter, case)
        sads = [whole_sad(matter(case["image"], tri).alpha, case["alpha"]) for tri in case["hand"].values()]
        hand[case["name"]] = float(np.mean(sads)) if sads else float("nan")
        progress(f"{case['name']}: hand trimaps SAD {hand[case['name']]:.2f}")
    corrected: dict[str, list[dict[str, Any]]] = {}
    if corrections:
        for case in cases:
            corrected[case["name"]] = score_corrections(matter, case, corrections, segmenter=segmenter)
            steps = ", ".join(f"{r['sad']:.2f}" if "sad" in r else "refused" for r in corrected[case["name"]])
            progress(f"corrective clicks {case['name']}: SAD after 0..{corrections} clicks {steps}")
    jittered: dict[str, list[dict[str, Any]]] = {}
    stroked: dict[str, list[dict[str, Any]]] = {}
    for case in cases if jitter else []:
        jittered[case["name"]] = score_jitter(matter, case, jitter, SegmenterOptions(), segmenter)
        progress(f"jittered boxes {case['name']}: " + _sads(jittered[case["name"]]))
    for case in cases if strokes else []:
        stroked[case["name"]] = score_strokes(matter, case, strokes, SegmenterOptions(), segmenter)
        progress(f"strokes {case['name']}: " + _sads(stroked[case["name"]]))
    option_sets = grid_options(CV_GRID) if cv else [SegmenterOptions()]
    scores: list[dict[str, Any]] = []
    for index, options in enumerate(option_sets):
        for mode in MODES:
            for case in cases:
                if corrected and mode == "box" and options == SegmenterOptions():
                    # The visitor's step 0 is this very trimap (same prompts, same settings, seeded).
                    first = corrected[case["name"]][0]
                    kept = ("sad", "refused", "trimap_cpu_s", "seconds", "unknown", "segmenter")
                    scored = {key: first[key] for key in kept if key in first}
                else:
                    scored = score_auto(matter, case, mode, options, segmenter)
                row = {"options": index, "mode": mode, "image": case["name"], **scored}
                scores.append(row)
                outcome = f"SAD {row['sad']:.2f}" if "sad" in row else "refused"
                progress(f"options {index} {mode} {case['name']}: {outcome}")
    old = {}
    if previous:
        for case in cases:
            old[case["name"]] = score_previous_tool(matter, case)
            progress(f"previous tool {case['name']}: {old[case['name']]}")
    return {
        "images": [c["name"] for c in cases],
        "hand": hand,
        "options": [asdict(o) for o in option_sets],
        "rows": scores,
        "previous": old,
        "backgrounds": laid_over,  # per image: the photo it was laid over (empty: its own)
        "corrections": corrected,  # per image: one row per number of corrective clicks (0 = box alone)
        "segmenter": {"asked": segmenter, "sam_model": sam_source},
        "hand_seconds": hand_seconds,  # per image: one matte with its first hand trimap, wall clock
        "jitter": jittered,  # per image: one row per jittered box
        "strokes": stroked,  # per image: one row per number of corrective strokes (0 = box alone)
    }


def _sads(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{row['sad']:.2f}" if "sad" in row else "refused" for row in rows)


def _check_segmenter(segmenter: str, cv: bool) -> str | None:
    """Refuse what cannot be measured before any work; return the SAM
    model's name when SAM is asked for (``"sam"`` must load, ``"auto"``
    may fall back and the rows say so)."""
    check_segmenter(segmenter)
    if cv and segmenter != "classical":
        raise MattingInputError(
            "--cv compares settings of the classical segmenter; run it with --segmenter classical."
        )
    if segmenter == "classical":
        return None
    from ..segmentation.sam import SegmenterUnavailable, load_sam_segmenter

    try:
        return load_sam_segmenter().source
    except SegmenterUnavailable:
        if segmenter == "sam":
            raise
        return None


def _segmenter_line(result: dict[str, Any]) -> str:
    """Which segmenter made the automatic trimaps, counted over the rows."""
    ran = Counter(  # a result saved before rows named it: "not recorded"
        row.get("segmenter", "not recorded") for row in result["rows"] if "sad" in row or "segmenter" in row
    )
    info = result.get("segmenter", {})  # absent in a result saved before the benchmark named it
    asked, model = info.get("asked", "classical"), info.get("sam_model")
    names = ", ".join(
        name + (f" ({model})" if name == "sam" and model else "") + f": {count} trimaps"
        for name, count in sorted(ran.items())
    )
    return f"Segmenter asked for: {asked}; ran: {names or 'none (every prompt refused)'}."


def summarise(result: dict[str, Any]) -> str:
    """Markdown tables: per option set and mode, mean SAD and ratio to hand;
    with several option sets, the two cross-validation folds."""
    images = result["images"]
    hand = result["hand"]
    # GT01-06 / GT07-13 on the 13 dev images (the house protocol), else halves.
    half = 6 if len(images) == 13 else len(images) // 2
    folds = [(images[:half], images[half:]), (images[half:], images[:half])]

    def rows_of(index: int, mode: str, names: list[str]) -> list[dict[str, Any]]:
        return [r for r in result["rows"] if r["options"] == index and r["mode"] == mode and r["image"] in names]

    def hand_mean(names: list[str]) -> float:
        return float(np.mean([hand[n] for n in names]))

    lines = [_segmenter_line(result), ""]
    if result.get("backgrounds"):
        lines.append("Subjects laid over new backgrounds (image: background photo):")
        lines.append("")
        lines.append("; ".join(f"{name}: {photo}" for name, photo in result["backgrounds"].items()))
        lines.append("")
    lines.append("| trimap | mean whole-image SAD | × hand | refused |")
    lines.append("|---|---|---|---|")
    lines.append(f"| hand-made (mean of the trimap sets) | {hand_mean(images):.2f} | 1.00 | 0 |")
    if result["previous"]:
        prev = list(result["previous"].values())
        done = [p["sad"] for p in prev if "sad" in p]
        refused = sum("refused" in p for p in prev)
        names_done = [n for n, p in result["previous"].items() if "sad" in p]
        mean_done = f"{np.mean(done):.2f} | {np.mean(done) / hand_mean(names_done):.2f}" if done else "- | -"
        lines.append(
            f"| previous Auto tool, box (GrabCut + 12 px band; mean over the {len(done)} boxes it accepted) | "
            f"{mean_done} | {refused} |"
        )
    n_sets = len(result["options"])
    for index in range(n_sets):
        for mode in MODES:
            rows = rows_of(index, mode, images)
            refused = sum("refused" in r for r in rows)
            label = f"auto, {mode}" + (f" (options {index})" if n_sets > 1 else "")
            lines.append(f"| {label} | {mean_sad(rows):.2f} | {mean_sad(rows) / hand_mean(images):.2f} | {refused} |")
    if n_sets > 1:
        lines.append("")
        lines.append("| fold | fit on | chosen options | mode | score on | auto SAD | hand SAD | × hand |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for fit, test in folds:
            best = min(range(n_sets), key=lambda i: mean_sad(rows_of(i, "box", fit)))
            chosen = {k: result["options"][best][k] for k in sorted(CV_GRID[0])}
            for mode in MODES:
                auto = mean_sad(rows_of(best, mode, test))
                lines.append(
                    f"| {fit[0]}-{fit[-1]} → {test[0]}-{test[-1]} | {fit[0]}-{fit[-1]} | {chosen} | {mode} | "
                    f"{test[0]}-{test[-1]} | {auto:.2f} | {hand_mean(test):.2f} | {auto / hand_mean(test):.2f} |"
                )
    if result.get("corrections"):
        lines.extend(["", *_corrections_table(result["corrections"], images, hand)])
    timed = {r["image"]: r["seconds"] for r in rows_of(_default_index(result), "box", images) if "seconds" in r}
    if result.get("hand_seconds") and timed:
        both = {name: timed[name] for name in images if name in timed and name in result["hand_seconds"]}
        lines.extend(["", *quick_table(both, result["hand_seconds"])])
    if result.get("jitter"):
        lines.extend(["", *jitter_table(result["jitter"], hand)])
    if result.get("strokes"):
        lines.extend(["", *strokes_table(result["strokes"], hand)])
    lines.append("")
    previous_column = " | previous tool SAD |" if result["previous"] else " |"
    lines.append("Per image, the default settings" + (f" (options {_default_index(result)}):" if n_sets > 1 else ":"))
    lines.append("")
    lines.append("| image | hand SAD | " + " | ".join(f"{m} SAD" for m in MODES) + previous_column)
    lines.append("|---|---|" + "---|" * len(MODES) + ("---|" if result["previous"] else ""))
    for name in images:
        cells = []
        for mode in MODES:
            row = rows_of(0 if n_sets == 1 else _default_index(result), mode, [name])[0]
            cells.append(f"{row['sad']:.2f}" if "sad" in row else "refused")
        if result["previous"]:
            prev = result["previous"][name]
            cells.append(f"{prev['sad']:.2f}" if "sad" in prev else "refused")
        lines.append(f"| {name} | {hand[name]:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _corrections_table(
    corrected: dict[str, list[dict[str, Any]]], images: list[str], hand: dict[str, float]
) -> list[str]:
    """Mean SAD after each number of corrective clicks, then per image (with
    each click's label: + subject, - background)."""
    steps = len(next(iter(corrected.values())))
    hand_mean = float(np.mean([hand[n] for n in images]))
    lines = [
        "Box, then corrective clicks where the trimap is most surely wrong (default settings; "
        "per image, each click's label: + subject, - background):",
        "",
    ]
    lines.append("| clicks | mean whole-image SAD | × hand | photos within 2× of their hand SAD |")
    lines.append("|---|---|---|---|")
    for k in range(steps):
        rows = [corrected[n][k] for n in images]
        within = sum(r.get("sad", np.inf) <= 2 * hand[n] for r, n in zip(rows, images, strict=True))
        lines.append(f"| {k} | {mean_sad(rows):.2f} | {mean_sad(rows) / hand_mean:.2f} | {within} of {len(images)} |")
    heads = ["box alone"] + [f"+{k} click" + ("s" if k > 1 else "") for k in range(1, steps)]
    lines.extend(["", "| image | hand SAD | " + " | ".join(heads) + " |"])
    lines.append("|---|---|" + "---|" * steps)
    for name in images:
        cells = []
        for row in corrected[name]:
            if "sad" not in row:
                cells.append("refused")
                continue
            signs = "".join("+" if label else "-" for label in row["labels"])
            refused = " [click refused]" if "refused_click" in row else ""
            cells.append(f"{row['sad']:.2f}" + (f" ({signs})" if signs else "") + refused)
        lines.append(f"| {name} | {hand[name]:.2f} | " + " | ".join(cells) + " |")
    return lines


def _default_index(result: dict[str, Any]) -> int:
    # Compared as JSON would store them (tuples become lists in a saved result).
    defaults = json.loads(json.dumps(asdict(SegmenterOptions())))
    for index, options in enumerate(result["options"]):
        if json.loads(json.dumps(options)) == defaults:
            return index
    return 0


from .interaction import (  # noqa: E402 - interaction imports this module's protocol helpers
    check_count,
    jitter_table,
    quick_table,
    score_jitter,
    score_strokes,
    strokes_table,
    time_hand_matte,
)
