"""``samplenet bench quality``: the command line of :mod:`samplenet.evaluation.quality`."""
from __future__ import annotations

import argparse

from ..evaluation import protocols
from ..evaluation.compared_engines import ENGINE_BUILDERS, REFERENCE_ENGINE
from ..evaluation.quality import per_image_table, run_quality_benchmark, summary_table
from ..process import tune_process
from ..tables import machine_description, output_paths, write_csv, write_json
from .common import positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quality",
        help="compare engines' SAD/MSE/Grad/Conn and time on a folder with ground truth",
        description="Run matting engines on every image and trimap of a folder laid out as "
        "image/, trimap1/, trimap2/ ..., alpha/ (file names shared across folders), score them "
        "with the Deep Image Matting errors and print them side by side with their times and "
        "their ratios to pymatting's closed-form matting.",
    )
    parser.add_argument("--data", required=True, help="benchmark folder (image/, trimap*/, alpha/)")
    parser.add_argument(
        "--engines",
        default=f"classical,{REFERENCE_ENGINE}",
        help=f"comma-separated engines from {', '.join(ENGINE_BUILDERS)} (default: classical,{REFERENCE_ENGINE})",
    )
    parser.add_argument(
        "--trimaps",
        default=None,
        help="comma-separated trimap folders (default: all trimap*); 'wide' adds wide trimaps built from the alpha",
    )
    parser.add_argument("--limit", type=positive_int, default=None, help="only the first N images")
    parser.add_argument(
        "--composites",
        action="store_true",
        help="also score translucent and see-through composites built from the folder's subjects "
        "(samplenet.evaluation.hard_subjects; tight and wide trimaps), named after their source photo "
        "so that --cv keeps each with it",
    )
    parser.add_argument(
        "--composite-backgrounds",
        default=None,
        metavar="DIR",
        help="extra photos to lay the composites over (besides the folder's own photos)",
    )
    parser.add_argument("--only-composites", action="store_true", help="score the composites alone")
    parser.add_argument("--out", default=None, help="save table.csv and table.json (give either name)")
    parser.add_argument("--weights", default=None, help="SampleNet weights (for the samplenet engine)")
    parser.add_argument("--device", default=None, help="torch device for the samplenet engine")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument(
        "--no-fresh-process",
        action="store_true",
        help="skip timing each engine's first call in a new Python process",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_protocol_arguments(parser)
    parser.set_defaults(func=run)


def add_protocol_arguments(parser: argparse.ArgumentParser) -> None:
    """The protocol options of ``bench quality``."""
    parser.add_argument(
        "--cv",
        action="store_true",
        help="print two-fold cross-validation (first half of the images by name vs the second) "
        "ratios to closed form, per trimap kind",
    )
    parser.add_argument(
        "--cv-candidates",
        default=None,
        metavar="FILE.json",
        help='classical option sets to compare, {"name": {"option": value}}; each runs as '
        "engine classical:NAME and --cv picks one per fold on the fit half",
    )



def run(args: argparse.Namespace) -> int:
    tune_process()  # as predict/infer do: the command line owns its process
    engines = protocols.engine_names(args)
    paths = output_paths(args.out) if args.out else None
    trimaps = [t.strip() for t in args.trimaps.split(",") if t.strip()] if args.trimaps else None
    cases = protocols.benchmark_cases(args.data, trimaps, args.limit)
    if args.composites or args.only_composites:
        composites = protocols.composite_cases(cases, args.composite_backgrounds)
        cases = composites if args.only_composites else protocols.interleaved(cases, composites)
    options = {"weights": args.weights, "device": args.device}
    result = run_quality_benchmark(
        cases, engines, options, progress=not args.no_progress, fresh_first_call=not args.no_fresh_process
    )
    images = len({case.image_name for case in cases})
    sets = sorted({case.trimap_set for case in cases})
    print(f"{images} image(s), {len(cases)} case(s), trimap sets {', '.join(sets)}, from {args.data}")
    print(per_image_table(result, args.markdown))
    print()
    print(summary_table(result, args.markdown))
    print(
        "SAD, Grad, Conn / 1000; MSE not scaled; s = seconds per matte after warm-up; "
        "first call = build + first matte in this process; ratios to mean errors and median time "
        f"of {REFERENCE_ENGINE}" + ("" if REFERENCE_ENGINE in engines else " (not run: no ratios)")
    )
    if args.cv:
        protocols.print_cross_validation(result.rows, engines, args.markdown)
    for note in result.printed:
        print(f"note: {note['engine']} printed on {note['image']}/{note['trimap']}: {note['text'][:160]}")
    for failure in result.failed:
        print(
            f"note: {failure['engine']} failed on {failure['image']}/{failure['trimap']}: {failure['error'][:160]} "
            "(case left out for every engine)"
        )
    if paths:
        csv_path, json_path = paths
        write_csv(csv_path, result.rows)
        write_json(
            json_path,
            {
                "data": str(args.data),
                "engines": engines,
                "trimaps": sorted({case.trimap_set for case in cases}),
                "machine": machine_description(),
                "rows": result.rows,
                "summary": result.summary(),
                "printed_by_engines": result.printed,
                "failed_cases": result.failed,
                "units": "SAD, gradient and connectivity divided by 1000; MSE not scaled; seconds",
            },
        )
        print(f"wrote {csv_path} and {json_path}")
    return 0
