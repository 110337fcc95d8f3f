"""``samplenet bench quality``: matting engines side by side on ground truth.

All engines run in one process on the same loaded inputs, one image at a
time with the engines interleaved (so that a change in machine load hits
them alike).  Before timing, each engine is built and called once on the
first image: that warm-up is reported as its first-call time (it includes
imports and JIT compilation that the engines before it in the list did not
already do); ``fresh_first_call_s`` repeats it in a new Python process.
Each prediction is fixed to the trimap in the known regions, then scored
with :mod:`samplenet.evaluation.metrics`; ratios are to pymatting's closed-form
matting, the baseline of the quality bar.  An engine that refuses one
case (a ``ValueError``: pymatting refuses a trimap whose sure subject a wide
band swallowed) does not end the run: that case is left out for every
engine, so that the ratios still compare the same cases, and named in
``QualityResult.failed``.
"""
from __future__ import annotations

import contextlib
import io
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..benchmarks.first_call import measure_first_call
from ..errors import MattingInputError
from ..tables import format_table
from .benchmark_set import BenchmarkCase
from .compared_engines import ENGINE_BUILDERS, REFERENCE_ENGINE, checked_alpha
from .metrics import METRIC_TITLES, METRICS, all_metrics

logger = logging.getLogger("samplenet")


@dataclass
class QualityResult:
    """``rows``: one per (image, trimap set, engine) with the four errors
    and ``seconds``; ``first_call``: engine -> warm-up seconds in this
    process; ``fresh_first_call``: engine -> seconds in a new process."""

    engines: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    first_call: dict[str, float] = field(default_factory=dict)
    fresh_first_call: dict[str, float] = field(default_factory=dict)
    #: What engines printed while running (pymatting prints solver
    #: warnings), one entry per call that printed anything.
    printed: list[dict[str, str]] = field(default_factory=list)
    #: Cases an engine refused (engine, image, trimap, error), each left
    #: out of ``rows`` for every engine.
    failed: list[dict[str, str]] = field(default_factory=list)

    def note_printed(self, engine: str, case: BenchmarkCase, text: str) -> None:
        """Keep what an engine printed on ``case`` (whitespace folded), if anything."""
        text = " ".join(text.split())
        if text:
            self.printed.append({"engine": engine, "image": case.image_name, "trimap": case.trimap_set, "text": text})

    def rows_of(self, engine: str, trimap_set: str | None = None) -> list[dict[str, Any]]:
        """The rows of one engine, of one trimap set or (``None``) of all."""
        return [
            row
            for row in self.rows
            if row["engine"] == engine and (trimap_set is None or row["trimap"] == trimap_set)
        ]

    def summary(self) -> list[dict[str, Any]]:
        """Per engine and trimap set (and ``all``): mean errors, median and
        mean time, first-call times and the ratios to the reference engine
        (mean error / reference mean error, median time / reference median)."""
        groups = sorted({row["trimap"] for row in self.rows}) + ["all"]
        out = []
        for group in groups:
            stats = {}
            for engine in self.engines:
                rows = self.rows_of(engine, None if group == "all" else group)
                entry: dict[str, Any] = {"engine": engine, "trimaps": group, "cases": len(rows)}
                for name in METRICS:
                    entry[f"mean_{name}"] = statistics.fmean(row[name] for row in rows)
                entry["median_s"] = statistics.median(row["seconds"] for row in rows)
                entry["mean_s"] = statistics.fmean(row["seconds"] for row in rows)
                entry["first_call_s"] = self.first_call.get(engine)
                entry["fresh_first_call_s"] = self.fresh_first_call.get(engine)
                stats[engine] = entry
            reference = stats.get(REFERENCE_ENGINE)
            for entry in stats.values():
                for name in METRICS:
                    entry[f"{name}_ratio"] = _ratio(entry[f"mean_{name}"], reference and reference[f"mean_{name}"])
                entry["time_ratio"] = _ratio(entry["median_s"], reference and reference["median_s"])
                out.append(entry)
        return out


def _ratio(value: float, reference: float | None) -> float | None:
    if reference is None:
        return None
    if reference == 0:
        return 1.0 if value == 0 else float("inf")
    return value / reference


