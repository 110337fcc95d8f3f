"""``samplenet evaluate --pred DIR --gt DIR --trimap DIR``: score mattes."""
from __future__ import annotations

import argparse
import sys

from ..evaluation.folders import PREDICTION_SUFFIXES, evaluate_folders
from ..evaluation.metrics import METRIC_TITLES, METRICS
from ..tables import format_table, output_paths, write_csv, write_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score predicted mattes against ground truth (SAD, MSE, Grad, Conn)",
        description="Score every ground-truth matte in --gt against the prediction of the same "
        f"name in --pred (or the name plus {', '.join(PREDICTION_SUFFIXES[:2])}, ...) over the "
        "unknown region of the trimap of the same name in --trimap, with the Deep Image Matting "
        "evaluation's SAD/1000, MSE, gradient/1000 and connectivity/1000 errors.",
    )
    parser.add_argument("--pred", required=True, help="folder of predicted alpha mattes")
    parser.add_argument("--gt", required=True, help="folder of ground-truth alpha mattes")
    parser.add_argument("--trimap", required=True, help="folder of trimaps (grey = unknown)")
    parser.add_argument(
        "--out", default=None, help="save the table as CSV and JSON: results.csv or results.json "
        "(both files are written)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any image had to be skipped"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = output_paths(args.out) if args.out else None  # bad --out fails before the work
    result = evaluate_folders(args.pred, args.gt, args.trimap, progress=not args.no_progress)
    for item in result.skipped:
        print(f"skipped {item['image']}: {item['reason']}", file=sys.stderr)
    if not result.rows:
        raise ValueError(
            f"nothing could be evaluated: none of the {len(result.skipped)} ground-truth mattes in "
            f"'{args.gt}' has a readable prediction and trimap of the same size (see above)"
        )

    headers = ["image"] + [METRIC_TITLES[name] for name in METRICS]
    table_rows = [[row["image"]] + [row[name] for name in METRICS] for row in result.rows]
    means = result.means
    table_rows.append(["mean"] + [means[name] for name in METRICS])
    print(format_table(headers, table_rows, rules_before=[len(result.rows)]))
    print(
        f"{len(result.rows)} image(s) scored"
        + (f", {len(result.skipped)} skipped" if result.skipped else "")
        + "; SAD, Grad, Conn are divided by 1000, MSE is not scaled."
    )

    if paths:
        csv_path, json_path = paths
        csv_rows = [{"image": r["image"], **{n: r[n] for n in METRICS}} for r in result.rows]
        csv_rows.append({"image": "mean", **means})
        write_csv(csv_path, csv_rows)
        write_json(
            json_path,
            {
                "pred": args.pred,
                "gt": args.gt,
                "trimap": args.trimap,
                "images": result.rows,
                "mean": means,
                "skipped": result.skipped,
                "units": "SAD, gradient and connectivity divided by 1000; MSE not scaled",
            },
        )
        print(f"wrote {csv_path} and {json_path}")
    return 1 if (args.strict and result.skipped) else 0
