"""Bad command lines that used to crash or waste the work (issue 12,
defects 1, 4 and 9): each is refused or reported before anything big runs."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from samplenet.cli import main
from samplenet.errors import MattingInputError
from tests.conftest import make_disc_example


def write_pair(folder, name, size=(40, 48)):
    image, trimap, _ = make_disc_example(*size)
    (folder / "rgb").mkdir(parents=True, exist_ok=True)
    (folder / "trimap").mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(folder / "rgb" / f"{name}.png")
    Image.fromarray(trimap).save(folder / "trimap" / f"{name}.png")
    return image, trimap


@pytest.fixture(scope="module")
def weights_folder(tmp_path_factory):
    from models_helpers import seeded_samplenet

    from samplenet.weights import save_pretrained

    folder = tmp_path_factory.mktemp("weights")
    save_pretrained(seeded_samplenet(), folder)
    return folder


# ------------------------------------------------------------ defect 1: --size over the pixel limit


@pytest.mark.parametrize("size", ["20000x20000", "8000x8000"])
def test_predict_refuses_a_network_size_over_the_pixel_limit(tmp_path, weights_folder, capsys, size):
    write_pair(tmp_path, "disc")
    with pytest.raises(SystemExit) as caught:
        main(["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
              "--out", str(tmp_path / "out"), "--engine", "samplenet", "--weights", str(weights_folder),
              "--device", "cpu", "--size", size])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "--size" in err and "36,000,000" in err and "SAMPLENET_MAX_PIXELS" in err
    assert not (tmp_path / "out").exists()


def test_the_network_size_limit_follows_samplenet_max_pixels(tmp_path, weights_folder, monkeypatch, capsys):
    write_pair(tmp_path, "disc", size=(16, 24))
    monkeypatch.setenv("SAMPLENET_MAX_PIXELS", "1100")
    argv = ["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png"),
            "--out", str(tmp_path / "out"), "--engine", "samplenet", "--weights", str(weights_folder),
            "--device", "cpu", "--size"]
    with pytest.raises(SystemExit):
        main(argv + ["40x40"])  # 1,600 pixels
    assert "1,100" in capsys.readouterr().err
    assert main(argv + ["32x32"]) == 0


def test_library_refuses_a_network_size_over_the_engine_limit(weights_folder):
    from samplenet.engines.samplenet_engine import SampleNetMatter

    image, trimap, _ = make_disc_example(16, 24)
    matter = SampleNetMatter.from_pretrained(str(weights_folder), device="cpu", max_pixels=1100)
    with pytest.raises(MattingInputError, match="network size.*40x40"):
        matter(image, trimap, size=(40, 40))
    assert matter(image, trimap, size=(32, 32)).alpha.shape == trimap.shape


def test_library_refuses_a_dense_attention_size_before_resizing(weights_folder, monkeypatch):
    from samplenet.engines import samplenet_engine
    from samplenet.engines.samplenet_engine import SampleNetMatter

    image, trimap, _ = make_disc_example(40, 48)
    matter = SampleNetMatter.from_pretrained(str(weights_folder), device="cpu", attention="dense",
                                             max_attention_bytes=1024**2)

    def no_resize(*args, **kwargs):  # the photo must not be blown up to the refused size
        raise AssertionError("resized to a size that is refused")

    monkeypatch.setattr(samplenet_engine.cv2, "resize", no_resize)
    with pytest.raises(MattingInputError, match="dense"):
        matter(image, trimap, size=(400, 400))


# ------------------------------------------------------------ defect 9: a read-only --out


@pytest.fixture
def matte_calls(monkeypatch):
    """Counts the mattes the weight-free engine computes."""
    from samplenet.engines.classical import ClassicalMatter

    calls = []
    original = ClassicalMatter.predict_arrays

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ClassicalMatter, "predict_arrays", counted)
    return calls


def _read_only_outs(tmp_path):
    """--out values where nothing can be written, each with why it is read-only.

    A chmod'ed folder only stops other users (root writes anywhere), so it is
    skipped as root; /proc refuses new files to root as well and so makes
    the check fail before the fix on any Linux box."""
    outs = []
    if Path("/proc/self/status").is_file():
        outs += [Path("/proc/self"), Path("/proc/samplenet-out")]
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        outs.append(folder)
    if not outs:
        pytest.skip("no read-only folder to test with: running as root on a system without /proc")
    return outs


@pytest.mark.parametrize("command", ["predict", "infer"])
def test_a_read_only_out_is_refused_before_the_matte_is_computed(tmp_path, capsys, matte_calls, command):
    write_pair(tmp_path, "disc")
    (tmp_path / "val_set.txt").write_text("rgb/disc.png trimap/disc.png\n")
    for out in _read_only_outs(tmp_path):
        if command == "predict":
            argv = ["predict", str(tmp_path / "rgb/disc.png"), str(tmp_path / "trimap/disc.png")]
        else:
            argv = ["infer", "--eval", str(tmp_path)]
        code = main(argv + ["--out", str(out), "--engine", "classical"])
        assert code == 2, out
        err = capsys.readouterr().err
        assert "not writable" in err and str(out) in err
    assert matte_calls == []


# ------------------------------------------------------------ defect 4: a non-UTF-8 line in val_set.txt


def test_infer_skips_a_line_that_is_not_utf8_and_finishes_the_others(tmp_path, capsys):
    for name in ("a", "b"):
        write_pair(tmp_path, name, size=(16, 24))
    (tmp_path / "val_set.txt").write_bytes(
        b"rgb/a.png trimap/a.png\n"
        b"rgb/caf\xe9.png trimap/caf\xe9.png\n"  # Latin-1, as an old tool would write it
        b"rgb/b.png trimap/b.png\n"
    )
    out = tmp_path / "out"
    code = main(["infer", "--eval", str(tmp_path), "--out", str(out), "--engine", "classical"])
    assert code == 1
    assert (out / "a_alpha.png").is_file() and (out / "b_alpha.png").is_file()
    printed = capsys.readouterr().out
    assert "wrote 2 of 3" in printed
    assert "val_set.txt:2: not UTF-8" in printed and "0xe9" in printed
