"""`samplenet predict` and `samplenet infer` end to end on tiny files."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from samplenet.cli import main
from tests.conftest import make_disc_example


def write_pair(folder, name, seed=0, size=(40, 48)):
    image, trimap, alpha = make_disc_example(*size, seed=seed)
    (folder / "rgb").mkdir(parents=True, exist_ok=True)
    (folder / "trimap").mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(folder / "rgb" / f"{name}.png")
    Image.fromarray(trimap).save(folder / "trimap" / f"{name}.png")
    return image, trimap, alpha


def test_predict_writes_every_output(tmp_path, capsys):
    image, trimap, alpha = write_pair(tmp_path, "disc")
    out = tmp_path / "out"
    code = main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
                 "--out", str(out), "--engine", "classical"])
    assert code == 0
    for kind, mode in [("alpha", "L"), ("fg", "RGB"), ("bg", "RGB"), ("cutout", "RGBA"),
                       ("rgb", "RGB"), ("trimap", "L")]:
        with Image.open(out / f"disc_{kind}.png") as img:
            assert img.mode == mode
            assert img.size == (image.shape[1], image.shape[0])
    predicted = np.asarray(Image.open(out / "disc_alpha.png"), np.float32) / 255
    assert np.all(predicted[trimap == 255] == 1) and np.all(predicted[trimap == 0] == 0)
    unknown = trimap == 128
    # the weight-free engine recovers the soft disc edge far better than a flat 0.5 guess
    assert np.abs(predicted - alpha)[unknown].mean() < 0.5 * np.abs(0.5 - alpha)[unknown].mean()
    assert "classical" in capsys.readouterr().out


def test_predict_size_mismatch_is_a_clear_error(tmp_path, capsys):
    write_pair(tmp_path, "a", size=(40, 48))
    write_pair(tmp_path, "b", size=(32, 32))
    code = main(["predict", str(tmp_path / "rgb/a.png"), str(tmp_path / "trimap/b.png"),
                 "--out", str(tmp_path / "out"), "--engine", "classical"])
    assert code == 2
    err = capsys.readouterr().err
    assert "error" in err and "48x40" in err and "32x32" in err


def test_predict_missing_file(tmp_path, capsys):
    code = main(["predict", str(tmp_path / "nope.png"), str(tmp_path / "nope_trimap.png"),
                 "--out", str(tmp_path / "out"), "--engine", "classical"])
    assert code == 2
    assert "nope.png" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["predict", "infer"])
@pytest.mark.parametrize("below", ["", "sub"])
def test_out_through_an_existing_file_is_a_clear_error(tmp_path, capsys, command, below):
    write_pair(tmp_path, "disc")
    (tmp_path / "val_set.txt").write_text("rgb/disc.png trimap/disc.png\n")
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    out = blocker / below if below else blocker
    if command == "predict":
        args = ["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png")]
    else:
        args = ["infer", "--eval", str(tmp_path)]
    assert main(args + ["--out", str(out), "--engine", "classical"]) == 2
    err = capsys.readouterr().err
    assert f"'{blocker}' is a file" in err and "Traceback" not in err
    assert blocker.read_text() == "not a folder"


def test_size_option_refused_for_the_weight_free_engine(tmp_path, capsys):
    write_pair(tmp_path, "disc")
    code = main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
                 "--out", str(tmp_path / "out"), "--engine", "classical", "--size", "64x64"])
    assert code == 2
    assert "--size" in capsys.readouterr().err


def test_infer_reads_the_reference_layout(tmp_path):
    for i in range(2):
        write_pair(tmp_path, f"img{i}", seed=i)
    (tmp_path / "val_set.txt").write_text("rgb/img0.png trimap/img0.png\nrgb/img1.png trimap/img1.png\n")
    out = tmp_path / "out"
    assert main(["infer", "--eval", str(tmp_path), "--out", str(out), "--engine", "classical"]) == 0
    for i in range(2):
        for kind in ("alpha", "fg", "bg", "rgb", "trimap", "cutout"):
            assert (out / f"img{i}_{kind}.png").is_file()


def test_infer_skips_bad_pairs_and_reports_them(tmp_path, capsys):
    write_pair(tmp_path, "good")
    (tmp_path / "rgb" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "val_set.txt").write_text("rgb/good.png trimap/good.png\nrgb/broken.png trimap/good.png\n")
    out = tmp_path / "out"
    assert main(["infer", "--eval", str(tmp_path), "--out", str(out), "--engine", "classical"]) == 1
    assert (out / "good_alpha.png").is_file()
    assert "broken.png" in capsys.readouterr().out


def test_infer_reports_a_result_that_cannot_be_written_and_finishes_the_others(tmp_path, capsys):
    """An output file that cannot be written (here a folder sits where one
    of its PNGs goes) is one failed pair, not the end of the batch: under
    torchrun an escaping OSError also left the other processes waiting."""
    for name in ("first", "second"):
        write_pair(tmp_path, name)
    (tmp_path / "val_set.txt").write_text("rgb/first.png trimap/first.png\nrgb/second.png trimap/second.png\n")
    out = tmp_path / "out"
    (out / "first_alpha.png").mkdir(parents=True)
    assert main(["infer", "--eval", str(tmp_path), "--out", str(out), "--engine", "classical"]) == 1
    assert (out / "second_alpha.png").is_file()
    printed = capsys.readouterr().out
    assert "wrote 1 of 2" in printed and "first.png" in printed


@pytest.mark.parametrize(
    "listing, message",
    [(None, "val_set.txt"), ("", "lists no images"), ("only_one_column.png\n", "expected 'image trimap'")],
)
def test_infer_malformed_folder(tmp_path, capsys, listing, message):
    if listing is not None:
        (tmp_path / "val_set.txt").write_text(listing)
    code = main(["infer", "--eval", str(tmp_path), "--out", str(tmp_path / "out"), "--engine", "classical"])
    assert code == 2
    assert message in capsys.readouterr().err


def _undocumented_options(parser, path="samplenet"):
    """Every option of a parser and of its sub-commands, recursively, that has no help text."""
    missing = []
    for action in parser._actions:
        if action.dest in ("help", "func", "version"):
            continue
        if not action.help:
            missing.append(f"{path}: {action.option_strings or action.dest}")
        if action.choices and isinstance(action.choices, dict):  # sub-commands
            for name, sub in action.choices.items():
                missing += _undocumented_options(sub, f"{path} {name}")
    return missing


def test_every_command_documents_its_options():
    from samplenet.cli import COMMAND_MODULES, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert len(sub.choices) >= len(COMMAND_MODULES)
    assert _undocumented_options(parser) == []


def test_auto_falls_back_even_with_samplenet_only_options(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)
    write_pair(tmp_path, "disc")
    code = main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
                 "--out", str(tmp_path / "out"), "--half"])
    assert code == 0
    assert (tmp_path / "out" / "disc_alpha.png").is_file()


@pytest.fixture(scope="module")
def weights_folder(tmp_path_factory):
    """SampleNet weights in our Hub format, written the way users get them."""
    from models_helpers import seeded_samplenet

    from samplenet.weights import save_pretrained

    folder = tmp_path_factory.mktemp("weights")
    save_pretrained(seeded_samplenet(), folder)
    return folder


def test_predict_and_infer_with_samplenet_weights(tmp_path, weights_folder, capsys):
    image, trimap, _ = write_pair(tmp_path, "disc", size=(36, 44))  # not a multiple of 8
    out = tmp_path / "out"
    code = main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
                 "--out", str(out), "--engine", "samplenet", "--weights", str(weights_folder), "--device", "cpu"])
    assert code == 0
    assert "samplenet" in capsys.readouterr().out
    alpha = np.asarray(Image.open(out / "disc_alpha.png"))
    assert alpha.shape == trimap.shape
    assert np.all(alpha[trimap == 255] == 255) and np.all(alpha[trimap == 0] == 0)

    (tmp_path / "val_set.txt").write_text("rgb/disc.png trimap/disc.png\n")
    code = main(["infer", "--eval", str(tmp_path), "--out", str(tmp_path / "resized"), "--size", "32x32",
                 "--weights", str(weights_folder), "--device", "cpu"])
    assert code == 0
    with Image.open(tmp_path / "resized" / "disc_fg.png") as fg:
        assert fg.size == (44, 36)  # resized back to the photo's size


def test_samplenet_engine_without_weights_says_how_to_get_them(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)
    write_pair(tmp_path, "disc")
    code = main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
                 "--out", str(tmp_path / "out"), "--engine", "samplenet"])
    assert code == 2
    assert "samplenet convert" in capsys.readouterr().err


def test_speed_options_reach_the_samplenet_engine(tmp_path, weights_folder):
    image, trimap, _ = write_pair(tmp_path, "disc", size=(72, 96))
    out = tmp_path / "out"
    code = main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
                 "--out", str(out), "--engine", "samplenet", "--weights", str(weights_folder),
                 "--device", "cpu", "--sampling-max-side", "64", "--attention", "dense"])
    assert code == 0
    assert np.asarray(Image.open(out / "disc_alpha.png")).shape == trimap.shape


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--engine", "samplenet", "--precision", "fp16"], "only supported on CUDA"),
        (["--engine", "samplenet", "--sampling-max-side", "3"], "sampling_max_side"),
        (["--engine", "samplenet", "--threads", "0"], "threads"),
        (["--engine", "classical", "--precision", "bf16"], "--precision"),
    ],
)
def test_bad_speed_options_are_clear_errors(tmp_path, weights_folder, capsys, flags, message):
    write_pair(tmp_path, "disc")
    code = main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
                 "--out", str(tmp_path / "out"), "--weights", str(weights_folder), "--device", "cpu", *flags])
    assert code == 2
    assert message in capsys.readouterr().err
