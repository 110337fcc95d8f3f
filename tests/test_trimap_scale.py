"""Every place that matters a smaller copy of a photo shrinks the trimap by
one rule (:func:`samplenet.trimap_scale.shrink_trimap`): thin grey bands
and thin painted labels both survive."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import serving
from PIL import Image

from samplenet.engines import resampling
from samplenet.engines.classical import ClassicalMatter
from samplenet.io import BACKGROUND, FOREGROUND, UNKNOWN
from samplenet.trimap_scale import shrink_trimap


def _edge_photo(height: int, width: int, edge: int) -> tuple[np.ndarray, np.ndarray]:
    """Black on the left, white on the right, a 2-px mixed edge at columns
    ``edge`` and ``edge + 1``, and a trimap whose grey band is exactly that edge."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, edge + 2:] = 255
    image[:, edge] = 85
    image[:, edge + 1] = 170
    trimap = np.full((height, width), BACKGROUND, np.uint8)
    trimap[:, edge + 2:] = FOREGROUND
    trimap[:, edge:edge + 2] = UNKNOWN
    return image, trimap


def test_a_two_pixel_band_on_odd_columns_survives_halving():
    _, trimap = _edge_photo(8, 40, 19)
    small = shrink_trimap(trimap, (20, 4))
    assert np.all(small[:, 9:11] == UNKNOWN)  # both cells the band straddles
    assert np.all(small[:, :9] == BACKGROUND) and np.all(small[:, 11:] == FOREGROUND)


def test_a_stroke_thinner_than_a_cell_keeps_every_cell_it_touches():
    trimap = np.full((40, 40), UNKNOWN, np.uint8)
    trimap[:3] = BACKGROUND
    trimap[20, 5:35] = FOREGROUND  # one pixel high, 1/4 of a cell at 0.25x
    small = shrink_trimap(trimap, (10, 10))
    assert np.all(small[5, 1:9] == FOREGROUND)
    assert np.count_nonzero(small == FOREGROUND) <= 10


def test_the_classical_engines_reduced_solve_keeps_the_band():
    # 4000 unknown pixels against a limit of 1000: solved at 0.5x, where the
    # old majority rule made both half-band cells known and the edge hard
    image, trimap = _edge_photo(2000, 40, 19)
    result = ClassicalMatter(max_unknown_pixels=1000)(image, trimap)
    assert result.info["solved_at_scale"] == pytest.approx(0.5)
    solved = result.info["unknown_pixels"] + result.info["fixed_pixels"]  # unknown pixels of the small trimap
    assert solved >= 2 * 1000


def test_samplenets_samplers_see_a_thin_white_stroke():
    trimap = torch.ones(1, 1, 64, 64)
    trimap[..., :4, :] = 0.0
    trimap[..., 33, 8:56] = 2.0  # one pixel high: mixed with unknown in every cell
    small = resampling.shrink_trimap(trimap, (16, 16))
    assert torch.any(small == 2.0)
    assert torch.all(small[0, 0, 0] == 0.0)


def test_the_app_keeps_a_thin_white_stroke_on_a_large_photo(tmp_path, monkeypatch):
    pytest.importorskip("gradio")
    from samplenet.app import EngineRegistry, handlers

    monkeypatch.setenv("SAMPLENET_APP_FULL_RES_PIXELS", "10000")
    image = np.full((200, 200, 3), 30, np.uint8)
    image[60:140, 60:140] = 230
    trimap = np.full((200, 200), UNKNOWN, np.uint8)
    trimap[:20] = BACKGROUND
    trimap[100, 70:130] = FOREGROUND  # a 1-px stroke; the photo is matted at 100x100
    Image.fromarray(image).save(tmp_path / "photo.png")
    Image.fromarray(trimap).save(tmp_path / "trimap.png")
    with serving(EngineRegistry({"classical": ClassicalMatter()})):
        alpha_path, *_ = handlers.matte_files(str(tmp_path / "photo.png"), str(tmp_path / "trimap.png"), "classical")
    alpha = np.asarray(Image.open(alpha_path)) / 255.0
    assert alpha[70:130, 70:130].mean() > 0.5
