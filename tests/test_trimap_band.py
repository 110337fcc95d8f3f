"""The /trimap band: refused up front when it cannot give a usable trimap
(issue 12, defect 5), and as fast for a wide band on a large photo as for a
narrow one (defect 8)."""
from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
from PIL import Image

from samplenet.app.trimap_tools import check_trimap_usable
from samplenet.errors import MattingInputError
from samplenet.segmentation.band import mask_to_trimap


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


def test_the_band_lies_where_the_distance_to_the_outline_says():
    """A 6000x6000 photo at band 200, the size that took minutes: every pixel
    more than 200 px inside the outline is sure foreground, more than 200 px
    outside sure background, the rest unknown (one pixel of rounding)."""
    size, radius, band = 6000, 2000, 200
    trimap = mask_to_trimap(disc(size, size, radius), band)
    centre = size // 2
    row = trimap[centre]  # through the centre: distances to the outline are along the row
    distance_from_centre = np.abs(np.arange(size) - centre)
    inside_edge = radius - band
    outside_edge = radius + band
    assert np.all(row[distance_from_centre < inside_edge - 1] == 255)
    assert np.all(row[(distance_from_centre > inside_edge + 1) & (distance_from_centre < outside_edge - 1)] == 128)
    assert np.all(row[distance_from_centre > outside_edge + 1] == 0)
    unknown_share = float(np.mean(trimap == 128))
    ring = np.pi * (outside_edge**2 - inside_edge**2) / size**2
    assert abs(unknown_share - ring) < 0.01 * ring


def _irregular_mask() -> np.ndarray:
    """A subject with curves, corners and a thin arm, where a chamfer
    (5x5 mask) distance and the exact one disagree by a pixel or more."""
    mask = np.zeros((160, 200), np.uint8)
    cv2.ellipse(mask, (90, 80), (55, 35), 25, 0, 360, 255, -1)
    cv2.fillPoly(mask, [np.array([[120, 20], [185, 60], [150, 140], [130, 70]])], 255)
    cv2.line(mask, (20, 150), (80, 100), 255, 5)
    return mask > 0


def _exact_band(mask: np.ndarray, band: float) -> np.ndarray:
    """The oracle: unknown where the exact Euclidean distance to the other side is at most ``band``."""
    from scipy.ndimage import distance_transform_edt

    distance = np.where(mask, distance_transform_edt(mask), distance_transform_edt(~mask))
    return distance <= band


@pytest.mark.parametrize("band", [3, 12, 25])
def test_one_band_for_trimap_and_auto_at_the_same_width(band):
    """/trimap (mask_to_trimap) and /auto with a band width (adaptive_trimap
    without a trial matte) draw the same band, and it is the exact one."""
    from samplenet.segmentation.band import adaptive_trimap

    mask = _irregular_mask()
    from_mask = mask_to_trimap(mask, band)
    from_auto = adaptive_trimap(mask, None, band, 0, 0)
    expected = _exact_band(mask, band)
    assert np.array_equal(from_mask == 128, expected)
    assert np.array_equal(from_auto, from_mask)
    assert np.array_equal(from_mask[~expected] == 255, mask[~expected])
