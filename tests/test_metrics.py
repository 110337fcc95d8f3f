"""The four DIM matting errors: values worked out by hand on tiny mattes,
the properties that define each error, and refusal of bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest

from samplenet.errors import MattingInputError
from samplenet.evaluation.metrics import (
    all_metrics,
    connected_level,
    connectivity_error,
    gaussian_gradient_kernel,
    gradient_error,
    mse,
    sad,
)

U, B, F = 128, 0, 255  # trimap values


# ---------------------------------------------------------------- SAD / MSE
def _sad_mse_example():
    pred = np.array([[0.5, 1.0], [0.0, 1.0]])
    gt = np.array([[0.0, 1.0], [0.5, 0.0]])
    trimap = np.array([[U, U], [U, B]], np.uint8)  # the big error at (1, 1) is in a known region
    return pred, gt, trimap


def test_sad_by_hand():
    pred, gt, trimap = _sad_mse_example()
    # |0.5 - 0| + |1 - 1| + |0 - 0.5| over the three unknown pixels = 1.0, / 1000
    assert sad(pred, gt, trimap) == pytest.approx(1.0e-3)


def test_mse_by_hand():
    pred, gt, trimap = _sad_mse_example()
    # (0.25 + 0 + 0.25) / 3 unknown pixels; no scaling
    assert mse(pred, gt, trimap) == pytest.approx(0.5 / 3)


def test_uint8_mattes_are_divided_by_255():
    pred = np.array([[255, 51], [0, 0]], np.uint8)
    gt = np.array([[0, 0], [0, 0]], np.uint8)
    trimap = np.array([[U, U], [U, U]], np.uint8)
    assert sad(pred, gt, trimap) == pytest.approx((1.0 + 0.2) / 1000)
    assert sad(pred, gt, trimap) == pytest.approx(sad(pred / 255.0, gt / 255.0, trimap))


def test_only_unknown_pixels_count():
    rng = np.random.default_rng(1)
    gt = rng.uniform(0, 1, (12, 12))
    pred = rng.uniform(0, 1, (12, 12))
    trimap = np.full((12, 12), B, np.uint8)
    trimap[3:9, 3:9] = U
    trimap[:2] = F
    spoiled = pred.copy()
    spoiled[trimap != U] = 1.0 - spoiled[trimap != U]  # change only known pixels
    assert sad(spoiled, gt, trimap) == sad(pred, gt, trimap)
    assert mse(spoiled, gt, trimap) == mse(pred, gt, trimap)


def test_any_grey_is_unknown():
    pred, gt, trimap = _sad_mse_example()
    grey = np.where(trimap == U, 102, trimap).astype(np.uint8)
    assert sad(pred, gt, grey) == sad(pred, gt, trimap)


def test_sad_scales_linearly_and_is_symmetric():
    rng = np.random.default_rng(2)
    gt = rng.uniform(0.2, 0.8, (10, 10))
    delta = rng.uniform(-0.2, 0.2, (10, 10))
    trimap = np.full((10, 10), U, np.uint8)
    one = sad(gt + delta, gt, trimap)
    assert sad(gt + 0.5 * delta, gt, trimap) == pytest.approx(0.5 * one)
    assert sad(gt, gt + delta, trimap) == pytest.approx(one)
    assert mse(gt + 0.5 * delta, gt, trimap) == pytest.approx(0.25 * mse(gt + delta, gt, trimap))


@pytest.mark.parametrize("name", ["sad", "mse", "gradient", "connectivity"])
def test_identical_mattes_have_zero_error(name):
    rng = np.random.default_rng(3)
    gt = rng.uniform(0, 1, (16, 16))
    trimap = np.full((16, 16), U, np.uint8)
    assert all_metrics(gt, gt.copy(), trimap)[name] == 0.0


def test_all_metrics_equals_each_metric_on_its_own():
    rng = np.random.default_rng(5)
    gt = (rng.uniform(0, 1, (24, 20)) * 255).astype(np.uint8)  # uint8 mattes are converted alike
    pred = np.clip(gt.astype(int) + rng.integers(-60, 60, gt.shape), 0, 255).astype(np.uint8)
    trimap = np.full(gt.shape, U, np.uint8)
    trimap[:4] = B
    trimap[-4:] = F
    together = all_metrics(pred, gt, trimap)
    alone = {"sad": sad, "mse": mse, "gradient": gradient_error, "connectivity": connectivity_error}
    assert together == {name: func(pred, gt, trimap) for name, func in alone.items()}
    assert together["sad"] > 0 and together["connectivity"] > 0


# ---------------------------------------------------------------- gradient
def test_gradient_kernel_follows_the_gaussgradient_rule():
    kernel = gaussian_gradient_kernel(1.4)
    # halfsize = ceil(1.4 * sqrt(-2 ln(sqrt(2 pi) * 1.4 * 0.01))) = ceil(3.62) = 4
    assert kernel.shape == (9, 9)
    assert np.sum(kernel**2) == pytest.approx(1.0)
    assert np.allclose(kernel[:, 4], 0.0)  # derivative along columns: zero at offset 0
    assert np.allclose(kernel[:, :4], -kernel[:, :4:-1])  # odd along columns
    assert np.allclose(kernel, kernel[::-1, :])  # even along rows
    assert kernel[4, 3] > 0 > kernel[4, 5]  # dgauss(u) = -u gauss(u) / sigma^2
    assert gaussian_gradient_kernel(0.5).shape == (5, 5)  # ceil(0.5 * sqrt(-2 ln(0.01253))) = 2


def _loop_gradient_x_of_step(width: int, edge: int, sigma: float = 1.4) -> list[float]:
    """x-gradient, by plain loops, of a matte that is 0 left of column
    ``edge`` and 1 from it on, the same in every row, filtered as MATLAB's
    imfilter(IM, hx, 'replicate', 'conv') does."""
    half = 4
    gauss = [
        math.exp(-(v * v) / (2 * sigma * sigma)) / (sigma * math.sqrt(2 * math.pi)) for v in range(-half, half + 1)
    ]
    dgauss = [-u * g / sigma**2 for u, g in zip(range(-half, half + 1), gauss, strict=True)]
    norm = math.sqrt(sum((gv * du) ** 2 for gv in gauss for du in dgauss))
    out = []
    for col in range(width):
        total = 0.0
        for i in range(len(gauss)):
            for j, u in enumerate(range(-half, half + 1)):
                source = min(max(col - u, 0), width - 1)  # convolution + replicated border
                total += gauss[i] * dgauss[j] / norm * (1.0 if source >= edge else 0.0)
        out.append(total)
    return out


def test_gradient_error_by_hand_on_a_step_edge():
    gt = np.zeros((4, 4))
    gt[:, 2:] = 1.0
    pred = np.zeros((4, 4))  # constant: no gradient at all
    trimap = np.full((4, 4), B, np.uint8)
    trimap[1:3, :] = U  # two rows of 4 unknown pixels
    grad_x = _loop_gradient_x_of_step(4, 2)
    expected = 2 * sum(g * g for g in grad_x) / 1000  # rows are identical: no y-gradient
    assert gradient_error(pred, gt, trimap) == pytest.approx(expected, rel=1e-9)
    assert expected > 0


def test_gradient_error_is_symmetric_and_ignores_min_max_scaling():
    rng = np.random.default_rng(4)
    gt = rng.uniform(0, 1, (20, 20))
    pred = np.clip(gt + rng.normal(0, 0.1, gt.shape), 0, 1)
    trimap = np.full((20, 20), U, np.uint8)
    value = gradient_error(pred, gt, trimap)
    assert value > 0
    assert gradient_error(gt, pred, trimap) == pytest.approx(value)
    # both mattes are stretched to [0, 1] first, so a contrast change does not matter
    squeezed = 0.25 + 0.5 * pred
    assert gradient_error(squeezed, gt, trimap) == pytest.approx(value)


def test_gradient_error_grows_with_blur_of_an_edge():
    gt = np.zeros((24, 24))
    gt[:, 12:] = 1.0
    trimap = np.full((24, 24), U, np.uint8)
    ramp_soft = np.clip((np.arange(24) - 8) / 8, 0, 1)[None, :].repeat(24, 0)
    ramp_softer = np.clip((np.arange(24) - 4) / 16, 0, 1)[None, :].repeat(24, 0)
    assert 0 < gradient_error(ramp_soft, gt, trimap) < gradient_error(ramp_softer, gt, trimap)


# ---------------------------------------------------------------- connectivity
def _connectivity_example(extra: float):
    """A 2x2 block of 1s, a pixel of 0.5 hanging under it and an extra blob
    of 0.8 in the prediction only."""
    gt = np.array(
        [
            [1.0, 1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0, 0.0],
            [0.5, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ]
    )
    pred = gt.copy()
    pred[2, 0] = extra
    pred[2, 3] = 0.8
    return pred, gt, np.full((4, 4), U, np.uint8)


def test_connected_level_by_hand():
    pred, gt, _ = _connectivity_example(0.6)
    level = connected_level(pred, gt)
    expected = np.zeros((4, 4))
    expected[:2, :2] = 1.0  # stays in the main body up to t = 1
    expected[2, 0] = 0.5  # leaves it at t = 0.6 (gt is 0.5 there)
    assert np.allclose(level, expected)


@pytest.mark.parametrize(
    "extra, expected",
    [
        # blob: phi_pred = 1 - 0.8, phi_gt = 1 -> 0.8; pixel (2,0): d = 0.1 < 0.15 -> no penalty
        (0.6, 0.8e-3),
        # pixel (2,0): d = 0.9 - 0.5 = 0.4 -> |0.6 - 1| = 0.4 more
        (0.9, 1.2e-3),
    ],
)
def test_connectivity_error_by_hand(extra, expected):
    pred, gt, trimap = _connectivity_example(extra)
    assert connectivity_error(pred, gt, trimap) == pytest.approx(expected)


def test_uint8_values_on_a_threshold_count_as_reaching_it():
    # 153 / 255 is exactly 0.6: the pixel stays connected up to 0.6, not 0.5
    gt = np.zeros((3, 3), np.uint8)
    gt[0, :] = 255
    gt[1, 0] = 153
    level = connected_level(gt / 255.0, gt / 255.0)
    assert level[1, 0] == pytest.approx(0.6)


def test_disconnected_blob_costs_more_than_the_same_blob_attached():
    def scene(blob_rows, blob_cols):
        gt = np.zeros((6, 6))
        gt[:3, :3] = 1.0
        gt[blob_rows, blob_cols] = 0.5
        pred = gt.copy()
        pred[blob_rows, blob_cols] = 0.6
        return pred, gt, np.full((6, 6), U, np.uint8)

    attached = scene(slice(3, 5), 0)  # directly under the block
    detached = scene(slice(4, 6), 4)  # separated by a gap of zeros
    assert sad(*attached) == pytest.approx(sad(*detached))
    assert connectivity_error(*attached) == pytest.approx(0.0)
    # detached: connected level 0, phi 1 - 0.6 vs 1 - 0.5 on two pixels
    assert connectivity_error(*detached) == pytest.approx(0.2e-3)


def test_ties_between_components_go_to_the_first_in_column_major_order():
    matte = np.zeros((4, 4))
    matte[0, 3] = 1.0  # first in row-major order
    matte[3, 0] = 1.0  # first in column-major order (MATLAB's bwconncomp)
    level = connected_level(matte, matte)
    assert level[3, 0] == 1.0
    assert level[0, 3] == 0.0


def test_connectivity_error_is_symmetric():
    rng = np.random.default_rng(5)
    gt = rng.uniform(0, 1, (12, 12))
    pred = rng.uniform(0, 1, (12, 12))
    trimap = np.full((12, 12), U, np.uint8)
    assert connectivity_error(pred, gt, trimap) == pytest.approx(connectivity_error(gt, pred, trimap))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("func", [sad, mse, gradient_error, connectivity_error, all_metrics])
def test_shape_mismatch_is_refused(func):
    with pytest.raises(MattingInputError, match="Shapes differ"):
        func(np.zeros((4, 4)), np.zeros((4, 5)), np.full((4, 4), U, np.uint8))


@pytest.mark.parametrize("func", [sad, mse, gradient_error, connectivity_error])
def test_trimap_without_unknown_region_is_refused(func):
    trimap = np.full((4, 4), F, np.uint8)
    trimap[0] = B
    with pytest.raises(MattingInputError, match="no unknown pixel"):
        func(np.zeros((4, 4)), np.zeros((4, 4)), trimap)


@pytest.mark.parametrize(
    "pred, message",
    [
        (np.full((4, 4), 1.5), r"\[0, 1\]"),
        (np.full((4, 4), np.nan), "NaN"),
        (np.zeros((4, 4, 3)), "expected HxW"),
        (np.zeros((4, 4), np.int32), "dtype"),
        (np.zeros((0, 4)), "empty"),
        ([[0.0, 1.0]], "NumPy array"),
    ],
)
def test_bad_mattes_are_refused(pred, message):
    with pytest.raises(MattingInputError, match=message):
        sad(pred, np.zeros((4, 4)), np.full((4, 4), U, np.uint8))


@pytest.mark.parametrize(
    "trimap, message",
    [
        (np.ones((4, 4), bool), "dtype"),
        (np.full((4, 4), 0.5), "dtype"),
        (np.full((4, 4), 300, np.int32), "0..255"),
    ],
)
def test_bad_trimaps_are_refused(trimap, message):
    with pytest.raises(MattingInputError, match=message):
        mse(np.zeros((4, 4)), np.zeros((4, 4)), trimap)


def _plain_connectivity(pred_u8: np.ndarray, gt_u8: np.ndarray, unknown: np.ndarray) -> float:
    """The DIM connectivity algorithm written out with loops: flood fill in
    MATLAB's column-major order, first largest component wins."""
    height, width = pred_u8.shape
    pred, gt = pred_u8 / 255.0, gt_u8 / 255.0
    level = [[-1.0] * width for _ in range(height)]
    for step in range(1, 11):
        threshold, previous = step / 10, (step - 1) / 10
        inside = [[pred[r, c] >= threshold and gt[r, c] >= threshold for c in range(width)] for r in range(height)]
        seen = [[False] * width for _ in range(height)]
        best: list[tuple[int, int]] = []
        for c in range(width):
            for r in range(height):
                if inside[r][c] and not seen[r][c]:
                    component, stack = [], [(r, c)]
                    seen[r][c] = True
                    while stack:
                        y, x = stack.pop()
                        component.append((y, x))
                        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                            if 0 <= ny < height and 0 <= nx < width and inside[ny][nx] and not seen[ny][nx]:
                                seen[ny][nx] = True
                                stack.append((ny, nx))
                    if len(component) > len(best):
                        best = component
        body = set(best)
        for r in range(height):
            for c in range(width):
                if level[r][c] == -1.0 and (r, c) not in body:
                    level[r][c] = previous
    total = 0.0
    for r in range(height):
        for c in range(width):
            if not unknown[r, c]:
                continue
            lv = 1.0 if level[r][c] == -1.0 else level[r][c]
            d_pred, d_gt = pred[r, c] - lv, gt[r, c] - lv
            phi_pred = 1 - d_pred * (d_pred >= 0.15)
            phi_gt = 1 - d_gt * (d_gt >= 0.15)
            total += abs(phi_pred - phi_gt)
    return total / 1000


