"""Input handling shared by every engine: what is converted, what is refused."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from samplenet.errors import MattingInputError
from samplenet.io import load_image, load_trimap, normalize_trimap, prepare_inputs


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_grey_image_becomes_rgb():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = load_image(grey)
    assert out.shape == (3, 4, 3) and out.dtype == np.uint8
    assert np.array_equal(out[..., 0], grey) and np.array_equal(out[..., 2], grey)


def test_rgba_drops_alpha_and_keeps_colours():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 7
    out = load_image(rgba)
    assert out.shape == (2, 2, 3) and np.all(out[..., 0] == 200)


def test_sixteen_bit_png_is_scaled(tmp_path):
    data = np.full((4, 5), 65535, np.uint16)
    data[0, 0] = 0
    path = tmp_path / "deep.png"
    Image.fromarray(data).save(path)
    out = load_image(path)
    assert out.shape == (4, 5, 3)
    assert out[0, 0, 0] == 0 and out[1, 1, 0] == 255


def test_uint16_array_is_scaled():
    out = load_image(np.full((2, 2, 3), 257 * 100, np.uint16))
    assert np.all(out == 100)


def test_exif_rotation_is_applied(tmp_path):
    img = Image.new("RGB", (6, 2), (10, 20, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif.tobytes())
    assert load_image(path).shape == (6, 2, 3)


def test_float_image_in_unit_range_is_accepted_and_out_of_range_refused():
    assert load_image(np.ones((2, 2, 3), np.float32)).max() == 255
    with pytest.raises(MattingInputError, match=r"\[0, 1\]"):
        load_image(np.full((2, 2, 3), 3.0, np.float32))


@pytest.mark.parametrize(
    "bad, pattern",
    [
        (np.zeros((0, 5, 3), np.uint8), "empty"),
        (np.zeros((4, 4, 2), np.uint8), "shape"),
        (np.zeros((4, 4, 3), np.int64), "dtype"),
        (np.full((2, 2, 3), np.nan, np.float32), "NaN"),
        (12345, "path, bytes"),
        (b"", "empty"),
        (b"definitely not an image", "not an image"),
    ],
)
def test_bad_images_raise_named_errors(bad, pattern):
    with pytest.raises(MattingInputError, match=pattern):
        load_image(bad)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(MattingInputError, match="does not exist"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(MattingInputError, match="folder"):
        load_image(tmp_path)


def test_truncated_png_is_refused(tmp_path):
    data = _png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)))
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MattingInputError, match="truncated|corrupt|could not"):
        load_image(path)


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    Image.new("L", (300, 200)).save(path)
    with pytest.raises(MattingInputError, match="60,000 pixels"):
        load_image(path, max_pixels=50_000)
    assert load_image(path, max_pixels=60_000).shape == (200, 300, 3)


def test_pixel_limit_from_environment(monkeypatch):
    monkeypatch.setenv("SAMPLENET_MAX_PIXELS", "10")
    with pytest.raises(MattingInputError, match="limit of 10"):
        load_image(np.zeros((4, 4, 3), np.uint8))


@pytest.mark.parametrize(
    "raw, problem", [("abc", "must be an integer"), ("0", "must be positive"), ("-5", "must be positive")]
)
@pytest.mark.parametrize(
    "variable, reader",
    [
        ("SAMPLENET_MAX_PIXELS", "samplenet.io:max_pixels_from_env"),
        ("SAMPLENET_APP_FULL_RES_PIXELS", "samplenet.app.resolution:full_res_pixels_from_env"),
    ],
)
def test_malformed_pixel_limit_variables_are_refused_by_name(monkeypatch, variable, reader, raw, problem):
    import importlib

    module, name = reader.split(":")
    read = getattr(importlib.import_module(module), name)
    monkeypatch.setenv(variable, raw)
    with pytest.raises(MattingInputError, match=f"{variable} {problem}"):
        read()
    monkeypatch.setenv(variable, "1234")
    assert read() == 1234


def test_trimap_values_between_levels_are_unknown():
    grey = np.array([[0, 1, 102, 127, 128, 254, 255]], np.uint8)
    assert normalize_trimap(grey).tolist() == [[0, 128, 128, 128, 128, 128, 255]]


def test_trimap_from_rgb_and_palette_files(tmp_path):
    levels = np.array([[0, 128, 255]], np.uint8)
    rgb = np.repeat(levels[:, :, None], 3, axis=2)
    assert load_trimap(rgb).tolist() == [[0, 128, 255]]
    pal = Image.fromarray(levels).convert("P")
    path = tmp_path / "pal.png"
    pal.save(path)
    assert load_trimap(path).tolist() == [[0, 128, 255]]
    assert load_trimap(np.dstack([rgb, np.full((1, 3), 255, np.uint8)])).tolist() == [[0, 128, 255]]


def test_boolean_trimap_is_refused_with_advice():
    with pytest.raises(MattingInputError, match="three levels"):
        load_trimap(np.ones((3, 3), bool))


def test_size_mismatch_names_both_sizes():
    with pytest.raises(MattingInputError, match="image is 5x4 but the trimap is 4x5"):
        prepare_inputs(np.zeros((4, 5, 3), np.uint8), np.zeros((5, 4), np.uint8))


def test_matting_input_error_is_a_value_error():
    assert issubclass(MattingInputError, ValueError)
