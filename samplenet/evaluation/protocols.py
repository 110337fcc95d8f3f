"""The held-out protocols of ``bench quality`` (its options are declared in :mod:`samplenet.cli.bench_quality`).

* ``--trimaps wide`` (alone or with trimap folders, e.g.
  ``trimap1,trimap2,wide``) adds the wide-trimap variant of the set
  (:mod:`.wide_trimaps`), built in memory from the ground truth.
* ``--cv`` prints the two-fold cross-validation table
  (:mod:`.cross_validation`) of every engine against closed form, per
  trimap kind (the folder trimaps and the wide ones apart).
* ``--cv-candidates FILE.json`` adds one classical engine per named option
  set (``classical:NAME``); ``--cv`` then also shows which one each fold's
  fit half chooses and how it does on the held-out half.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from .benchmark_set import BenchmarkCase, load_benchmark_set
from .compared_engines import ENGINE_BUILDERS, REFERENCE_ENGINE, parse_engine_list
from .cross_validation import (
    CANDIDATE_PREFIX,
    candidate_builder,
    cross_validate,
    folds_table,
    load_candidates,
    scores_by_case,
)
from .wide_trimaps import WIDE, wide_trimap_cases


def engine_names(args: argparse.Namespace) -> list[str]:
    """``--engines`` plus one ``classical:NAME`` engine per candidate (each
    registered as a benchmark engine for the rest of the process)."""
    engines = parse_engine_list(args.engines)
    if args.cv_candidates:
        for name, options in load_candidates(args.cv_candidates).items():
            ENGINE_BUILDERS[CANDIDATE_PREFIX + name] = candidate_builder(options)
            engines.append(CANDIDATE_PREFIX + name)
    return engines


def benchmark_cases(
    data: str | os.PathLike, trimaps: Sequence[str] | None, limit: int | None
) -> list[BenchmarkCase]:
    """The cases of ``data`` for the trimap sets asked for, where ``wide``
    means the wide-trimap variant; image by image."""
    wanted = list(trimaps or [])
    wide = WIDE in wanted
    folders = [name for name in wanted if name != WIDE]
    if not wide:
        return load_benchmark_set(data, folders or None, limit)
    loaded = load_benchmark_set(data, folders or None, limit)
    wide_cases = {case.image_name: case for case in wide_trimap_cases(loaded)}
    out: list[BenchmarkCase] = []
    for name in dict.fromkeys(case.image_name for case in loaded):
        if folders:
            out += [case for case in loaded if case.image_name == name]
        if name in wide_cases:
            out.append(wide_cases[name])
    return out


def composite_cases(
    cases: Sequence[BenchmarkCase], backgrounds: str | os.PathLike | None = None
) -> list[BenchmarkCase]:
    """The translucent and see-through composites of :mod:`.hard_subjects`
    built from ``cases``' subjects, over their photos and those of the
    folder ``backgrounds`` (if given)."""
    from .hard_subjects import composite_cases as make
    from .new_backgrounds import load_backgrounds

    return make(cases, load_backgrounds(Path(backgrounds)) if backgrounds else None)


def interleaved(cases: Sequence[BenchmarkCase], composites: Sequence[BenchmarkCase]) -> list[BenchmarkCase]:
    """``cases`` and ``composites`` ordered by image name (a composite's name
    starts with its source photo's), so progress and tables read photo by photo."""
    return sorted([*cases, *composites], key=lambda case: case.image_name)


def print_cross_validation(rows: Sequence[dict], engines: Sequence[str], markdown: bool = False) -> None:
    """Fold tables per trimap kind: each engine alone, then (if there are
    several ``classical:`` candidates) the candidate chosen per fold."""
    if REFERENCE_ENGINE not in engines:
        print(f"cross-validation needs {REFERENCE_ENGINE} among the engines (the ratios are to it)")
        return
    kinds = {
        "trimap folders": [r for r in rows if r["trimap"] != WIDE],
        "wide trimaps": [r for r in rows if r["trimap"] == WIDE],
    }
    for kind, kind_rows in kinds.items():
        if not kind_rows:
            continue
        reference = scores_by_case(kind_rows, REFERENCE_ENGINE)
        if len({image for image, _ in reference}) < 2:
            print(f"cross-validation on {kind}: needs at least two images")
            continue
        print(f"\nTwo-fold cross-validation on {kind} (ratios to {REFERENCE_ENGINE} on the same cases):")
        others = [e for e in engines if e != REFERENCE_ENGINE]
        for engine in others:
            print(f"\n{engine}:")
            print(folds_table(cross_validate({engine: scores_by_case(kind_rows, engine)}, reference), markdown))
        candidates = [e for e in others if e.startswith(CANDIDATE_PREFIX)]
        if len(candidates) > 1:
            print("\nchosen per fold among " + ", ".join(candidates) + ":")
            scores = {e[len(CANDIDATE_PREFIX):]: scores_by_case(kind_rows, e) for e in candidates}
            print(folds_table(cross_validate(scores, reference), markdown))
