"""A box side near the photo's edge (issue 29, Steady): with ``edge_snap`` a
visitor's box that stops a few pixels short of the frame segments as one on
the frame; without it (the default) a side near the edge keeps the
background beyond it, which is right where the subject stops short of it."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from samplenet.io import load_image
from samplenet.segmentation.classical import ClassicalSegmenter, SegmenterOptions, snap_to_edges
from samplenet.segmentation.prompts import make_prompts

HEIGHT, WIDTH = 60, 80


def bust_photo() -> tuple[np.ndarray, np.ndarray]:
    """A warm head and shoulders that go on past the photo's bottom edge, on a
    noisy blue background, and the true mask (a portrait cut off by the frame)."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    truth = ((xx - 40) ** 2 + (yy - 24) ** 2 <= 12**2) | ((yy >= 34) & (abs(xx - 40) <= 20))
    photo = np.where(truth[..., None], (220, 160, 70), (40, 110, 160)).astype(np.float64)
    photo += rng.normal(0, 6, photo.shape)
    return np.clip(photo, 0, 255).astype(np.uint8), truth


def test_with_edge_snap_a_box_stopping_just_short_of_the_photos_edge_segments_as_one_on_it() -> None:
    photo, truth = bust_photo()
    segmenter = ClassicalSegmenter(SegmenterOptions(edge_snap=0.03))
    on_edge = segmenter.segment(photo, make_prompts((WIDTH, HEIGHT), box=(10, 6, 70, HEIGHT)))
    # One row short of the bottom edge (1.7 % of the height): the row below the box is subject.
    short = segmenter.segment(photo, make_prompts((WIDTH, HEIGHT), box=(10, 6, 70, HEIGHT - 1)))
    assert short.mask[-1][truth[-1]].all(), "the subject's last row, just below the box, was cut off"
    assert np.array_equal(short.mask, on_edge.mask)


def test_a_box_near_the_edge_round_a_subject_that_stops_short_of_it_keeps_the_background_there() -> None:
    """The astronaut sample with the box a visitor draws (examples/make_trimaps.py): its left and top
    sides are 2 % inside the frame, and the flag lies between the left side and the subject.  Snapping
    those sides onto the edge (the dev photos' folds chose it) made 74 % of the flag's corner subject."""
    photo = load_image(Path(__file__).resolve().parents[1] / "examples" / "astronaut.jpg")
    height, width = photo.shape[:2]
    seg = ClassicalSegmenter().segment(photo, make_prompts((width, height), box=(10, 5, 385, 272)))
    assert not seg.mask[:200, :80].any(), "the flag left of the subject became subject"


def test_a_box_side_well_inside_the_photo_keeps_the_background_beyond_it() -> None:
    photo, truth = bust_photo()
    photo[:, 72:] = (220, 160, 70)  # a strip of the subject's colour beyond the box's right side
    seg = ClassicalSegmenter().segment(photo, make_prompts((WIDTH, HEIGHT), box=(10, 6, 64, HEIGHT)))
    assert not seg.mask[:, 72:].any()
    assert (seg.mask & truth).sum() > 0.9 * truth.sum()


def test_snap_moves_only_the_sides_within_reach_of_the_edge() -> None:
    # Reach 5 % of 200 x 100: 10 px horizontally, 5 px vertically.
    assert snap_to_edges((9, 6, 191, 96), (200, 100), 0.05) == (0, 6, 200, 100)
    assert snap_to_edges((11, 4, 185, 94), (200, 100), 0.05) == (11, 0, 185, 94)
    assert snap_to_edges((9, 6, 191, 96), (200, 100), 0.0) == (9, 6, 191, 96)


@pytest.mark.parametrize("reach", [-0.01, 0.5, math.nan])
def test_an_edge_snap_that_is_no_share_of_the_side_is_refused_by_name(reach: float) -> None:
    with pytest.raises(ValueError, match="edge_snap"):
        SegmenterOptions(edge_snap=reach)
