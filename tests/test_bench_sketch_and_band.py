"""`samplenet bench sketch` and `samplenet bench trimap-band`: a small run
prints its figures; bad input ends with one line and exit status 2."""
from __future__ import annotations

import pytest
from PIL import Image

from samplenet.cli import main
from tests.conftest import make_disc_example


def test_trimap_band_prints_a_row_per_size_and_band(capsys):
    assert main(["bench", "trimap-band", "--sides", "64", "--bands", "3", "5"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 64x64")]
    assert len(rows) == 2


@pytest.mark.parametrize("flags", [["--sides", "0"], ["--bands", "-3"], ["--sides", "big"]])
def test_trimap_band_refuses_sizes_that_are_not_positive_whole_numbers(flags, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "trimap-band", *flags])
    assert stop.value.code == 2 and "positive" in capsys.readouterr().err


def test_sketch_runs_on_a_small_photo(tmp_path, capsys):
    image, trimap, _ = make_disc_example(40, 48)
    Image.fromarray(image).save(tmp_path / "photo.png")
    Image.fromarray(trimap).save(tmp_path / "trimap.png")
    assert main(["bench", "sketch", str(tmp_path / "photo.png"), str(tmp_path / "trimap.png")]) == 0
    assert "unknown pixels" in capsys.readouterr().out


def test_sketch_names_a_missing_photo(tmp_path, capsys):
    code = main(["bench", "sketch", str(tmp_path / "absent.png"), str(tmp_path / "absent_trimap.png")])
    err = capsys.readouterr().err
    assert code == 2 and "absent.png" in err and "Traceback" not in err


@pytest.mark.parametrize("scale", ["0", "-1", "1e9", "x"])
def test_sketch_refuses_a_scale_outside_its_range(scale, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "sketch", "a.png", "b.png", "--scale", scale])
    assert stop.value.code == 2 and "scale" in capsys.readouterr().err