def _call_capturing_stdout(function: Any, case: BenchmarkCase) -> tuple[Any, str]:
    """Run an engine, keeping what it prints out of the tables."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        alpha = function(case.image, case.trimap)
    return alpha, buffer.getvalue()


#: pymatting's words when a trimap has no sure foreground or background
#: (a composite's wide trimap can lack either): a refusal of the input.
PYMATTING_REFUSAL = "did not contain"


def is_refusal(exc: ValueError) -> bool:
    """Whether an engine's ``ValueError`` refuses the input (our
    :class:`MattingInputError`, or pymatting's missing sure region) rather
    than being a defect (a shape or broadcast error), which must end the run."""
    return isinstance(exc, MattingInputError) or PYMATTING_REFUSAL in str(exc)


def run_quality_benchmark(
    cases: Sequence[BenchmarkCase],
    engines: Sequence[str],
    options: dict[str, Any] | None = None,
    progress: bool = True,
    fresh_first_call: bool = False,
) -> QualityResult:
    """Run ``engines`` (names in :data:`ENGINE_BUILDERS`) over ``cases``."""
    from tqdm.auto import tqdm

    if not cases:
        raise ValueError("no benchmark cases to run")
    options = options or {}
    result = QualityResult(engines=list(engines))

    functions = {}
    for engine in engines:
        start = time.perf_counter()
        try:
            function = ENGINE_BUILDERS[engine](options)
        except ImportError as exc:
            raise ValueError(f"engine {engine!r} is not available in this installation: {exc}") from None
        refusal = ""
        for warm_up in cases:  # the first case the engine takes (a refusal of the first must not end the run)
            try:
                raw, printed = _call_capturing_stdout(function, warm_up)
                break
            except ValueError as exc:
                if not is_refusal(exc):
                    raise
                refusal = str(exc)
        else:
            raise ValueError(f"engine {engine!r} refused every case (the last: {refusal})")
        checked_alpha(raw, warm_up.trimap, engine)
        result.first_call[engine] = time.perf_counter() - start
        result.note_printed(engine, warm_up, printed)
        functions[engine] = function
        if fresh_first_call:
            try:
                result.fresh_first_call[engine] = measure_first_call(
                    engine, warm_up.image_path, warm_up.trimap_path, options
                )
            except RuntimeError as exc:
                logger.warning("%s", exc)

    bar = tqdm(total=len(cases) * len(engines), desc="bench quality", unit="matte", disable=not progress)
    for case in cases:
        case_rows = []
        for engine in engines:
            bar.set_postfix_str(f"{case.image_name}/{case.trimap_set} {engine}")
            start = time.perf_counter()
            try:
                raw, printed = _call_capturing_stdout(functions[engine], case)
            except ValueError as exc:
                if not is_refusal(exc):  # a defect, e.g. a shape error: it must not just drop the case
                    raise
                result.failed.append(
                    {"engine": engine, "image": case.image_name, "trimap": case.trimap_set, "error": str(exc)}
                )
                bar.update(len(engines) - len(case_rows))
                break
            seconds = time.perf_counter() - start
            result.note_printed(engine, case, printed)
            alpha = checked_alpha(raw, case.trimap, engine)
            scores = all_metrics(alpha, case.alpha, case.trimap)
            case_rows.append(
                {"image": case.image_name, "trimap": case.trimap_set, "engine": engine, **scores, "seconds": seconds}
            )
            bar.update(1)
        else:
            result.rows.extend(case_rows)
    bar.close()
    if not result.rows:
        refusals = "; ".join(f"{f['engine']} on {f['image']}/{f['trimap']}: {f['error']}" for f in result.failed)
        raise ValueError(f"every case was refused by an engine: {refusals}")
    return result


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------
def per_image_table(result: QualityResult, markdown: bool = False) -> str:
    """One line per image and trimap: each engine's four errors and time."""
    headers = ["image", "trimap"]
    for engine in result.engines:
        headers += [f"{engine} {METRIC_TITLES['sad']}"] + [METRIC_TITLES[n] for n in list(METRICS)[1:]] + ["s"]
    by_case: dict[tuple[str, str], dict[str, dict]] = {}
    for row in result.rows:
        by_case.setdefault((row["image"], row["trimap"]), {})[row["engine"]] = row
    lines = []
    for (image, trimap), engines in by_case.items():
        line: list[Any] = [image, trimap]
        for engine in result.engines:
            row = engines[engine]
            line += [row[name] for name in METRICS] + [row["seconds"]]
        lines.append(line)
    return format_table(headers, lines, markdown=markdown)


def summary_table(result: QualityResult, markdown: bool = False) -> str:
    """Means, median time, first-call times and ratios to closed form."""
    headers = (
        ["engine", "trimaps"]
        + [f"mean {METRIC_TITLES[n]}" for n in METRICS]
        + ["median s", "first call s", "fresh process s"]
        + [f"{METRIC_TITLES[n]}/cf" for n in METRICS]
        + ["time/cf"]
    )
    lines = []
    for entry in result.summary():
        lines.append(
            [entry["engine"], entry["trimaps"]]
            + [entry[f"mean_{n}"] for n in METRICS]
            + [entry["median_s"], entry["first_call_s"], entry["fresh_first_call_s"]]
            + [entry[f"{n}_ratio"] for n in METRICS]
            + [entry["time_ratio"]]
        )
    return format_table(headers, lines, markdown=markdown)
