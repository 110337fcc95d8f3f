"""Every brush the page offers paints what its name says: the named choice,
the editor's swatch and the reader of the strokes agree for each brush."""
from __future__ import annotations

import os
import re

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
gr = pytest.importorskip("gradio")

from samplenet.app import EngineRegistry, handlers
from samplenet.app.ui import build_demo
from samplenet.engines.classical import ClassicalMatter
from samplenet.io import BACKGROUND, FOREGROUND, UNKNOWN

#: What a brush's words promise, read from the words a visitor sees.
PROMISES = {"subject": "foreground", "background": "background", "box": "box", "fuzzy edge": "unknown"}
LEVELS = {"foreground": FOREGROUND, "background": BACKGROUND, "unknown": UNKNOWN}


@pytest.fixture(scope="module")
def page_brushes():
    """(radio choices, editor swatches) per editor, as the built page holds them."""
    demo = build_demo(EngineRegistry({"classical": ClassicalMatter()}), examples=[])
    found = {}
    for block in demo.blocks.values():
        elem_id = getattr(block, "elem_id", None)
        if elem_id in ("sketch", "strokes"):
            found.setdefault(elem_id, {})["swatches"] = list(block.brush.colors)
        if elem_id in ("sketch-brush", "strokes-brush"):
            found.setdefault(elem_id.removesuffix("-brush"), {})["choices"] = list(block.choices)
    return found


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(v) for v in re.findall(r"\d+", css))


def _hex(colour: str) -> tuple[int, ...]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _promise(words: str) -> str:
    return next(meaning for start, meaning in PROMISES.items() if words.lower().startswith(start))


@pytest.mark.parametrize("editor", ["sketch", "strokes"])
def test_each_named_brush_has_its_swatch_in_the_editor(page_brushes, editor):
    brushes = page_brushes[editor]
    assert [_rgb(css) for _, css in brushes["choices"]] == [_hex(colour) for colour in brushes["swatches"]]


def test_each_auto_brush_is_read_as_what_its_name_says(page_brushes):
    for words, css in page_brushes["strokes"]["choices"]:
        layer = np.zeros((8, 8, 4), np.uint8)
        layer[2:5, 2:5] = (*_rgb(css), 255)
        masks = handlers.stroke_masks({"layers": [layer]}, (8, 8))
        assert [name for name, mask in masks.items() if mask.any()] == [_promise(words)], words


def test_each_sketch_brush_paints_the_level_its_name_says(page_brushes):
    photo = np.zeros((8, 8, 3), np.uint8)
    for words, css in page_brushes["sketch"]["choices"]:
        layer = np.zeros((8, 8, 4), np.uint8)
        layer[2:5, 2:5] = (*_rgb(css), 255)
        trimap = handlers.sketch_trimap(photo, {"layers": [layer]}, "unknown" if "Fuzzy" not in words else "background")
        assert trimap[3, 3] == LEVELS[_promise(words)], words
