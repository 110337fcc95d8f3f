"""The page's actions read and update components by name: each returns a
dict keyed by the Page's components (stand-ins here, no server)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")

from conftest import serving
from page_stand_ins import stand_in_page

from samplenet.app import EngineRegistry, actions
from samplenet.app.page import Page
from samplenet.engines.classical import ClassicalMatter

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def page() -> Page:
    return stand_in_page()


def _values(page: Page, **named) -> dict:
    defaults = {
        "source": "upload",
        "sketch": None,
        "sketch_base": None,
        "unpainted": "unknown",
        "strokes": None,
        "clicks": [],
        "click_label": 1,
        "band": 0,
        "uploaded": str(EXAMPLES / "chelsea_trimap.png"),
        "photo": str(EXAMPLES / "chelsea.jpg"),
        "engine": "auto",
        "colour": "#0000ff",
        "backdrop": None,
        "kept": None,
    }
    return {getattr(page, name): value for name, value in (defaults | named).items()}


def test_cut_out_fills_every_result_by_name_with_files_named_after_the_photo(page):
    with serving(EngineRegistry({"classical": ClassicalMatter()})):
        out = actions.cut_out(page, _values(page), progress=lambda *a, **k: None)
    for name in ("alpha", "cutout", "composite", "overlay"):
        assert Path(out[getattr(page, name)]).name.startswith("chelsea_")
        assert Image.open(out[getattr(page, name)]).size == (451, 300)
    assert [Path(p).name for p in out[page.downloads]] == ["chelsea_cutout.png", "chelsea_alpha.png",
                                                           "chelsea_composite.png"]
    assert "classical" in out[page.status] and out[page.kept]["stem"] == "chelsea"
    assert out[page.sampled_fg].visible is False  # only SampleNet has sampled colours to show
    again = actions.new_background(page, _values(page, kept=out[page.kept], colour="#ff0000"))
    assert Path(again[page.composite]).name == "chelsea_composite.png"


def _after(page: Page, values: dict, *updates: dict) -> dict:
    """The page's values once the events' updates are applied (a Tabs update selects its tab)."""
    merged = dict(values)
    for update in updates:
        merged.update({component: value for component, value in update.items() if component is not page.tabs})
    return merged


def test_a_cut_out_after_a_new_photo_never_uses_the_previous_photos_trimap(page, tmp_path):
    # a visitor picks a sample (photo + trimap: Upload tab), then gives a photo of their own
    sample = _values(page)
    own = Image.open(EXAMPLES / "chelsea.jpg").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    own.save(tmp_path / "mine.jpg")
    values = _after(page, sample | {page.photo: str(tmp_path / "mine.jpg")})
    values = _after(page, values, actions.new_photo(page, values), actions.photo_into_editors(page, values))
    with serving(EngineRegistry({"classical": ClassicalMatter()})), pytest.raises(gr.Error, match="sketch is empty"):
        actions.cut_out(page, values, progress=lambda *a, **k: None)


