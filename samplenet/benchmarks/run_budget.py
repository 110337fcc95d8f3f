"""``samplenet bench budget``: does the app answer within its run budget, and
how close is the cost model?

Three tables, each from dev photos (alphamatting.com GT01-GT13) scaled to a
number of megapixels, their trimaps with them (nearest neighbour):

* ``budget``: single visitor. Each photo goes through the app's own
  ``matte_arrays`` (working size chosen by :mod:`samplenet.budget.working_size`,
  engines timed at start-up as ``app.py`` does), one after the other, each
  after the previous run has really finished (an abandoned run would
  otherwise eat the next one's budget). Reports the working size, the
  options, the prediction, the wall time, and whether SampleNet answered
  or the run was cut short.
* ``model``: the engine called directly at full size (no budget), its time
  against the calibrated model's prediction made before the run.
* ``sizes``: what a smaller working size does to the matte: the app's
  reduce-then-restore path at 1x, 0.7x and 0.5x of the photo, the alpha's
  mean |difference| from 1x over the unknown pixels, and the SAD against
  the ground truth (meaningful for the weight-free engine and for real
  SampleNet weights, not for stand-in ones).

Timings depend on the machine's load: every row carries the 1-minute load
average read just before it.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..io import UNKNOWN, load_image, load_trimap
from ..tables import format_table

DEV_PHOTOS = ("GT01", "GT04", "GT08", "GT13")
BUDGET_SIZES = (1.0, 4.0, 12.0)
MODEL_RUNS = ((0.25, None), (0.5, None), (1.0, None), (1.0, 640), (2.0, 640), (4.0, 640))
SIZE_SCALES = (1.0, 0.7, 0.5)


def dev_pair(data: str | os.PathLike, name: str, megapixels: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A dev photo and its first trimap, scaled to ``megapixels`` (as they are for ``None``)."""
    folder = Path(data)
    image = load_image(folder / "image" / f"{name}.png")
    trimap = load_trimap(folder / "trimap1" / f"{name}.png")
    if megapixels is None:
        return image, trimap
    height, width = trimap.shape
    scale = (megapixels * 1e6 / (height * width)) ** 0.5
    size = (round(width * scale), round(height * scale))
    grow = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(image, size, interpolation=grow), cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST)


def dev_alpha(data: str | os.PathLike, name: str) -> np.ndarray:
    """A dev photo's ground-truth alpha in [0, 1] (one channel of its RGB file)."""
    return load_image(Path(data) / "alpha" / f"{name}.png")[..., 0].astype(np.float32) / 255.0


def budget_rows(registry: Any, data: str, photos: list[str], sizes: list[float], engine: str,
                progress: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """The single-visitor check through the app's ``matte_arrays``, with
    ``registry`` served as the app serves its own, for the time of the check."""
    from ..app import gpu, handlers
    from ..app.run_budget import engine_slot, run_seconds_from_env

    previous = gpu.served()
    gpu.serve(registry)
    try:
        rows = []
        for megapixels in sizes:
            for name in photos:
                image, trimap = dev_pair(data, name, megapixels)
                with engine_slot():  # an earlier run cut short has really finished
                    pass
                load = os.getloadavg()[0]
                start = time.perf_counter()
                outcome = handlers.matte_arrays(engine, image, trimap)
                wall = time.perf_counter() - start
                info = outcome.result.info
                choice = getattr(outcome, "choice", None)
                row = {
                    "photo": name, "MP": round(trimap.size / 1e6, 2), "size": f"{trimap.shape[1]}x{trimap.shape[0]}",
                    "working size": info.get("working_size", f"{trimap.shape[1]}x{trimap.shape[0]}"),
                    "sampling": info.get("sampling_size") and "x".join(map(str, info["sampling_size"])),
                    "predicted s": choice.predicted_seconds if choice else None,
                    "engine s": float(info.get("seconds", float("nan"))), "wall s": wall,
                    "budget s": run_seconds_from_env(),
                    "answered by": outcome.result.engine, "load": load,
                }
                rows.append(row)
                progress(f"{name} {megapixels} MP: {row}")
        return rows
    finally:
        gpu.serve(previous)


def model_rows(matter: Any, model: Any, data: str, photos: list[str], runs: list[tuple[float, int | None]],
               progress: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """The engine at full size against the model's prediction (made before the run)."""
    from ..budget.cost_model import RunShape

    rows = []
    for megapixels, cap in runs:
        for name in photos:
            image, trimap = dev_pair(data, name, megapixels)
            shape = RunShape.of(*trimap.shape, float(np.mean(trimap == UNKNOWN)), cap)
            predicted = model.predict(shape)
            load = os.getloadavg()[0]
            start = time.perf_counter()
            matter(image, trimap, **({"sampling_max_side": cap} if cap else {}))
            measured = time.perf_counter() - start
            row = {"photo": name, "MP": round(trimap.size / 1e6, 2), "sampling cap": cap or "-",
                   "unknown": float(np.mean(trimap == UNKNOWN)), "predicted s": predicted,
                   "measured s": measured, "predicted / measured": predicted / measured, "load": load}
            rows.append(row)
            progress(f"{name} {megapixels} MP cap {cap}: {row}")
    return rows


def size_rows(matter: Any, data: str, photos: list[str], scales: list[float],
              progress: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """The app's reduce-then-restore path at each scale of the dev photos as they are."""
    from ..app.resolution import restore_full_size, working_copy

    rows = []
    for name in photos:
        image, trimap = dev_pair(data, name)
        truth = dev_alpha(data, name)
        unknown = trimap == UNKNOWN
        full = None
        for scale in scales:
            work = working_copy(image, trimap, int(trimap.size * scale * scale) if scale < 1 else trimap.size)
            start = time.perf_counter()
            result = restore_full_size(matter(work.image, work.trimap), image, trimap)
            seconds = time.perf_counter() - start
            if full is None:
                full = result.alpha
            rows.append({
                "photo": name, "scale": scale, "working size": f"{work.trimap.shape[1]}x{work.trimap.shape[0]}",
                "seconds": seconds, "mean |Δα| vs 1x (unknown)": float(np.abs(result.alpha - full)[unknown].mean()),
                "SAD vs ground truth": float(np.abs(result.alpha - truth)[unknown].sum() / 1000.0),
            })
            progress(f"{name} x{scale}: {rows[-1]}")
    return rows


def table(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    if not rows:
        return "(no rows)"
    headers = list(rows[0])
    return format_table(headers, [[row.get(h) for h in headers] for row in rows], markdown=markdown)
