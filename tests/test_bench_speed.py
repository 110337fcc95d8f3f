"""``samplenet bench speed``: inputs, option checking and one tiny real run."""
from __future__ import annotations

import json

import numpy as np
import pytest

from samplenet.benchmarks import speed
from samplenet.cli import main


def test_synthetic_portrait_looks_like_a_portrait():
    image, trimap = speed.synthetic_portrait(200)
    assert image.shape == (200, 200, 3) and image.dtype == np.uint8
    assert set(np.unique(trimap)) == {0, 128, 255}
    assert 0.2 < (trimap == 255).mean() < 0.45 and 0.03 < (trimap == 128).mean() < 0.2
    assert np.all(trimap[0] == 0) and trimap[-1, 100] == 255  # background above, shoulders at the bottom


def test_sizes_are_multiples_of_8_near_the_megapixels():
    assert speed.side_for_megapixels(4) == 2000
    assert speed.side_for_megapixels(1) == 1000
    assert speed.side_for_megapixels(0.25) == 496 or speed.side_for_megapixels(0.25) == 504


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--sizes", "1,x"], "--sizes"),
        (["--sizes", "0"], "--sizes"),
        (["--sizes", "-1"], "--sizes"),
        (["--modes", "dense,turbo"], "turbo"),
        (["--modes", ","], "--modes"),
        (["--repeats", "0"], "positive"),
        (["--sampling-max-side", "-5"], "positive"),
        (["--dense-limit-gb", "nan"], "positive"),
    ],
)
def test_bad_options_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "speed", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_too_small_sampling_side_and_bad_out_are_refused(capsys):
    assert main(["bench", "speed", "--sampling-max-side", "32"]) == 2
    assert "--sampling-max-side" in capsys.readouterr().err
    assert main(["bench", "speed", "--out", "table.txt"]) == 2
    assert ".csv or .json" in capsys.readouterr().err


def test_tiny_run_prints_and_saves_a_table(tmp_path, capsys):
    out = tmp_path / "speed.csv"
    code = main(["bench", "speed", "--sizes", "0.005", "--modes", "exact,dense",
                 "--dense-limit-gb", "0.000001", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "72x72" in printed and "skipped: dense needs" in printed
    rows = json.loads(out.with_suffix(".json").read_text())["rows"]
    assert [r["mode"] for r in rows] == ["dense", "exact"]  # dense first, to compare the others with
    for row in rows[1:]:
        assert row["median_s"] > 0 and 0.05 < row["peak_rss_gb"] < 8, row
    assert rows[0]["median_s"] is None
