"""The Auto tab: a box (the red loop), clicks and strokes as prompts, one
segmentation shared by Preview and Cut out, and the page saying which
segmenter ran.  Actions are called with component stand-ins (no server)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")

from conftest import serving
from page_stand_ins import stand_in_page

from samplenet.app import EngineRegistry, actions, handlers
from samplenet.app.page import Page
from samplenet.app.pictures import CLICK_COLOURS
from samplenet.engines.classical import ClassicalMatter
from samplenet.segmentation import auto as segmentation_auto
from samplenet.segmentation import cache as segmentation_cache

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SIZE = (150, 100)  # the cat sample at a third of its size: segmenting it takes a fraction of the time


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("auto") / "chelsea.png"
    Image.open(EXAMPLES / "chelsea.jpg").convert("RGB").resize(SIZE, Image.BICUBIC).save(path)
    return str(path)


@pytest.fixture
def page() -> Page:
    return stand_in_page()


@pytest.fixture
def segmentations(monkeypatch):
    """Count the segmentations really run, in a fresh process-wide cache."""
    calls = []
    real = segmentation_auto.segment

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(segmentation_auto, "segment", counting)
    monkeypatch.setattr(segmentation_cache, "DEFAULT_CACHE", segmentation_cache.SegmentationCache())
    return calls


def _red_loop(x0: int, y0: int, x1: int, y1: int, size=SIZE) -> np.ndarray:
    layer = np.zeros((size[1], size[0], 4), np.uint8)
    red = (255, 0, 0, 255)
    layer[y0, x0:x1] = layer[y1 - 1, x0:x1] = red
    layer[y0:y1, x0] = layer[y0:y1, x1 - 1] = red
    return layer


def _values(page: Page, photo: str, **named) -> dict:
    defaults = {"source": "auto", "sketch": None, "sketch_base": None, "unpainted": "unknown",
                "strokes": {"background": None, "layers": [_red_loop(13, 3, 140, 100)], "composite": None},
                "clicks": [[77, 50, 1]], "click_label": 1, "band": 0, "uploaded": None, "photo": photo,
                "engine": "auto", "colour": "#0000ff", "backdrop": None, "kept": None}
    return {getattr(page, name): value for name, value in (defaults | named).items()}


def test_preview_then_cut_out_segments_once_and_both_name_the_segmenter(page, photo, segmentations):
    shown = actions.preview(page, _values(page, photo))
    assert "**Segmenter:** classical" in shown[page.status] and "band chosen from the photo" in shown[page.status]
    with serving(EngineRegistry({"classical": ClassicalMatter()})):
        out = actions.cut_out(page, _values(page, photo), progress=lambda *a, **k: None)
    assert len(segmentations) == 1
    assert "**Segmenter:** classical" in out[page.status] and "**Engine:** classical" in out[page.status]
    # a new band width reuses the segmentation too; a new click is a new segmentation
    actions.preview(page, _values(page, photo, band=9))
    assert len(segmentations) == 1
    actions.preview(page, _values(page, photo, clicks=[[77, 50, 1], [5, 93, 0]]))
    assert len(segmentations) == 2
    prompts = segmentations[-1]
    assert prompts.box == (13, 3, 140, 100) and prompts.labels == (1, 0)


def test_clicks_only_strokes_only_and_nothing_marked(page, photo, segmentations):
    clicks_only = actions.preview(page, _values(page, photo, strokes=None))
    assert "classical" in clicks_only[page.status]
    stroke = np.zeros((100, 150, 4), np.uint8)
    stroke[45:55, 65:90] = (255, 255, 255, 255)
    strokes_only = handlers.preview_trimap(photo, handlers.TrimapSources("auto", auto=handlers.AutoInputs(
        {"background": None, "layers": [stroke], "composite": None}, 0)))
    assert np.all(strokes_only[1][45:55, 65:90] == 255)  # a white stroke stays subject
    with pytest.raises(gr.Error, match="Nothing is marked"):
        actions.preview(page, _values(page, photo, strokes=None, clicks=[]))


def test_contradictory_prompts_are_a_one_line_error(page, photo, segmentations):
    with pytest.raises(gr.Error, match="outside the box") as caught:
        actions.preview(page, _values(page, photo, clicks=[[5, 50, 1]]))  # a subject click left of the red loop
    assert "\n" not in caught.value.message and not segmentations


def test_a_tap_adds_a_click_of_the_chosen_kind_and_clear_removes_them(page, photo):
    tap = gr.SelectData(None, {"index": [5, 93], "value": None, "selected": True})
    out = actions.add_click(page, _values(page, photo, click_label=0), tap)
    assert out[page.clicks] == [[77, 50, 1], [5, 93, 0]]
    picture = out[page.click_picture]
    assert picture.shape == (100, 150, 3)
    assert tuple(picture[93, 5]) == CLICK_COLOURS[0] and tuple(picture[50, 77]) == CLICK_COLOURS[1]
    cleared = actions.clear_clicks(page, _values(page, photo))
    assert cleared[page.clicks] == [] and cleared[page.click_picture] == photo
    fresh = actions.photo_into_editors(page, _values(page, photo))
    assert fresh[page.clicks] == [] and fresh[page.click_picture] == photo


@pytest.mark.parametrize(
    "points, band, message",
    [({"x": 3}, 0, "must be a list"), ([[1, "a"]], 0, "must be two numbers"), ([[1, 2, 3, 4]], 0, "must be \\[x, y\\]"),
     ([[50, 40]], "wide", "band width must be a number"), ([[50, 40]], 500, "between 1 and 200"),
     ([[1, 2, float("inf")]], 0, "point label must be 1"), ([[50, 40]], float("inf"), "between 1 and 200")],
    ids=["not a list", "not numbers", "four numbers", "band text", "band too wide", "infinite label",
         "infinite band"],
)
def test_bad_clicks_or_band_are_named(photo, points, band, message):
    sources = handlers.TrimapSources("auto", auto=handlers.AutoInputs(None, band, points))
    with pytest.raises(gr.Error, match=message):
        handlers.preview_trimap(photo, sources)


def test_after_a_preview_a_tap_updates_the_overlay_by_itself_and_a_new_box_waits_for_preview(
    page, photo, segmentations
):
    """Issue 29: a correction of the segmentation on show (one more tap) is
    quick, so the overlay follows it without a button press; a new box is a
    new segmentation (seconds), so it waits for Preview."""
    unchanged = {page.overlay: gr.skip(), page.status: gr.skip()}
    values = _values(page, photo)
    assert actions.refresh_auto_preview(page, values) == unchanged and not segmentations  # nothing on show yet
    shown = actions.preview(page, values)
    tapped = _values(page, photo, clicks=[[77, 50, 1], [20, 15, 0]])
    out = actions.refresh_auto_preview(page, tapped)
    assert "**Segmenter:** classical" in out[page.status] and len(segmentations) == 2
    assert out[page.overlay].shape == shown[page.overlay].shape
    moved = {"background": None, "layers": [_red_loop(20, 8, 135, 98)], "composite": None}
    assert actions.refresh_auto_preview(page, _values(page, photo, strokes=moved)) == unchanged
    assert len(segmentations) == 2
