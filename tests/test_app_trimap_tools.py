"""The app's trimap tools: mask -> trimap, editor layers -> trimap, and the
checks that refuse useless trimaps; and the first Auto tool (strokes/box ->
GrabCut -> trimap), now the baseline of bench auto-trimap."""
from __future__ import annotations

import numpy as np
import pytest

from samplenet.app.trimap_tools import (
    box_from_mask,
    check_trimap_usable,
    layers_to_trimap,
    trimap_to_layer,
)
from samplenet.errors import MattingInputError
from samplenet.evaluation.previous_auto_tool import strokes_to_trimap
from samplenet.segmentation.band import MAX_BAND_WIDTH, binary_mask, mask_to_trimap


def disc_mask(height=80, width=100, radius=25):
    yy, xx = np.mgrid[0:height, 0:width]
    dist = np.hypot(yy - height / 2, xx - width / 2)
    return dist < radius, dist


def disc_photo(height=120, width=160, radius=35, seed=1):
    """A red disc on a noisy blue background and its distance map."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    dist = np.hypot(yy - height / 2, xx - width / 2)
    image = (rng.uniform(0, 40, (height, width, 3)) + np.array([20, 60, 170])).astype(np.uint8)
    image[dist < radius] = (rng.uniform(0, 30, (int((dist < radius).sum()), 3)) + [200, 40, 30]).astype(np.uint8)
    return image, dist


# ---------------------------------------------------------------- mask -> trimap


@pytest.mark.parametrize("band", [2, 5, 9])
def test_mask_to_trimap_puts_a_band_of_the_given_width_around_the_outline(band):
    mask, dist = disc_mask()
    radius = 25
    trimap = mask_to_trimap(mask, band)
    assert trimap.dtype == np.uint8 and set(np.unique(trimap)) == {0, 128, 255}
    # well inside / outside the band: sure labels; right at the outline: unknown
    assert np.all(trimap[dist < radius - band - 1.5] == 255)
    assert np.all(trimap[dist > radius + band + 1.5] == 0)
    assert np.all(trimap[np.abs(dist - radius) < min(band, 2) - 0.5] == 128)
    # the band's area grows with its width like a ring of width 2*band
    ring = np.pi * ((radius + band) ** 2 - (radius - band) ** 2)
    assert abs((trimap == 128).sum() - ring) / ring < 0.25


def test_wider_band_covers_the_narrower_one():
    mask, _ = disc_mask()
    narrow, wide = mask_to_trimap(mask, 3), mask_to_trimap(mask, 8)
    assert np.all(wide[narrow == 128] == 128)
    assert (wide == 128).sum() > (narrow == 128).sum()


def test_mask_from_rgba_cutout_uses_its_alpha():
    mask, _ = disc_mask()
    rgba = np.zeros(mask.shape + (4,), np.uint8)
    rgba[..., :3] = 255  # white everywhere: luminance alone would say "all foreground"
    rgba[..., 3] = np.where(mask, 255, 0)
    assert np.array_equal(binary_mask(rgba), mask)


@pytest.mark.parametrize(
    "mask, band, message",
    [
        (np.zeros((20, 20), np.uint8), 5, "no foreground"),
        (np.full((20, 20), 255, np.uint8), 5, "whole image"),
        (disc_mask()[0], 0, "between 1 and"),
        (disc_mask()[0], MAX_BAND_WIDTH + 1, "between 1 and"),
        (disc_mask()[0], "wide", "number of pixels"),
        (np.zeros((0, 5), np.uint8), 5, "shape"),
    ],
)
def test_mask_to_trimap_refuses_bad_input(mask, band, message):
    with pytest.raises(MattingInputError, match=message):
        mask_to_trimap(mask, band)


# ---------------------------------------------------------------- strokes -> trimap


def _stroke(shape, rows, cols):
    strokes = np.zeros(shape, bool)
    strokes[rows, cols] = True
    return strokes


def test_strokes_segment_the_subject_and_band_its_outline():
    image, dist = disc_photo()
    shape = dist.shape
    fg = _stroke(shape, slice(58, 62), slice(65, 95))
    bg = _stroke(shape, slice(5, 9), slice(5, 150))
    trimap = strokes_to_trimap(image, fg, bg, band_width=4)
    inside, outside = dist < 35 - 6, dist > 35 + 6
    assert np.mean(trimap[inside] == 255) > 0.97
    assert np.mean(trimap[outside] == 0) > 0.97
    assert np.mean(trimap[np.abs(dist - 35) < 1.5] == 128) > 0.9
    assert np.all(trimap[fg] == 255) and np.all(trimap[bg] == 0)


def test_a_box_alone_is_enough():
    image, dist = disc_photo()
    trimap = strokes_to_trimap(image, None, None, band_width=4, box=(30, 15, 130, 105))
    assert np.mean(trimap[dist < 29] == 255) > 0.97
    assert np.mean(trimap[dist > 41] == 0) > 0.97


def test_box_from_marks_is_their_bounding_box():
    marks = np.zeros((50, 60), bool)
    marks[10, 5:40] = True
    marks[30, 20] = True
    assert box_from_mask(marks) == (5, 10, 40, 31)
    assert box_from_mask(np.zeros((5, 5), bool)) is None


@pytest.mark.parametrize(
    "fg, bg, box, message",
    [
        (None, None, None, "Mark some foreground"),
        ("centre", None, None, "Mark some background"),
        (None, None, (0, 0, 160, 120), "Mark some background"),
        ("centre", None, (10, 10, 11, 11), "box is too small"),
        ("wrong size", "corner", None, "foreground strokes are"),
    ],
)
def test_strokes_refuse_seeds_that_cannot_work(fg, bg, box, message):
    image, dist = disc_photo()
    masks = {
        None: None,
        "centre": _stroke(dist.shape, slice(58, 62), slice(65, 95)),
        "corner": _stroke(dist.shape, slice(0, 5), slice(0, 5)),
        "wrong size": np.ones((10, 10), bool),
    }
    with pytest.raises(MattingInputError, match=message):
        strokes_to_trimap(image, masks[fg], masks[bg], band_width=4, box=box)


# ---------------------------------------------------------------- editor layers -> trimap


def _layer(height=30, width=40):
    return np.zeros((height, width, 4), np.uint8)


def test_layers_map_brush_colours_to_trimap_levels():
    layer = _layer()
    layer[:10, :, :3], layer[:10, :, 3] = 255, 255  # white brush
    layer[10:20, :20, :3], layer[10:20, :20, 3] = 0, 255  # black brush
    layer[20:, :, :3], layer[20:, :, 3] = 128, 255  # grey brush
    layer[10:20, 20:, :3], layer[10:20, 20:, 3] = 255, 40  # faint anti-aliasing fringe: not paint
    trimap = layers_to_trimap([layer], (40, 30), unpainted="background")
    assert np.all(trimap[:10] == 255)
    assert np.all(trimap[10:20, :20] == 0)
    assert np.all(trimap[20:] == 128)
    assert np.all(trimap[10:20, 20:] == 0)  # unpainted -> background as asked
    assert np.all(layers_to_trimap([layer], (40, 30), "unknown")[10:20, 20:] == 128)


def test_upper_layer_wins_and_erased_paint_falls_back():
    lower, upper = _layer(), _layer()
    lower[..., :3], lower[..., 3] = 255, 255
    upper[:, :10, :3], upper[:, :10, 3] = 0, 255
    trimap = layers_to_trimap([lower, upper], (40, 30))
    assert np.all(trimap[:, :10] == 0) and np.all(trimap[:, 10:] == 255)


def test_near_colours_snap_to_the_nearest_level():
    layer = _layer()
    layer[..., 3] = 255
    layer[:, :20, :3] = (120, 135, 125)  # a grey brush after colour management
    layer[:, 20:, :3] = (250, 252, 249)
    trimap = layers_to_trimap([layer], (40, 30))
    assert np.all(trimap[:, :20] == 128) and np.all(trimap[:, 20:] == 255)


def test_trimap_survives_the_round_trip_through_an_editor_layer():
    mask, _ = disc_mask(30, 40, 8)
    trimap = mask_to_trimap(mask, 3)
    assert np.array_equal(layers_to_trimap([trimap_to_layer(trimap)], (40, 30)), trimap)


@pytest.mark.parametrize(
    "layers, unpainted, message",
    [
        ([], "unknown", "sketch is empty"),
        ([_layer()], "unknown", "sketch is empty"),
        ([None], "background", "sketch is empty"),
        ([_layer(10, 10)], "unknown", "the photo is 40x30"),
        ([_layer()], "foreground", "must count as"),
        ([np.zeros((30, 40, 4), np.float32)], "unknown", "dtype"),
    ],
)
def test_layers_refuse_empty_canvas_and_wrong_sizes(layers, unpainted, message):
    with pytest.raises(MattingInputError, match=message):
        layers_to_trimap(layers, (40, 30), unpainted)


# ---------------------------------------------------------------- usable trimaps


@pytest.mark.parametrize(
    "values, message",
    [((0, 255), "no unknown"), ((128, 0), "no foreground"), ((128, 255), "no background")],
)
def test_useless_trimaps_are_refused_with_what_to_add(values, message):
    trimap = np.full((10, 10), values[0], np.uint8)
    trimap[5:] = values[1]
    with pytest.raises(MattingInputError, match=message):
        check_trimap_usable(trimap)


def test_a_trimap_with_all_three_labels_is_usable():
    check_trimap_usable(mask_to_trimap(disc_mask()[0], 3))
