"""The app's handlers with valid and invalid inputs, without a server.

They run the real weight-free engine on small synthetic photos; every bad
input must end as a ``gradio.Error`` whose message names the problem.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")

from samplenet.app import EngineRegistry, handlers
from samplenet.app.engines import EngineUnavailableError
from samplenet.app.pictures import checkerboard, cover_resize, overlay_trimap, parse_colour
from samplenet.app.trimap_tools import trimap_to_layer
from samplenet.engines.base import Matter
from samplenet.engines.classical import ClassicalMatter
from samplenet.errors import MattingInputError
from tests.conftest import make_disc_example, serving


@pytest.fixture
def registry():
    with serving(EngineRegistry({"classical": ClassicalMatter()}, notice="running weight-free")) as served:
        yield served


@pytest.fixture
def files(tmp_path):
    """A small photo + trimap + mask on disk, as Gradio would hand them over."""
    image, trimap, alpha = make_disc_example(48, 64)
    paths = {
        "image": tmp_path / "disc.png",
        "trimap": tmp_path / "disc_trimap.png",
        "mask": tmp_path / "disc_mask.png",
    }
    Image.fromarray(image).save(paths["image"])
    Image.fromarray(trimap).save(paths["trimap"])
    Image.fromarray(((alpha > 0.5) * 255).astype(np.uint8)).save(paths["mask"])
    return {k: str(v) for k, v in paths.items()} | {"arrays": (image, trimap, alpha), "dir": tmp_path}


def _write(path, array):
    Image.fromarray(array).save(path)
    return str(path)


def _truncated_png(path, source):
    data = open(source, "rb").read()
    path.write_bytes(data[: len(data) // 2])
    return str(path)


# ---------------------------------------------------------------- /matte


def test_matte_files_returns_grey_alpha_and_rgba_cutout_of_the_photo_size(registry, files):
    alpha_path, cutout_path, fg_path, bg_path, details = handlers.matte_files(
        files["image"], files["trimap"], "classical"
    )
    image, trimap, true_alpha = files["arrays"]
    alpha = Image.open(alpha_path)
    cutout = Image.open(cutout_path)
    assert alpha.mode == "L" and alpha.size == (64, 48)
    assert cutout.mode == "RGBA" and cutout.size == (64, 48)
    assert Image.open(fg_path).mode == "RGB" and Image.open(bg_path).size == (64, 48)
    values = np.asarray(alpha)
    assert np.all(values[trimap == 255] == 255) and np.all(values[trimap == 0] == 0)
    assert np.array_equal(np.asarray(cutout)[..., 3], values)
    # a real matte of the soft disc, not a copy of the trimap
    assert np.abs(values / 255.0 - true_alpha).mean() < 0.05
    assert details["engine"] == "classical" and details["width"] == 64


def test_auto_means_the_weight_free_engine_without_weights(registry, files):
    *_, details = handlers.matte_files(files["image"], files["trimap"], "auto")
    assert details["engine"] == "classical"


def test_samplenet_without_weights_is_an_error_saying_how_to_enable_it(registry, files):
    with pytest.raises(gr.Error, match="not available.*SAMPLENET_WEIGHTS"):
        handlers.matte_files(files["image"], files["trimap"], "samplenet")


@pytest.mark.parametrize(
    "case, message",
    [
        ("not an image", "not an image file"),
        ("truncated", "truncated or corrupt"),
        ("other size", "must have the same size"),
        ("no unknown", "no unknown"),
        ("no foreground", "no foreground"),
        ("missing image", "image file is missing"),
        ("missing trimap", "Upload a trimap"),
        ("bad engine", "Unknown engine"),
        ("no such file", "does not exist"),
    ],
)
def test_matte_files_names_the_problem(registry, files, case, message):
    tmp = files["dir"]
    image, trimap = files["image"], files["trimap"]
    engine = "classical"
    if case == "not an image":
        (tmp / "notes.png").write_text("this is text, not a picture")
        image = str(tmp / "notes.png")
    elif case == "truncated":
        image = _truncated_png(tmp / "cut.png", files["image"])
    elif case == "other size":
        trimap = _write(tmp / "small.png", np.full((20, 20), 128, np.uint8))
    elif case == "no unknown":
        trimap = _write(tmp / "binary.png", np.where(files["arrays"][1] == 255, 255, 0).astype(np.uint8))
    elif case == "no foreground":
        trimap = _write(tmp / "nofg.png", np.where(files["arrays"][1] == 255, 128, files["arrays"][1]).astype(np.uint8))
    elif case == "missing image":
        image = None
    elif case == "missing trimap":
        trimap = None
    elif case == "bad engine":
        engine = "deeplab"
    elif case == "no such file":
        image = str(tmp / "nowhere.png")
    with pytest.raises(gr.Error, match=message):
        handlers.matte_files(image, trimap, engine)


def test_oversized_image_is_refused_before_decoding(registry, files, monkeypatch):
    monkeypatch.setenv("SAMPLENET_MAX_PIXELS", "1000")
    with pytest.raises(gr.Error, match="more than the limit of 1,000"):
        handlers.matte_files(files["image"], files["trimap"], "classical")


def test_photos_above_the_full_res_limit_are_matted_smaller_and_restored(registry, files, monkeypatch):
    monkeypatch.setenv("SAMPLENET_APP_FULL_RES_PIXELS", "800")
    image, trimap, true_alpha = files["arrays"]
    outcome = handlers.matte_arrays("classical", image, trimap)
    assert outcome.result.alpha.shape == (48, 64)
    assert outcome.notes and "scaled back up" in outcome.notes[0] and "64x48" in outcome.notes[0]
    assert np.all(outcome.result.alpha[trimap == 255] == 1) and np.all(outcome.result.alpha[trimap == 0] == 0)
    assert np.abs(outcome.result.alpha - true_alpha).mean() < 0.08


def test_unexpected_engine_failure_is_reported_and_not_raised_raw(files):
    class Broken(Matter):
        name = "classical"

        def predict_arrays(self, image, trimap, **options):
            raise RuntimeError("solver exploded")

    with serving(EngineRegistry({"classical": Broken()})), \
            pytest.raises(gr.Error, match="RuntimeError: solver exploded.*still running"):
        handlers.matte_files(files["image"], files["trimap"], "auto")


# ---------------------------------------------------------------- /trimap


def test_trimap_from_mask_writes_a_three_level_png(files):
    path = handlers.trimap_file_from_mask(files["image"], files["mask"], 4)
    trimap = np.asarray(Image.open(path))
    assert trimap.shape == (48, 64) and set(np.unique(trimap)) == {0, 128, 255}
    mask = np.asarray(Image.open(files["mask"])) > 0
    assert np.all(mask[trimap == 255]) and not np.any(mask[trimap == 0])


@pytest.mark.parametrize(
    "case, message",
    [
        ("other size", "the mask is 10x10"),
        ("empty mask", "no foreground pixel"),
        ("band 0", "between 1 and"),
        ("not an image", "not an image file"),
        ("missing mask", "Give a mask"),
    ],
)
def test_trimap_from_mask_names_the_problem(files, case, message):
    tmp = files["dir"]
    mask, band = files["mask"], 4
    if case == "other size":
        mask = _write(tmp / "m.png", np.zeros((10, 10), np.uint8))
    elif case == "empty mask":
        mask = _write(tmp / "m.png", np.zeros((48, 64), np.uint8))
    elif case == "band 0":
        band = 0
    elif case == "not an image":
        (tmp / "m.png").write_bytes(b"\x00\x01garbage")
        mask = str(tmp / "m.png")
    elif case == "missing mask":
        mask = None
    with pytest.raises(gr.Error, match=message):
        handlers.trimap_file_from_mask(files["image"], mask, band)


# ---------------------------------------------------------------- the page


def _upload(files):
    return handlers.TrimapSources("upload", upload=files["trimap"])


def _auto(strokes, band_width, points=()):
    return handlers.TrimapSources("auto", auto=handlers.AutoInputs(strokes=strokes, band_width=band_width,
                                                                    points=points))


def _editor_value(layers):
    return {"background": None, "layers": layers, "composite": None}


def test_preview_of_a_sketch_overlays_the_painted_trimap(files):
    image, trimap, _ = files["arrays"]
    picture, got, status = handlers.preview_trimap(
        files["image"], handlers.TrimapSources("sketch", sketch=_editor_value([trimap_to_layer(trimap, 255)]))
    )
    assert status == ""  # only the Auto tab has a segmenter to name
    assert np.array_equal(got, trimap)
    assert np.array_equal(picture, overlay_trimap(image, trimap))


def test_an_editor_layer_file_that_is_not_an_image_is_named(files, tmp_path):
    image = files["arrays"][0]
    broken = tmp_path / "layer.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(MattingInputError, match="editor layer .*layer.png.* is not an image"):
        handlers.sketch_trimap(image, _editor_value([str(broken)]), "unknown")
    with pytest.raises(gr.Error, match="editor layer 'layer.png' is not an image"):
        handlers.preview_trimap(files["image"], handlers.TrimapSources("sketch", sketch=_editor_value([str(broken)])))


def test_empty_sketch_canvas_is_a_clear_error(files):
    empty = np.zeros((48, 64, 4), np.uint8)
    with pytest.raises(gr.Error, match="sketch is empty"):
        handlers.preview_trimap(files["image"], handlers.TrimapSources("sketch", sketch=_editor_value([empty])))


def test_auto_tab_reads_brush_colours_as_foreground_background_and_box(files):
    image, trimap, _ = files["arrays"]
    strokes = np.zeros((48, 64, 4), np.uint8)
    strokes[22:26, 28:36] = (255, 255, 255, 255)  # on the disc
    strokes[2:4, 2:60] = (0, 0, 0, 255)  # on the background
    _, got, status = handlers.preview_trimap(files["image"], _auto(_editor_value([strokes]), 3))
    assert "Segmenter:** classical" in status and "3 px band" in status
    assert np.all(got[22:26, 28:36] == 255) and np.all(got[2:4, 2:60] == 0)
    assert np.mean(got[trimap == 255] == 255) > 0.9 and np.mean(got[trimap == 0] == 0) > 0.8
    with pytest.raises(gr.Error, match="Nothing is marked"):
        handlers.preview_trimap(files["image"], _auto(_editor_value([]), 3))


def test_auto_tab_box_comes_from_the_red_loop(files):
    masks = handlers.stroke_masks(_editor_value([_red_loop()]), (64, 48))
    assert masks["box"].any() and not masks["foreground"].any() and not masks["background"].any()


def _red_loop():
    layer = np.zeros((48, 64, 4), np.uint8)
    layer[6, 12:52] = layer[42, 12:52] = (255, 0, 0, 255)
    layer[6:43, 12] = layer[6:43, 51] = (255, 0, 0, 255)
    return layer


def test_upload_tab_needs_a_file(files):
    with pytest.raises(gr.Error, match="Upload a trimap"):
        handlers.preview_trimap(files["image"], handlers.TrimapSources("upload"))
    with pytest.raises(gr.Error, match="Give a photo"):
        handlers.preview_trimap(None, _upload(files))


def test_run_page_produces_every_picture_at_the_photo_size(registry, files):
    steps = []
    page = handlers.run_page(
        files["image"], _upload(files),
        "auto", "#0000ff", None, progress=lambda fraction, text: steps.append((fraction, text)),
    )
    image, trimap, _ = files["arrays"]
    for picture in (page.overlay, page.cutout_preview, page.composite, *page.before_after):
        assert picture.shape == (48, 64, 3) and picture.dtype == np.uint8
    assert page.alpha.shape == (48, 64)
    # background pixels of the composite are the picked colour, the subject keeps its colour
    assert np.all(page.composite[trimap == 0] == (0, 0, 255))
    assert np.array_equal(page.composite[trimap == 255], image[trimap == 255])
    assert np.array_equal(page.cutout_preview[trimap == 0], checkerboard(48, 64)[trimap == 0])
    assert page.sampled_foreground is None  # classical: no sampled pictures to explain
    assert Image.open(page.cutout_file).mode == "RGBA"
    assert [f for f, _ in steps] == sorted(f for f, _ in steps) and steps[-1][0] == 1.0
    assert "classical" in page.status


def test_new_background_picture_is_fitted_behind_the_subject(registry, files, tmp_path):
    page = handlers.run_page(
        files["image"], _upload(files), "classical", None, None
    )
    backdrop = _write(tmp_path / "sky.png", np.full((300, 100, 3), (10, 200, 250), np.uint8))
    composite = handlers.composite_picture(page.kept, "#000000", backdrop)
    trimap = files["arrays"][1]
    assert composite.shape == (48, 64, 3)
    assert np.all(composite[trimap == 0] == (10, 200, 250))


def test_colour_parsing_and_cover_fit():
    assert parse_colour("#ff8000") == (255, 128, 0)
    assert parse_colour("#fff") == (255, 255, 255)
    assert parse_colour("rgba(10, 20, 30, 1)") == (10, 20, 30)
    with pytest.raises(MattingInputError, match="background colour"):
        parse_colour("blue-ish")
    assert cover_resize(np.zeros((10, 40, 3), np.uint8), 30, 30).shape == (30, 30, 3)


# ---------------------------------------------------------------- engines


def test_registry_resolves_names_and_refuses_unknown_ones():
    classical = ClassicalMatter()
    registry = EngineRegistry({"classical": classical})
    assert registry.resolve("auto") is classical and registry.resolve("") is classical
    assert registry.available == ["auto", "classical"]
    with pytest.raises(EngineUnavailableError, match="samplenet"):
        registry.resolve("samplenet")
    with pytest.raises(MattingInputError, match="Unknown engine"):
        registry.resolve("magic")
    with pytest.raises(ValueError):
        EngineRegistry({})


def test_registry_from_environment_starts_weight_free_with_a_notice(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMPLENET_WEIGHTS", str(tmp_path / "no-weights-here"))
    registry = EngineRegistry.from_environment()
    assert registry.available == ["auto", "classical"]
    # visitors get one line: which engine runs; the operator gets the reason and the remedy
    assert "weight-free" in registry.notice and "SAMPLENET_WEIGHTS" not in registry.notice
    assert "could not be loaded" in registry.operator_note and "no-weights-here" in registry.operator_note
    assert "samplenet convert" in registry.operator_note
    monkeypatch.delenv("SAMPLENET_WEIGHTS")
    assert "SAMPLENET_WEIGHTS is not set" in EngineRegistry.from_environment().operator_note


# ---------------------------------------------------------------- with SampleNet loaded


@pytest.fixture(scope="module")
def samplenet_registry():
    """Both engines, SampleNet with seeded random weights (no download)."""
    from models_helpers import seeded_samplenet

    from samplenet.engines.samplenet_engine import SampleNetMatter

    return EngineRegistry({"samplenet": SampleNetMatter(seeded_samplenet(), device="cpu"),
                           "classical": ClassicalMatter()})


def test_with_weights_auto_is_samplenet_and_the_page_shows_sampled_colours(samplenet_registry, files):
    assert samplenet_registry.available == ["auto", "samplenet", "classical"]
    steps = []
    with serving(samplenet_registry):
        page = handlers.run_page(
            files["image"], _upload(files), "auto", "#ffffff", None, progress=lambda fraction, text: steps.append(text)
        )
    assert "samplenet" in page.status
    assert page.sampled_foreground.shape == (48, 64, 3) and page.sampled_background.shape == (48, 64, 3)
    stages = [text.split(" ")[0] for text in steps if text.split(" ")[0] in ("Background", "Foreground", "Matting")]
    assert stages == ["Background", "Foreground", "Matting"]  # each network reported as it starts
    # SampleNet's sampled foreground is an inpainting: shown as such, but the cut-out must not
    # repaint the pixels the visitor marked as surely subject
    image, trimap, _ = files["arrays"]
    sure = trimap == 255
    cutout = np.asarray(Image.open(page.cutout_file))
    assert np.array_equal(cutout[sure][:, :3], image[sure])
    assert not np.array_equal(page.sampled_foreground[sure], image[sure])


def test_with_weights_classical_can_still_be_chosen(samplenet_registry, files):
    with serving(samplenet_registry):
        *_, details = handlers.matte_files(files["image"], files["trimap"], "classical")
    assert details["engine"] == "classical"


def test_touch_up_hands_the_auto_trimap_to_the_sketch_brushes(files):
    strokes = np.zeros((48, 64, 4), np.uint8)
    strokes[22:26, 28:36] = (255, 255, 255, 255)
    strokes[2:4, 2:60] = (0, 0, 0, 255)
    value, trimap, picture, status = handlers.touch_up(files["image"], handlers.AutoInputs(_editor_value([strokes]), 3))
    assert "classical" in status
    image = files["arrays"][0]
    # the editor shows one picture, the trimap tinted on the photo: nothing to drift apart
    assert value["layers"] == [] and np.array_equal(value["background"], overlay_trimap(image, trimap))
    assert np.array_equal(picture, value["background"])
    # untouched, the Sketch tab reads back the same trimap; a stroke changes only what it covers
    assert np.array_equal(handlers.sketch_trimap(image, value, "background", base=trimap), trimap)
    stroke = np.zeros((48, 64, 4), np.uint8)
    stroke[0:2, 0:10] = (255, 255, 255, 255)
    touched = handlers.sketch_trimap(image, _editor_value([stroke]), "unknown", base=trimap)
    assert np.all(touched[0:2, 0:10] == 255)
    assert np.array_equal(touched[2:], trimap[2:]) and np.array_equal(touched[:2, 10:], trimap[:2, 10:])
    with pytest.raises(MattingInputError, match="Nothing is marked"):
        handlers.touch_up(files["image"], handlers.AutoInputs(_editor_value([]), 3))


def test_a_background_picture_that_is_not_an_image_is_refused(registry, files, tmp_path):
    page = handlers.run_page(
        files["image"], _upload(files), "classical", None, None
    )
    bogus = tmp_path / "bg.png"
    bogus.write_text("no picture here")
    with pytest.raises(MattingInputError, match="not an image file"):
        handlers.composite_picture(page.kept, "#000000", str(bogus))
    with pytest.raises(MattingInputError, match="background colour"):
        handlers.composite_picture(page.kept, "not a colour", None)


def test_unknown_trimap_source_is_refused(files):
    with pytest.raises(gr.Error, match="Unknown trimap source"):
        handlers.preview_trimap(files["image"], handlers.TrimapSources("telepathy"))


def test_a_mostly_unknown_trimap_runs_but_the_visitor_is_told(registry, files):
    image, trimap, _ = files["arrays"]
    vague = np.full_like(trimap, 128)
    vague[20:28, 28:36] = 255
    vague[:3, :3] = 0
    outcome = handlers.matte_arrays("classical", image, vague)
    assert outcome.result.alpha.shape == (48, 64)
    assert any("marked unknown" in note for note in outcome.notes)
    assert not handlers.matte_arrays("classical", image, trimap).notes


def test_every_picture_is_written_before_progress_says_done(registry, files):
    """The page shows files, not arrays Gradio would still have to encode
    after the bar reached 100 %; each is named after the photo."""
    from samplenet.app.storage import output_root

    written_when_done = []

    def progress(fraction, text):
        if fraction >= 1.0:
            written_when_done.extend(str(p) for p in output_root().rglob("*.png"))

    page = handlers.run_page(files["image"], _upload(files), "classical", "#ffffff", None,
                             progress=progress)
    assert {"alpha", "cutout", "preview", "composite", "overlay", "photo"} <= set(page.files)
    for kind, path in page.files.items():
        assert path in written_when_done and os.path.basename(path) == f"disc_{kind}.png"


# ---------------------------------------------------------------- the one GPU function


def test_the_gpu_function_runs_the_served_registry_and_is_plain_without_spaces(registry, files):
    from samplenet.app import gpu

    if gpu.spaces is None:  # CI and laptops: nothing is decorated
        assert gpu.on_gpu(len) is len and not gpu.ON_ZERO_GPU
    image, trimap, _ = files["arrays"]
    gpu.serve(registry)
    assert gpu.served() is registry
    assert gpu.run_engine("auto", image, trimap).engine == "classical"
    gpu.serve(None)
    with pytest.raises(RuntimeError, match="build_demo"):
        gpu.run_engine("auto", image, trimap)
