"""``samplenet bench budget``: the command line of :mod:`samplenet.benchmarks.run_budget`."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

from ..benchmarks.run_budget import (
    BUDGET_SIZES,
    DEV_PHOTOS,
    MODEL_RUNS,
    SIZE_SCALES,
    budget_rows,
    model_rows,
    size_rows,
    table,
)
from ..tables import machine_description, output_paths, write_json
from .bench_speed import parse_sizes

PARTS = ("budget", "model", "sizes")


def _runs(text: str) -> list[tuple[float, int | None]]:
    """``1,2@640`` -> [(1.0, None), (2.0, 640)]: megapixels, @ the samplers' cap."""
    runs = []
    for item in text.split(","):
        size, _, cap = item.partition("@")
        runs.append((float(size), int(cap) if cap else None))
    return runs


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "budget",
        help="the app's run budget: working sizes chosen, times against the cost model",
        description="Dev photos scaled up (trimaps with them) through the app's matte_arrays one visitor at "
        "a time (part 'budget'), the engine at full size against the cost model's prediction ('model'), "
        "and the reduce-then-restore path at 1x/0.7x/0.5x ('sizes').",
    )
    parser.add_argument("--data", default="../shared/data/alphamatting_dev",
                        help="folder with image/, trimap1/, alpha/ (default ../shared/data/alphamatting_dev)")
    parser.add_argument("--weights", default=os.environ.get("SAMPLENET_WEIGHTS"),
                        help="SampleNet weights (default $SAMPLENET_WEIGHTS)")
    parser.add_argument("--stand-in", action="store_true",
                        help="write seeded random weights (SampleNet's architecture) to a temporary folder and "
                        "use them: the same timings as real weights, no quality")
    parser.add_argument("--engine", default="samplenet", choices=("samplenet", "classical"),
                        help="the engine whose runs are measured (default samplenet)")
    parser.add_argument("--parts", default="budget", help=f"comma-separated, of {','.join(PARTS)} (default budget)")
    parser.add_argument("--photos", default=",".join(DEV_PHOTOS), help="dev photo names")
    parser.add_argument("--sizes", type=parse_sizes, default=list(BUDGET_SIZES), help="megapixels for 'budget'")
    parser.add_argument("--runs", type=_runs, default=list(MODEL_RUNS),
                        help="megapixels[@sampling cap] for 'model' (default 0.25,0.5,1,1@640,2@640,4@640)")
    parser.add_argument("--scales", type=parse_sizes, default=list(SIZE_SCALES), help="scales for 'sizes'")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--out", help="also save the rows as JSON (name ending in .json)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..app.calibration import calibrate_engines
    from ..app.engines import EngineRegistry
    from ..budget.cost_model import model_for

    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        print(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    photos = [name.strip() for name in args.photos.split(",") if name.strip()]
    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="samplenet-stand-in-") as scratch:
        weights = args.weights
        if args.stand_in:
            from ..benchmarks.speed import seeded_random_samplenet
            from ..weights import save_pretrained

            save_pretrained(seeded_random_samplenet(), scratch)
            weights = scratch
        registry = EngineRegistry.from_environment(weights=weights)
        if args.engine == "samplenet" and "samplenet" not in registry.engines:
            print(f"SampleNet is not loaded: {registry.operator_note}", file=sys.stderr)
            return 2
        machine = machine_description()
        print(f"machine: {machine}", flush=True)
        calibration = calibrate_engines(registry)  # as app.py does at start-up
        matter = registry.engines[args.engine]
        model = model_for(matter)
        print(f"calibration: {calibration}; {args.engine} speed factor {model.scale:.3g} x the reference CPU",
              flush=True)
        results: dict[str, list] = {}
        for part in parts:
            if part == "budget":
                rows = budget_rows(registry, args.data, photos, args.sizes, args.engine, progress)
            elif part == "model":
                rows = model_rows(matter, model_for(matter), args.data, photos, args.runs, progress)
            else:
                rows = size_rows(matter, args.data, photos, args.scales, progress)
            results[part] = rows
            print(f"\n{part}:")
            print(table(rows, markdown=args.markdown), flush=True)
    if args.out:
        write_json(output_paths(args.out)[1], {"machine": machine, "calibration": calibration, **results})
    return 0
