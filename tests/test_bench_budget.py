"""samplenet bench budget on a tiny data folder with the weight-free engine:
the three tables come out, one row per photo and size."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
pytest.importorskip("gradio")

from samplenet.cli import main
from tests.conftest import make_disc_example


@pytest.fixture
def dev_folder(tmp_path):
    image, trimap, alpha = make_disc_example(60, 80)
    grey = (alpha * 255).astype(np.uint8)
    for kind, array in (("image", image), ("trimap1", trimap), ("alpha", np.dstack([grey] * 3))):
        (tmp_path / kind).mkdir()
        Image.fromarray(array).save(tmp_path / kind / "GT99.png")
    return tmp_path


def test_the_three_tables_for_the_weight_free_engine(dev_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)
    out = tmp_path / "budget.json"
    code = main(["bench", "budget", "--engine", "classical", "--data", str(dev_folder), "--photos", "GT99",
                 "--parts", "budget,model,sizes", "--sizes", "0.01,0.02", "--runs", "0.01", "--scales", "1,0.5",
                 "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    budget, model, sizes = (text.split(f"\n{part}:\n")[1] for part in ("budget", "model", "sizes"))
    assert "answered by" in budget and budget.count("classical") == 2  # one row per size
    assert "predicted / measured" in model
    assert "mean |Δα| vs 1x" in sizes and "40x30" in sizes
    assert out.exists()


def test_samplenet_without_weights_is_refused_with_the_reason(dev_folder, capsys, monkeypatch):
    monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)
    assert main(["bench", "budget", "--data", str(dev_folder), "--photos", "GT99"]) == 2
    assert "SampleNet is not loaded" in capsys.readouterr().err


def test_an_unknown_part_is_named(dev_folder, capsys):
    assert main(["bench", "budget", "--engine", "classical", "--data", str(dev_folder), "--parts", "speed"]) == 2
    assert "unknown part(s) speed" in capsys.readouterr().err
