"""Printing result tables and saving them as CSV + JSON.

``samplenet evaluate`` and ``samplenet bench ...`` print the same kind of
plain-text table and save the same two files, so that a terminal reader, a
spreadsheet and a script all see one set of numbers.
"""
from __future__ import annotations

import csv
import json
import os
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .result_files import check_output_folder


def format_value(value: Any) -> str:
    """Numbers with 4 significant digits (errors span 1e-5 .. 1e3), the rest as text."""
    if value is None:
        return ""
    if isinstance(value, int):  # bool included: True/False print as words
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return "nan"
        return f"{value:.4g}"
    return str(value)


def format_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    rules_before: Sequence[int] = (),
    markdown: bool = False,
) -> str:
    """A plain-text table with right-aligned numbers and a rule under the
    header (and before the row indices in ``rules_before``); with
    ``markdown=True`` a GitHub-flavoured Markdown table instead."""
    text_rows = [[format_value(cell) for cell in row] for row in rows]
    if markdown:
        out = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in text_rows]
        return "\n".join(out)
    widths = [len(h) for h in headers]
    for row in text_rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    out = [line(list(headers)), rule]
    for index, row in enumerate(text_rows):
        if index in rules_before:
            out.append(rule)
        out.append(line(row))
    return "\n".join(out)


def output_paths(out: str | os.PathLike) -> tuple[Path, Path]:
    """``results.csv`` or ``results.json`` -> (``results.csv``, ``results.json``).

    Both files are always written; the suffix given only names them.
    """
    path = Path(out)
    if path.suffix.lower() not in (".csv", ".json"):
        raise ValueError(f"--out {str(out)!r}: the file name must end in .csv or .json")
    if path.is_dir():
        raise ValueError(f"--out {str(out)!r} is a folder; give a file name ending in .csv or .json")
    check_output_folder(path.parent, "folder of --out")
    return path.with_suffix(".csv"), path.with_suffix(".json")


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of dicts as CSV; the columns are the keys of the first row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """``payload`` as indented JSON (NaN written as ``NaN``, which Python and
    JavaScript read back), creating the parent folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        json.dump(payload, handle, indent=2, allow_nan=True)
        handle.write("\n")


def machine_description() -> dict[str, Any]:
    """What the timings were measured on (saved beside them)."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "python": platform.python_version(),
    }
