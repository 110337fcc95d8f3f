"""The focus map, our graph cut and its energy, the mixed region, and the
classical segmenter that compares graph cuts by energy."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from samplenet.segmentation.classical import ClassicalSegmenter, SegmenterOptions, mixed_region
from samplenet.segmentation.focus import focus_map
from samplenet.segmentation.graph_cut import PixelGrid, energy, graph_cut, side_costs
from samplenet.segmentation.prompts import make_prompts

SIZE = 64


def square_photo() -> tuple[np.ndarray, np.ndarray]:
    """An orange square on a blue background, a little noise, and its mask."""
    rng = np.random.default_rng(1)
    truth = np.zeros((SIZE, SIZE), bool)
    truth[16:48, 20:44] = True
    photo = np.where(truth[..., None], (230, 150, 40), (40, 90, 200)).astype(np.float64)
    photo += rng.normal(0, 5, photo.shape)
    return np.clip(photo, 0, 255).astype(np.uint8), truth


def sharp_on_blurred(size: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """Two colours everywhere: a fine pattern (the subject, a disc) on a
    background split into one soft-edged area of each colour."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:size, :size]
    truth = (xx - size / 2) ** 2 + (yy - size / 2) ** 2 <= (size * 0.28) ** 2
    colours = np.array([(200, 60, 60), (60, 160, 80)], np.float64)
    sharp = colours[(rng.random((size, size)) < 0.5).astype(int)]
    halves = (xx + 0.6 * yy > size * 0.8).astype(int)
    blurred = cv2.GaussianBlur(colours[halves], (0, 0), 2)
    photo = np.where(truth[..., None], sharp, blurred)
    return np.clip(photo, 0, 255).astype(np.uint8), truth


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_focus_map_is_high_where_the_photo_is_sharp() -> None:
    photo, truth = sharp_on_blurred()
    focus = focus_map(photo)
    assert focus.shape == truth.shape and focus.dtype == np.float32
    assert 0.0 <= focus.min() and focus.max() < 1.0
    core = cv2.erode(truth.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    far = cv2.erode((~truth).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert focus[core].mean() > focus[far].mean() + 0.4


def test_min_cut_follows_the_costs_and_keeps_hard_pixels() -> None:
    photo, truth = square_photo()
    grid = PixelGrid(photo, smoothness=5.0)
    fg_cost = np.where(truth, 0.0, 4.0)
    bg_cost = np.where(truth, 4.0, 0.0)
    none = np.zeros_like(truth)
    assert np.array_equal(grid.min_cut(fg_cost, bg_cost, none, none), truth)
    hard_fg = none.copy()
    hard_fg[2, 2] = True  # a background pixel forced to the subject's side
    hard_bg = none.copy()
    hard_bg[30, 30] = True
    cut = grid.min_cut(fg_cost, bg_cost, hard_fg, hard_bg)
    assert cut[2, 2] and not cut[30, 30]


def test_graph_cut_from_a_loose_start_finds_the_square() -> None:
    photo, truth = square_photo()
    grid = PixelGrid(photo, smoothness=50.0)
    features = photo.astype(np.float32)
    start = np.zeros_like(truth)
    start[8:56, 8:56] = True  # a box around it
    outside = ~start
    found = graph_cut(features, grid, start, np.zeros_like(truth), outside, iterations=5, components=2)
    assert iou(found, truth) > 0.95


def test_energy_prefers_the_true_outline() -> None:
    photo, truth = square_photo()
    grid = PixelGrid(photo, smoothness=50.0)
    features = photo.astype(np.float32)
    shifted = np.roll(truth, 6, axis=1)
    assert energy(features, grid, truth, 2) < energy(features, grid, shifted, 2)
    assert energy(features, grid, np.zeros_like(truth), 2) == float("inf")


def test_mixed_region_covers_fine_mixtures_not_solid_parts() -> None:
    photo, truth = square_photo()
    # Stripes of subject and background colour right of the square: hair-like.
    photo[16:48, 44:60:2] = (230, 150, 40)
    mask = truth.copy()
    # One Gaussian per side: each pixel is classed by the nearer side's colour.
    options = SegmenterOptions(components=1, mixed_radius=2, mixed_reach=20.0)
    costs = side_costs(photo.astype(np.float32), mask, options.components)
    mixed = mixed_region(costs, mask, np.zeros_like(mask), options)
    assert mixed[20:44, 47:57].mean() > 0.9
    assert not mixed[22:42, 24:38].any()  # deep inside the square
    assert not mixed[2:10, 2:20].any()  # plain background
    assert not mixed[18:46, 14:23].any()  # the square's clean left edge keeps its thin band


def test_graph_cuts_from_several_starts_beat_the_grabcut_vote_alone() -> None:
    photo, truth = sharp_on_blurred()
    size = truth.shape[0]
    prompts = make_prompts((size, size), box=(8, 8, size - 8, size - 8))
    seg = ClassicalSegmenter(SegmenterOptions()).segment(photo, prompts)
    vote_only = ClassicalSegmenter(SegmenterOptions(starts=())).segment(photo, prompts)
    assert iou(seg.mask, truth) > 0.9
    assert iou(seg.mask, truth) > iou(vote_only.mask, truth) + 0.05


def test_focus_map_of_a_flat_photo_is_flat() -> None:
    # Equal sharpness, equal rank: no ramp that would act as a position feature.
    photo = np.full((80, 80, 3), 128, np.uint8)
    photo[30:50, 30:50] = 20  # the only detail, far from the top rows
    focus = focus_map(photo)
    assert np.ptp(focus[:10, :]) == 0 and focus[0, 0] == focus[-1, -1]
    assert focus[30, 40] > focus[0, 0]


def test_min_cut_is_the_optimum_on_small_grids() -> None:
    # Every labelling of 3x3 grids, against the cut; hard pixels included.
    rng = np.random.default_rng(7)
    codes = np.arange(2**9)
    labellings = ((codes[:, None] >> np.arange(9)) & 1).astype(bool).reshape(-1, 3, 3)
    for _ in range(25):
        photo = rng.integers(0, 256, (3, 3, 3)).astype(np.uint8)
        grid = PixelGrid(photo, smoothness=float(rng.uniform(1, 20)))
        fg_cost, bg_cost = rng.uniform(0, 30, (2, 3, 3))
        hard_fg, hard_bg = np.zeros((2, 3, 3), bool)
        hard_fg[0, 0], hard_bg[2, 2] = rng.random() < 0.5, rng.random() < 0.5
        cut = grid.min_cut(fg_cost, bg_cost, hard_fg, hard_bg)
        allowed = [m for m in labellings if not (hard_fg & ~m).any() and not (hard_bg & m).any()]
        best = min(float(np.where(m, fg_cost, bg_cost).sum()) + grid.boundary_cost(m) for m in allowed)
        found = float(np.where(cut, fg_cost, bg_cost).sum()) + grid.boundary_cost(cut)
        assert not (hard_fg & ~cut).any() and not (hard_bg & cut).any()
        assert found <= best + 0.05


def test_huge_pixel_costs_do_not_wrap_around() -> None:
    # Costs beyond int32 / COST_SCALE once wrapped to negative capacities and flipped the pixel.
    grid = PixelGrid(np.zeros((1, 3, 3), np.uint8), smoothness=50.0)
    none = np.zeros((1, 3), bool)
    cut = grid.min_cut(np.array([[0.0, 0.0, 3e7]]), np.array([[3e7, 0.0, 0.0]]), none, none)
    assert cut[0, 0] and not cut[0, 2]


def test_an_unknown_start_is_refused_by_name_when_the_options_are_made() -> None:
    import pytest

    with pytest.raises(ValueError, match="nope"):
        SegmenterOptions(starts=("box", "nope"))


def test_the_grabcut_starts_find_the_same_segmentation_on_one_thread_or_several(monkeypatch) -> None:
    """The GrabCut starts run side by side in threads; OpenCV's k-means
    draws from each thread's own random generator, so a thread that was not
    seeded would start its colour models elsewhere than the serial run, and
    the trimap would change with the number of CPUs."""
    from samplenet.io import load_image
    from samplenet.segmentation import classical

    image = load_image(Path(__file__).resolve().parents[1] / "examples" / "lemur.png")
    prompts = make_prompts((image.shape[1], image.shape[0]), box=(125, 45, 485, 388))  # examples/make_trimaps.py
    results = []
    for cpus in (1, 4):
        monkeypatch.setattr(classical, "cpu_count", lambda cpus=cpus: cpus)
        results.append(ClassicalSegmenter().segment(image, prompts).mask)
    assert results[0].any() and not results[0].all()
    assert np.array_equal(results[0], results[1])


def test_min_cut_with_every_pixel_preferring_the_subject_and_no_sure_background_is_all_subject() -> None:
    """No pixel pays anything to be subject, so nothing flows to the sink:
    the whole grid is on the source's side (OR-Tools, which knows only the
    nodes its arcs name, once answered all background here)."""
    grid = PixelGrid(np.full((4, 4, 3), 100, np.uint8), 50.0)
    nothing = np.zeros((4, 4), bool)
    cut = grid.min_cut(np.zeros((4, 4)), np.full((4, 4), 5.0), nothing, nothing)
    assert cut.all()
