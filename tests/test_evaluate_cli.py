"""``samplenet evaluate``: pairing files by name, the table and its files,
and clear messages for missing, unreadable or mismatched files."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from conftest import make_disc_example
from PIL import Image

from samplenet.cli import main
from samplenet.errors import MattingInputError
from samplenet.evaluation.folders import evaluate_folders, load_matte
from samplenet.evaluation.metrics import all_metrics


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture
def folders(tmp_path):
    """gt/, trimap/ and pred/ for two 40x40 images; predictions carry the
    ``_alpha`` suffix and sit beside other outputs as ``samplenet predict``
    writes them."""
    for index, name in enumerate(["a", "b"]):
        image, trimap, alpha = make_disc_example(40, 40, seed=index)
        gt = np.rint(alpha * 255).astype(np.uint8)
        pred = np.clip(gt.astype(int) + (index + 1) * 20 * (trimap == 128), 0, 255).astype(np.uint8)
        _save(tmp_path / "gt" / f"{name}.png", gt)
        _save(tmp_path / "trimap" / f"{name}.png", trimap)
        _save(tmp_path / "pred" / f"{name}_alpha.png", pred)
        _save(tmp_path / "pred" / f"{name}_fg.png", image)  # must not be taken for the matte
    return tmp_path


def _args(root, *extra):
    return [
        "evaluate",
        "--pred",
        str(root / "pred"),
        "--gt",
        str(root / "gt"),
        "--trimap",
        str(root / "trimap"),
        "--no-progress",
        *extra,
    ]


def test_evaluate_prints_and_saves_the_four_errors(folders, capsys):
    out = folders / "results.csv"
    assert main(_args(folders, "--out", str(out))) == 0
    printed = capsys.readouterr().out
    assert "SAD" in printed and "Conn" in printed and "mean" in printed

    expected = {}
    for name in "ab":
        pred = np.asarray(Image.open(folders / "pred" / f"{name}_alpha.png")) / 255.0
        gt = np.asarray(Image.open(folders / "gt" / f"{name}.png")) / 255.0
        trimap = np.asarray(Image.open(folders / "trimap" / f"{name}.png"))
        expected[name] = all_metrics(pred, gt, trimap)
    assert expected["b"]["sad"] > expected["a"]["sad"] > 0  # b was spoiled twice as much

    with open(out) as handle:
        rows = list(csv.DictReader(handle))
    assert [row["image"] for row in rows] == ["a", "b", "mean"]
    for row in rows[:2]:
        for metric, value in expected[row["image"]].items():
            assert float(row[metric]) == pytest.approx(value)
    assert float(rows[2]["sad"]) == pytest.approx((expected["a"]["sad"] + expected["b"]["sad"]) / 2)

    payload = json.loads((folders / "results.json").read_text())
    assert payload["images"][0]["prediction"].endswith("a_alpha.png")
    assert payload["skipped"] == []


def test_identical_prediction_scores_zero(folders):
    for name in "ab":
        (folders / "pred" / f"{name}_alpha.png").write_bytes((folders / "gt" / f"{name}.png").read_bytes())
    result = evaluate_folders(folders / "pred", folders / "gt", folders / "trimap", progress=False)
    assert result.means == {"sad": 0.0, "mse": 0.0, "gradient": 0.0, "connectivity": 0.0}


def test_missing_prediction_is_skipped_by_name(folders, capsys):
    (folders / "pred" / "b_alpha.png").unlink()
    assert main(_args(folders)) == 0
    err = capsys.readouterr().err
    assert "skipped b" in err and "b.png" in err
    assert main(_args(folders, "--strict")) == 1


def test_size_mismatch_names_the_files(folders, capsys):
    _save(folders / "pred" / "a_alpha.png", np.zeros((30, 40), np.uint8))
    assert main(_args(folders)) == 0
    err = capsys.readouterr().err
    assert "Sizes differ" in err and "a_alpha.png" in err


def test_unreadable_file_is_named(folders, capsys):
    (folders / "trimap" / "a.png").write_bytes(b"not a png")
    assert main(_args(folders)) == 0
    err = capsys.readouterr().err
    assert "skipped a" in err and "a.png" in err


def test_nothing_evaluable_is_an_error(folders, capsys):
    for name in "ab":
        (folders / "pred" / f"{name}_alpha.png").unlink()
        (folders / "pred" / f"{name}_fg.png").unlink()
    _save(folders / "pred" / "other.png", np.zeros((40, 40), np.uint8))
    assert main(_args(folders)) == 2
    assert "nothing could be evaluated" in capsys.readouterr().err


def test_colour_prediction_is_refused(tmp_path):
    image, _, _ = make_disc_example(20, 20)
    _save(tmp_path / "x.png", image)
    with pytest.raises(MattingInputError, match="colour image"):
        load_matte(tmp_path / "x.png")


def test_missing_folder_and_bad_out_are_errors(folders, capsys):
    args = _args(folders)
    args[2] = str(folders / "nope")
    assert main(args) == 2
    assert "nope" in capsys.readouterr().err
    assert main(_args(folders, "--out", str(folders / "table.txt"))) == 2
    assert ".csv or .json" in capsys.readouterr().err


def test_out_below_an_existing_file_is_an_error_before_the_work(folders, capsys):
    blocker = folders / "taken"
    blocker.write_text("not a folder")
    assert main(_args(folders, "--out", str(blocker / "results.csv"))) == 2
    captured = capsys.readouterr()
    assert f"'{blocker}' is a file" in captured.err
    assert "SAD" not in captured.out  # refused before scoring, not after