@pytest.mark.parametrize("seed", range(4))
def test_connectivity_matches_the_algorithm_written_out(seed):
    rng = np.random.default_rng(seed)
    # blocky mattes so that components of several sizes appear at every level
    gt = np.kron(rng.integers(0, 256, (4, 5)), np.ones((2, 2), int)).astype(np.uint8)
    pred = np.clip(gt.astype(int) + rng.integers(-60, 61, gt.shape), 0, 255).astype(np.uint8)
    trimap = np.where(rng.uniform(size=gt.shape) < 0.7, U, F).astype(np.uint8)
    expected = _plain_connectivity(pred, gt, trimap == U)
    assert expected > 0
    assert connectivity_error(pred, gt, trimap) == pytest.approx(expected, abs=1e-12)


def _plain_gradient_error(pred: np.ndarray, gt: np.ndarray, unknown: np.ndarray, sigma: float = 1.4) -> float:
    """compute_gradient_loss written out: mat2gray, gaussgradient by loops
    (imfilter 'replicate', 'conv'), squared magnitude differences."""
    half = math.ceil(sigma * math.sqrt(-2 * math.log(math.sqrt(2 * math.pi) * sigma * 0.01)))

    def gauss(x):
        return math.exp(-x * x / (2 * sigma * sigma)) / (sigma * math.sqrt(2 * math.pi))

    hx = {(v, u): gauss(v) * (-u * gauss(u) / sigma**2) for v in range(-half, half + 1) for u in range(-half, half + 1)}
    norm = math.sqrt(sum(value * value for value in hx.values()))
    height, width = pred.shape

    def magnitude(matte):
        lo, hi = matte.min(), matte.max()
        matte = (matte - lo) / (hi - lo)
        out = np.zeros_like(matte)
        for r in range(height):
            for c in range(width):
                gx = gy = 0.0
                for (v, u), value in hx.items():
                    # x filter: hx(v, u); y filter: its transpose, hx(u, v) at offset (v, u)
                    gx += value / norm * matte[min(max(r - v, 0), height - 1), min(max(c - u, 0), width - 1)]
                    gy += value / norm * matte[min(max(r - u, 0), height - 1), min(max(c - v, 0), width - 1)]
                out[r, c] = math.hypot(gx, gy)
        return out

    return float(((magnitude(pred) - magnitude(gt)) ** 2)[unknown].sum() / 1000)


def test_gradient_error_matches_the_algorithm_written_out():
    rng = np.random.default_rng(6)
    gt = rng.uniform(0, 1, (7, 6))
    pred = np.clip(gt + rng.normal(0, 0.2, gt.shape), 0, 1)
    trimap = np.where(rng.uniform(size=gt.shape) < 0.6, U, B).astype(np.uint8)
    expected = _plain_gradient_error(pred, gt, trimap == U)
    assert expected > 0
    assert gradient_error(pred, gt, trimap) == pytest.approx(expected, rel=1e-9)
