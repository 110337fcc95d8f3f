"""What the app reads from a visitor or an API caller: pictures through the
one reader in :mod:`samplenet.io`, values through the library's checks, and
messages that reach people as they were written."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
gr = pytest.importorskip("gradio")

from samplenet.app import EngineRegistry, actions, gpu, handlers
from samplenet.engines.base import Matter
from samplenet.engines.classical import ClassicalMatter
from samplenet.result import MattingResult
from tests.conftest import make_disc_example, serving

ORIENTATION = 0x0112


@pytest.fixture
def registry():
    with serving(EngineRegistry({"classical": ClassicalMatter()})) as served:
        yield served


@pytest.fixture
def photo(tmp_path):
    image, _, _ = make_disc_example(48, 64)
    path = tmp_path / "disc.png"
    Image.fromarray(image).save(path)
    return str(path)


def _phone_picture(path, array):
    """Saved as a phone does: pixels landscape, EXIF saying 'turn 90 degrees'."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    Image.fromarray(array).save(path, exif=exif)
    return str(path)


def test_a_phone_photo_and_its_mask_are_rotated_alike(tmp_path):
    photo = np.zeros((30, 40, 3), np.uint8)
    mask = np.zeros((30, 40), np.uint8)
    mask[8:22, 10:30] = 255
    photo_path = _phone_picture(tmp_path / "phone.jpg", photo)
    mask_path = _phone_picture(tmp_path / "phone_mask.png", mask)
    trimap = np.asarray(Image.open(handlers.trimap_file_from_mask(photo_path, mask_path, 2)))
    assert trimap.shape == (40, 30)  # upright, as the photo is read


def test_a_rotated_cutout_mask_keeps_its_transparency(tmp_path):
    photo = np.zeros((30, 40, 3), np.uint8)
    cutout = np.zeros((30, 40, 4), np.uint8)
    cutout[..., :3] = 255  # white everywhere: only the alpha tells the subject
    cutout[8:22, 10:30, 3] = 255
    photo_path = _phone_picture(tmp_path / "phone.jpg", photo)
    mask_path = _phone_picture(tmp_path / "phone_cutout.png", cutout)
    trimap = np.asarray(Image.open(handlers.trimap_file_from_mask(photo_path, mask_path, 2)))
    assert trimap.shape == (40, 30)
    assert (trimap == 0).any() and (trimap == 255).any()


def test_a_file_that_is_not_an_image_is_named_by_its_own_name(registry, tmp_path, photo):
    upload = tmp_path / ("83b5d66dff" + "0" * 54)  # Gradio keeps uploads in a folder named by a hash
    upload.mkdir()
    notes = upload / "notes.txt"
    notes.write_text("not a picture")
    with pytest.raises(gr.Error) as caught:
        handlers.matte_files(str(notes), photo, "classical")
    assert "'notes.txt'" in caught.value.message
    assert "83b5d66dff" not in caught.value.message and "characters" not in caught.value.message


class Constant(Matter):
    """An engine whose alpha is one number: which engine ran shows in the alpha."""

    name = "classical"

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def predict_arrays(self, image, trimap, **options):
        alpha = np.full(trimap.shape, self.value, np.float32)
        return MattingResult(alpha, image / 255.0, image / 255.0, engine=self.name, info={})


def test_the_page_keeps_its_engines_whatever_else_runs_in_the_process(tmp_path):
    image, trimap, _ = make_disc_example(24, 32)
    Image.fromarray(image).save(tmp_path / "i.png")
    Image.fromarray(trimap).save(tmp_path / "t.png")
    page_engines = EngineRegistry({"classical": Constant(0.25)})
    with serving(page_engines):
        first = actions.matte(str(tmp_path / "i.png"), str(tmp_path / "t.png"), "classical")[0]
        handlers.run_page(str(tmp_path / "i.png"), handlers.TrimapSources("upload", upload=str(tmp_path / "t.png")),
                          "classical", None, None)  # a script's or the page's own run between two API calls
        second = actions.matte(str(tmp_path / "i.png"), str(tmp_path / "t.png"), "classical")[0]
        assert gpu.served() is page_engines
    for alpha in (first, second):
        assert np.asarray(Image.open(alpha.path))[trimap == 128].mean() == 64  # 0.25, the page's engine


# ---------------------------------------------------------------- /auto's values go to the library's checks


@pytest.mark.parametrize(
    "box, points, message",
    [
        (None, [[20, 20, 0.9]], "point label must be 1 (subject) or 0 (background), got 0.9"),
        ([10 ** 400, 0, 30, 30], None, "The box"),
        (None, [[10 ** 400, 5, 1]], "point"),
        ([40, 5, 10, 30], None, "right > left"),
    ],
)
def test_auto_names_a_bad_value_as_the_library_does(registry, photo, box, points, message):
    with pytest.raises(gr.Error) as caught:
        handlers.auto_files(photo, box, points, 0, "classical")
    assert message in caught.value.message
    assert "went wrong" not in caught.value.message and "&gt;" not in caught.value.message


def test_auto_refuses_an_unknown_engine_before_segmenting(registry, photo, monkeypatch):
    def segmented(*args, **kwargs):
        raise AssertionError("segmented before the engine name was checked")

    monkeypatch.setattr(handlers, "cached_auto_trimap", segmented)
    with pytest.raises(gr.Error, match="Unknown engine"):
        handlers.auto_files(photo, [5, 5, 40, 40], None, 0, "deeplab")


def test_a_click_on_a_one_pixel_photo_is_refused_by_name(registry, tmp_path):
    tiny = tmp_path / "dot.png"
    Image.fromarray(np.full((1, 1, 3), 200, np.uint8)).save(tiny)
    with pytest.raises(gr.Error) as caught:
        handlers.auto_files(str(tiny), None, [[0, 0, 1]], 0, "classical")
    assert "1x1" in caught.value.message and "error:" not in caught.value.message


# ---------------------------------------------------------------- what a run keeps and writes


def _zlib_level_bits(png_path) -> int:
    """The compression level class zlib wrote in the first IDAT chunk (0 = fastest)."""
    data = open(png_path, "rb").read()
    start = data.index(b"IDAT") + 4
    return data[start + 1] >> 6


def test_a_run_keeps_no_full_size_arrays_and_writes_only_what_is_shown_fast(registry, tmp_path):
    image, trimap, _ = make_disc_example(48, 64)
    Image.fromarray(image).save(tmp_path / "disc.png")
    Image.fromarray(trimap).save(tmp_path / "disc_trimap.png")
    page = handlers.run_page(str(tmp_path / "disc.png"),
                             handlers.TrimapSources("upload", upload=str(tmp_path / "disc_trimap.png")),
                             "classical", "#0000ff", None)
    kept_bytes = sum(value.nbytes for value in page.kept.values() if isinstance(value, np.ndarray))
    assert kept_bytes < 48 * 64  # under a byte a pixel for the session (was 16)
    written = sorted(os.listdir(os.path.dirname(page.alpha_file)))
    assert not [name for name in written if name.endswith(("_foreground.png", "_background.png"))], written
    assert all(_zlib_level_bits(os.path.join(os.path.dirname(page.alpha_file), name)) == 0 for name in written)
    again = handlers.composite_picture(page.kept, "#0000ff", None)
    assert np.array_equal(again, page.composite)
