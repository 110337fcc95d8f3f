"""Strings from users are quoted short in messages: a 1 MB engine name must
not come back as a 1 MB error (issue 12, defect 6)."""
from __future__ import annotations

import os

import pytest
from PIL import Image

import samplenet
from samplenet.cli import main
from samplenet.io import QUOTE_LIMIT, quoted
from tests.conftest import make_disc_example

HUGE = "e" * 1_000_000
#: Room for the fixed wording of a message around one quoted value.
SHORT_MESSAGE = 400


def test_quoted_keeps_short_strings_and_cuts_long_ones_saying_their_length():
    assert quoted("dense") == "'dense'"
    assert quoted(3.5) == "3.5"
    long = quoted("/data/" + "x" * 1000 + "/photo_0042.png")
    assert long.startswith("'/data/xxx") and "photo_0042.png'" in long  # start and end, where paths name files
    assert "1,021 characters" in long
    assert len(long) < QUOTE_LIMIT + 40


def test_library_load_quotes_a_huge_engine_name():
    with pytest.raises(ValueError) as caught:
        samplenet.load(engine=HUGE)
    message = str(caught.value)
    assert "Unknown engine 'eeee" in message and "1,000,000 characters" in message
    assert len(message) < SHORT_MESSAGE


@pytest.mark.parametrize("option", ["device", "precision", "attention"])
def test_library_load_quotes_huge_option_values(option, monkeypatch):
    monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)
    with pytest.raises(ValueError) as caught:
        if option == "device":
            samplenet.load(engine="samplenet", device=HUGE)
        else:
            from models_helpers import seeded_samplenet

            from samplenet.engines.samplenet_engine import SampleNetMatter

            SampleNetMatter(seeded_samplenet(), device="cpu", **{option: HUGE})
    assert len(str(caught.value)) < SHORT_MESSAGE


def test_cli_quotes_a_huge_engine_name(tmp_path, capsys):
    image, trimap, _ = make_disc_example(16, 16)
    Image.fromarray(image).save(tmp_path / "i.png")
    Image.fromarray(trimap).save(tmp_path / "t.png")
    with pytest.raises(SystemExit) as caught:
        main(["predict", str(tmp_path / "i.png"), str(tmp_path / "t.png"), "--out", str(tmp_path / "o"),
              "--engine", HUGE])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "unknown engine" in err and len(err) < 2 * SHORT_MESSAGE + 1000  # usage line + message


def test_matte_endpoint_quotes_a_huge_engine_name(tmp_path, caplog):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    gr = pytest.importorskip("gradio")
    from samplenet.app import EngineRegistry, handlers
    from samplenet.engines.classical import ClassicalMatter
    from tests.conftest import serving

    image, trimap, _ = make_disc_example(16, 16)
    Image.fromarray(image).save(tmp_path / "i.png")
    Image.fromarray(trimap).save(tmp_path / "t.png")
    registry = EngineRegistry({"classical": ClassicalMatter()}, notice="weight-free")
    with serving(registry), pytest.raises(gr.Error) as caught:
        handlers.matte_files(str(tmp_path / "i.png"), str(tmp_path / "t.png"), HUGE)
    assert "Unknown engine" in str(caught.value.message)
    assert len(str(caught.value.message)) < SHORT_MESSAGE
    assert all(len(record.getMessage()) < SHORT_MESSAGE for record in caplog.records)
