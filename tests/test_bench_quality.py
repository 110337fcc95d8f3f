"""``samplenet bench quality`` on a tiny synthetic benchmark folder: the
table agrees with itself and with direct scoring, and malformed folders
fail naming the file."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from conftest import make_disc_example
from PIL import Image

from samplenet.benchmarks.first_call import measure_first_call
from samplenet.cli import main
from samplenet.errors import MattingInputError
from samplenet.evaluation import compared_engines as engine_registry
from samplenet.evaluation.benchmark_set import load_benchmark_set
from samplenet.evaluation.compared_engines import checked_alpha, parse_engine_list


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture
def bench_data(tmp_path):
    """image/, trimap1/, trimap2/, alpha/ with two 40x40 images; trimap2
    has a wider unknown band; alpha stored as RGB like alphamatting.com."""
    root = tmp_path / "data"
    for index, name in enumerate(["GT01", "GT02"]):
        image, trimap, alpha = make_disc_example(40, 40, seed=index)
        wide = trimap.copy()
        wide[(trimap == 0) & (np.arange(40)[None, :] < 20)] = 128
        gt = np.rint(alpha * 255).astype(np.uint8)
        _save(root / "image" / f"{name}.png", image)
        _save(root / "trimap1" / f"{name}.png", trimap)
        _save(root / "trimap2" / f"{name}.png", wide)
        _save(root / "alpha" / f"{name}.png", np.repeat(gt[:, :, None], 3, axis=2))
    return root


def _half_engine(options):
    """A cheap stand-in engine: alpha 0.5 everywhere."""
    return lambda image, trimap: np.full(trimap.shape, 0.5)


@pytest.fixture
def with_half_engine(monkeypatch):
    monkeypatch.setitem(engine_registry.ENGINE_BUILDERS, "half", _half_engine)


def _run(root, *extra):
    return main(["bench", "quality", "--data", str(root), "--no-progress", "--no-fresh-process", *extra])


def test_table_is_consistent(bench_data, with_half_engine, capsys):
    out = bench_data.parent / "table.json"
    assert _run(bench_data, "--engines", "half,pymatting-cf", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "half SAD" in printed and "pymatting-cf SAD" in printed and "time/cf" in printed

    payload = json.loads(out.read_text())
    rows = payload["rows"]
    assert len(rows) == 2 * 2 * 2  # images x trimap sets x engines
    with open(out.with_suffix(".csv")) as handle:
        assert len(list(csv.DictReader(handle))) == len(rows)

    # the half engine's SAD is sum |0.5 - gt| over the unknown pixels / 1000
    for case in load_benchmark_set(bench_data):
        row = next(
            r
            for r in rows
            if r["engine"] == "half" and r["image"] == case.image_name and r["trimap"] == case.trimap_set
        )
        unknown = case.trimap == 128
        assert row["sad"] == pytest.approx(np.abs(0.5 - case.alpha)[unknown].sum() / 1000)

    summary = {(s["engine"], s["trimaps"]): s for s in payload["summary"]}
    assert set(summary) == {(e, t) for e in ("half", "pymatting-cf") for t in ("trimap1", "trimap2", "all")}
    cf, half = summary[("pymatting-cf", "all")], summary[("half", "all")]
    for metric in ("sad", "mse", "gradient", "connectivity"):
        assert cf[f"{metric}_ratio"] == pytest.approx(1.0)
        assert half[f"{metric}_ratio"] == pytest.approx(half[f"mean_{metric}"] / cf[f"mean_{metric}"])
    assert cf["time_ratio"] == pytest.approx(1.0)
    assert half["sad_ratio"] > 1  # a constant guess is worse than closed form on a clean disc
    assert cf["mean_sad"] == pytest.approx(np.mean([r["sad"] for r in rows if r["engine"] == "pymatting-cf"]))
    assert all(s["first_call_s"] > 0 for s in payload["summary"])
    assert payload["machine"]["cpu_count"]


def test_limit_and_trimap_selection(bench_data, with_half_engine):
    out = bench_data.parent / "t.csv"
    assert _run(bench_data, "--engines", "half", "--limit", "1", "--trimaps", "trimap2", "--out", str(out)) == 0
    with open(out) as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["image"], r["trimap"]) for r in rows] == [("GT01", "trimap2")]


def test_no_reference_engine_leaves_ratios_empty(bench_data, with_half_engine):
    out = bench_data.parent / "t.json"
    assert _run(bench_data, "--engines", "half", "--out", str(out)) == 0
    summary = json.loads(out.read_text())["summary"]
    assert all(entry["sad_ratio"] is None for entry in summary)


def test_missing_alpha_is_named(bench_data, capsys):
    (bench_data / "alpha" / "GT02.png").unlink()
    assert _run(bench_data, "--engines", "pymatting-cf") == 2
    assert "GT02" in capsys.readouterr().err


def test_trimap_size_mismatch_is_named(bench_data, capsys):
    _save(bench_data / "trimap2" / "GT01.png", np.full((30, 40), 128, np.uint8))
    assert _run(bench_data, "--engines", "pymatting-cf") == 2
    err = capsys.readouterr().err
    assert "trimap2" in err and "GT01.png" in err and "40x30" in err


def test_missing_trimap_file_is_named(bench_data, capsys):
    (bench_data / "trimap1" / "GT02.png").unlink()
    (bench_data / "trimap1" / "GT01.png").unlink()
    _save(bench_data / "trimap1" / "other.png", np.full((40, 40), 128, np.uint8))
    assert _run(bench_data, "--engines", "pymatting-cf") == 2
    assert "No trimap for" in capsys.readouterr().err


def test_folder_without_trimaps_is_refused(tmp_path, bench_data, capsys):
    for name in ("trimap1", "trimap2"):
        for path in (bench_data / name).iterdir():
            path.unlink()
        (bench_data / name).rmdir()
    assert _run(bench_data, "--engines", "pymatting-cf") == 2
    assert "no trimap folder" in capsys.readouterr().err
    assert _run(tmp_path / "absent", "--engines", "pymatting-cf") == 2
    assert "absent" in capsys.readouterr().err


def test_bad_options_are_refused(bench_data, capsys):
    assert _run(bench_data, "--engines", "magic") == 2
    assert "unknown engine" in capsys.readouterr().err
    assert _run(bench_data, "--engines", "pymatting-cf", "--trimaps", "trimap9") == 2
    assert "trimap9" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(bench_data, "--limit", "0")
    with pytest.raises(ValueError, match="twice"):
        parse_engine_list("pymatting-cf,pymatting-cf")
    assert main(["bench"]) == 1  # no benchmark named: help, failure status


def test_engine_output_is_checked():
    trimap = np.array([[0, 128], [128, 255]], np.uint8)
    fixed = checked_alpha(np.full((2, 2), 0.3), trimap, "x")
    assert fixed.tolist() == [[0.0, 0.3], [0.3, 1.0]]  # known regions come from the trimap
    with pytest.raises(MattingInputError, match="shape"):
        checked_alpha(np.zeros((3, 2)), trimap, "x")
    with pytest.raises(MattingInputError, match="NaN"):
        checked_alpha(np.full((2, 2), np.nan), trimap, "x")


def test_first_call_in_a_fresh_process(bench_data):
    image, trimap = bench_data / "image" / "GT01.png", bench_data / "trimap1" / "GT01.png"
    assert measure_first_call("pymatting-cf", image, trimap) > 0
    with pytest.raises(RuntimeError, match="GT01"):
        measure_first_call("pymatting-cf", image, bench_data / "trimap1" / "GT01.missing.png")


def test_what_engines_print_is_kept_out_of_the_table(bench_data, monkeypatch, capsys):
    def chatty(options):
        def run(image, trimap):
            print("SOLVER WARNING: preconditioner failed")
            return np.full(trimap.shape, 0.5)

        return run

    monkeypatch.setitem(engine_registry.ENGINE_BUILDERS, "chatty", chatty)
    out = bench_data.parent / "t.json"
    assert _run(bench_data, "--engines", "chatty", "--limit", "1", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].startswith("1 image(s)")  # nothing before the table
    assert "note: chatty printed on GT01/trimap1: SOLVER WARNING" in printed
    notes = json.loads(out.read_text())["printed_by_engines"]
    assert len(notes) == 3  # warm-up + two trimap sets


def test_samplenet_engine_without_weights_is_a_clear_error(bench_data, tmp_path, capsys):
    missing = tmp_path / "no-weights-here"
    assert _run(bench_data, "--engines", "samplenet", "--weights", str(missing)) == 2
    err = capsys.readouterr().err
    assert "weights not found" in err and "no-weights-here" in err


def test_out_below_an_existing_file_is_refused_before_any_engine_runs(bench_data, with_half_engine, capsys):
    blocker = bench_data.parent / "taken"
    blocker.write_text("not a folder")
    assert _run(bench_data, "--engines", "half", "--out", str(blocker / "table.csv")) == 2
    captured = capsys.readouterr()
    assert f"'{blocker}' is a file" in captured.err
    assert "GT01" not in captured.out


def _engine_raising(message: str, on_wide_band: bool):
    """An engine builder whose engine raises ``ValueError(message)`` on the
    trimaps with trimap2's wide band (``on_wide_band``) or on the others, and
    answers alpha 0.5 everywhere else."""

    def build(options):
        def run(image, trimap):
            wide = np.count_nonzero(trimap == 128) > 0.6 * trimap.size  # only trimap2's wide band
            if wide == on_wide_band:
                raise ValueError(message)
            return np.full(trimap.shape, 0.5)

        return run

    return build


def test_an_engine_refusing_one_case_leaves_that_case_out_instead_of_ending_the_run(
    bench_data, with_half_engine, monkeypatch, capsys
):
    """pymatting refuses some trimaps ("Trimap did not contain foreground
    values"); one refusal must not end an hour-long run: the case is left out
    for every engine (so that the ratios compare the same cases) and named."""

    picky = _engine_raising("Trimap did not contain foreground values (values >= 0.900000)", on_wide_band=True)
    monkeypatch.setitem(engine_registry.ENGINE_BUILDERS, "picky", picky)
    out = bench_data.parent / "t.json"
    assert _run(bench_data, "--engines", "half,picky", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "note: picky failed on GT01/trimap2" in printed and "foreground values" in printed
    assert "left out for every engine" in printed
    payload = json.loads(out.read_text())
    assert {(r["image"], r["trimap"]) for r in payload["rows"]} == {("GT01", "trimap1"), ("GT02", "trimap1")}
    assert {r["engine"] for r in payload["rows"]} == {"half", "picky"}
    assert [(f["engine"], f["image"], f["trimap"]) for f in payload["failed_cases"]] == [
        ("picky", "GT01", "trimap2"),
        ("picky", "GT02", "trimap2"),
    ]


def test_an_engine_refusing_the_first_case_still_runs_the_others(bench_data, with_half_engine, monkeypatch, capsys):
    """The warm-up call (timed as the first call) used to run on the first case
    alone, outside the refusal handling: a refusal there ended the run."""

    # trimap1, the first case of each photo, is refused
    refuses_the_tight_trimaps = _engine_raising(
        "Trimap did not contain background values (values <= 0.100000)", on_wide_band=False
    )
    monkeypatch.setitem(engine_registry.ENGINE_BUILDERS, "picky", refuses_the_tight_trimaps)
    out = bench_data.parent / "t.json"
    assert _run(bench_data, "--engines", "half,picky", "--out", str(out)) == 0
    payload = json.loads(out.read_text())
    assert {(r["image"], r["trimap"]) for r in payload["rows"]} == {("GT01", "trimap2"), ("GT02", "trimap2")}


def test_an_engine_failing_with_a_defect_ends_the_run_instead_of_dropping_the_case(
    bench_data, with_half_engine, monkeypatch, capsys
):
    """Only a refusal of the input leaves a case out; a shape error in an
    engine is a defect, and dropping its cases would flatter its ratios."""

    broken = _engine_raising("operands could not be broadcast together with shapes (3,4) (4,3)", on_wide_band=True)
    monkeypatch.setitem(engine_registry.ENGINE_BUILDERS, "broken", broken)
    out = bench_data.parent / "t.json"
    assert _run(bench_data, "--engines", "half,broken", "--out", str(out)) == 2
    assert "broadcast" in capsys.readouterr().err
    assert not out.exists()
