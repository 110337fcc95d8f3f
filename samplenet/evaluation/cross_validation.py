"""Two-fold cross-validation of engine settings on a benchmark set.

A quality figure counts only if it holds on images the settings were not
chosen on.  The images are split into two halves by source photo (on
alphamatting_dev: GT01-06 and GT07-13, every trimap of an image and every
composite built from it in the same half); for each fold the candidate with the best errors on one half
(``fit``) is scored on the other (``held out``), then the halves swap.
Errors are ratios to the reference engine (closed-form matting) on the same
cases: mean error of the candidate / mean error of the reference.
"""
from __future__ import annotations

import contextlib
import json
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..tables import format_table
from .compared_engines import ENGINE_BUILDERS, AlphaFunction

#: (image, trimap set) -> {"sad": ..., "mse": ..., ...}
CaseScores = Mapping[tuple[str, str], Mapping[str, float]]


@dataclass
class FoldResult:
    """One fold: the candidate chosen on ``fit`` and its ratios on both halves."""

    fit_images: list[str]
    held_out_images: list[str]
    chosen: str
    fit_sad_ratio: float
    fit_mse_ratio: float
    held_out_sad_ratio: float
    held_out_mse_ratio: float


def halves(image_names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The sorted names split in two by source photo, the first half the
    smaller when the count of photos is odd (GT01-06 / GT07-13 on the 13
    alphamatting_dev images); a composite (``GT07~cloth~over-GT02``) goes
    with its source photo, so that no fold is fitted on a photo's subject
    and scored on the same subject over another background."""
    from .hard_subjects import source_photo

    names = sorted(set(image_names))
    photos = sorted({source_photo(name) for name in names})
    if len(photos) < 2:
        raise ValueError(f"cross-validation needs at least two images, got {len(photos)}")
    first = set(photos[: len(photos) // 2])
    return [n for n in names if source_photo(n) in first], [n for n in names if source_photo(n) not in first]


def ratio(scores: CaseScores, reference: CaseScores, images: Sequence[str], metric: str) -> float:
    """Mean ``metric`` of ``scores`` over the cases of ``images`` divided by
    the reference's mean over the same cases."""
    keys = [key for key in reference if key[0] in set(images)]
    missing = [key for key in keys if key not in scores]
    if not keys or missing:
        raise ValueError(f"no scores to compare for {missing or list(images)}")
    ours = statistics.fmean(scores[key][metric] for key in keys)
    theirs = statistics.fmean(reference[key][metric] for key in keys)
    return ours / theirs if theirs else (1.0 if ours == 0 else float("inf"))


def cross_validate(candidates: Mapping[str, CaseScores], reference: CaseScores) -> list[FoldResult]:
    """Both folds for ``candidates`` (name -> per-case scores).

    The candidate chosen on a fit half is the one with the smallest sum of
    its SAD and MSE ratios there (both targets count alike); ties go to the
    earlier candidate.
    """
    if not candidates:
        raise ValueError("no candidates to cross-validate")
    first, second = halves([image for image, _ in reference])
    out = []
    for fit, held_out in ((first, second), (second, first)):
        fit_ratios = {
            name: (ratio(scores, reference, fit, "sad"), ratio(scores, reference, fit, "mse"))
            for name, scores in candidates.items()
        }
        chosen = min(fit_ratios, key=lambda name: sum(fit_ratios[name]))
        out.append(
            FoldResult(
                fit_images=fit,
                held_out_images=held_out,
                chosen=chosen,
                fit_sad_ratio=fit_ratios[chosen][0],
                fit_mse_ratio=fit_ratios[chosen][1],
                held_out_sad_ratio=ratio(candidates[chosen], reference, held_out, "sad"),
                held_out_mse_ratio=ratio(candidates[chosen], reference, held_out, "mse"),
            )
        )
    return out


def scores_by_case(rows: Sequence[Mapping[str, Any]], engine: str) -> dict[tuple[str, str], dict[str, float]]:
    """The benchmark's rows of one engine keyed by (image, trimap set)."""
    return {(row["image"], row["trimap"]): dict(row) for row in rows if row["engine"] == engine}


def _span(images: Sequence[str]) -> str:
    return images[0] if len(images) == 1 else f"{images[0]}-{images[-1]}"


def folds_table(folds: Sequence[FoldResult], markdown: bool = False) -> str:
    """One line per fold: halves, chosen candidate, ratios on both halves."""
    headers = ["fit on", "chosen", "fit SAD/cf", "fit MSE/cf", "held out", "held-out SAD/cf", "held-out MSE/cf"]
    lines = [
        [
            _span(f.fit_images),
            f.chosen,
            f.fit_sad_ratio,
            f.fit_mse_ratio,
            _span(f.held_out_images),
            f.held_out_sad_ratio,
            f.held_out_mse_ratio,
        ]
        for f in folds
    ]
    return format_table(headers, lines, markdown=markdown)


# --------------------------------------------------------------------------
# Candidate settings of the classical engine as benchmark engines
# --------------------------------------------------------------------------
CANDIDATE_PREFIX = "classical:"


def load_candidates(path: str | Path) -> dict[str, dict[str, Any]]:
    """``{"name": {option: value, ...}, ...}`` from a JSON file; every option
    set is checked by building an engine with it."""
    from ..engines.classical import ClassicalMatter

    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read candidate settings from '{path}': {exc}") from None
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(
            f"'{path}' must hold a JSON object of named option objects, e.g. {{\"a\": {{\"epsilon\": 1e-6}}}}"
        )
    for name, options in data.items():
        try:
            ClassicalMatter(**options)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"candidate {name!r} in '{path}': {exc}") from None
    return data


def candidate_builder(options: dict[str, Any]):
    """A benchmark-engine builder for the classical engine with ``options``."""

    def build(_bench_options: dict[str, Any]) -> AlphaFunction:
        from ..engines.classical import ClassicalMatter

        matter = ClassicalMatter(**options)
        return lambda image, trimap: matter(image, trimap).alpha

    return build


@contextlib.contextmanager
def registered_candidates(candidates: Mapping[str, dict[str, Any]]) -> Iterator[list[str]]:
    """Make each candidate a benchmark engine named ``classical:NAME`` for
    the duration of the block; yields the engine names."""
    names = [CANDIDATE_PREFIX + name for name in candidates]
    for name, options in zip(names, candidates.values(), strict=True):
        ENGINE_BUILDERS[name] = candidate_builder(dict(options))
    try:
        yield names
    finally:
        for name in names:
            ENGINE_BUILDERS.pop(name, None)
