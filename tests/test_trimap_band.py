"""The /trimap band: refused up front when it cannot give a usable trimap
(issue 12, defect 5), and as fast for a wide band on a large photo as for a
narrow one (defect 8)."""
from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
from PIL import Image

from samplenet.app.trimap_tools import check_trimap_usable, mask_to_trimap
from samplenet.errors import MattingInputError


def disc(height, width, radius):
    mask = np.zeros((height, width), np.uint8)
    cv2.circle(mask, (width // 2, height // 2), radius, 255, -1)
    return mask


@pytest.mark.parametrize("band", [float("1e999"), "1e999", float("-inf"), "-Infinity", float("nan")])
def test_an_infinite_band_is_refused_as_out_of_range(band):
    with pytest.raises(MattingInputError, match="between 1 and 200 pixels"):
        mask_to_trimap(disc(40, 40, 10), band)


def test_a_band_wider_than_the_subject_is_refused_saying_what_fits():
    mask = disc(600, 600, 30)  # a small subject: 61 pixels across
    with pytest.raises(MattingInputError) as caught:
        mask_to_trimap(mask, 200)
    message = str(caught.value)
    assert "no sure foreground" in message and "about 60 pixels across" in message
    widest = int(message.split("at most ")[1].split(" pixels")[0])
    check_trimap_usable(mask_to_trimap(mask, widest))  # the advice works...
    with pytest.raises(MattingInputError, match="no sure foreground"):
        mask_to_trimap(mask, widest + 1)  # ...and is the widest that does


def test_a_band_that_swallows_the_background_is_refused():
    mask = np.full((100, 100), 255, np.uint8)
    mask[:, :10] = 0  # a thin strip of background
    with pytest.raises(MattingInputError, match="no sure background.*at most 9 pixels"):
        mask_to_trimap(mask, 20)


def test_trimap_endpoint_names_the_band_problem_instead_of_something_went_wrong(tmp_path):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    gr = pytest.importorskip("gradio")
    from samplenet.app import handlers

    mask = disc(120, 160, 20)
    Image.fromarray(np.dstack([mask] * 3)).save(tmp_path / "photo.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    for band, expected in [(float("1e999"), "between 1 and 200"), ("-Infinity", "between 1 and 200"),
                           (200, "no sure foreground")]:
        with pytest.raises(gr.Error) as caught:
            handlers.trimap_file_from_mask(str(tmp_path / "photo.png"), str(tmp_path / "mask.png"), band)
        assert expected in caught.value.message and "Something went wrong" not in caught.value.message

