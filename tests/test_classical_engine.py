"""The weight-free engine on synthetic composites whose true alpha is known."""
from __future__ import annotations

import numpy as np
import pytest

import samplenet
from samplenet.engines.classical import ClassicalMatter
from samplenet.errors import MattingInputError
from tests.conftest import make_disc_example


def textured_background(height: int, width: int, seed: int) -> np.ndarray:
    """Smooth colour gradients plus stripes and noise: not a flat colour,
    so that sampling the wrong background colour costs accuracy."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    bg = np.stack(
        [
            0.25 + 0.2 * np.sin(xx / 7.0),
            0.45 + 0.15 * np.cos(yy / 9.0),
            0.55 + 0.2 * (xx / width),
        ],
        axis=-1,
    )
    return np.clip(bg + rng.normal(0, 0.02, bg.shape), 0, 1).astype(np.float32)


def make_strands_example(height: int = 64, width: int = 80, seed: int = 1):
    """Thin, partly transparent vertical strands hanging from a solid
    foreground block over a textured background.  Returns (image uint8,
    trimap uint8, true alpha, true foreground float RGB)."""
    alpha = np.zeros((height, width), np.float32)
    alpha[:16] = 1.0  # solid part at the top
    for i, x in enumerate(range(8, width - 8, 9)):
        strength = 0.5 + 0.4 * ((i % 3) / 2)  # 0.5, 0.7, 0.9
        length = 30 + (i * 7) % 14
        alpha[16 : 16 + length, x] = strength
        alpha[16 : 16 + length, x + 1] = strength * 0.5  # a soft second pixel
    fg = np.zeros((height, width, 3), np.float32)
    fg[:] = (0.75, 0.55, 0.2)  # golden hair
    bg = textured_background(height, width, seed)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    image = np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
    trimap = np.full((height, width), 128, np.uint8)
    trimap[:12] = 255
    trimap[56:] = 0
    trimap[16:, :3] = 0  # background visible at the sides, below the solid part
    trimap[16:, -3:] = 0
    assert np.all(alpha[trimap == 0] == 0) and np.all(alpha[trimap == 255] == 1)
    return image, trimap, alpha, fg


def sad_per_unknown_pixel(pred: np.ndarray, truth: np.ndarray, trimap: np.ndarray) -> float:
    unknown = trimap == 128
    return float(np.abs(pred[unknown] - truth[unknown]).mean())


def trivial_baseline(trimap: np.ndarray) -> np.ndarray:
    """Alpha 0.5 everywhere unknown: what any engine must beat clearly."""
    return np.where(trimap == 128, 0.5, trimap / 255.0)


@pytest.fixture(scope="module")
def matter():
    return ClassicalMatter()


def test_recovers_a_soft_edged_shape(matter):
    image, trimap, truth = make_disc_example(64, 80, seed=3)
    result = matter(image, trimap)
    error = sad_per_unknown_pixel(result.alpha, truth, trimap)
    baseline = sad_per_unknown_pixel(trivial_baseline(trimap), truth, trimap)
    assert error < 0.05, error
    assert error < 0.2 * baseline


def test_recovers_thin_strands_over_texture(matter):
    image, trimap, truth, _ = make_strands_example()
    result = matter(image, trimap)
    error = sad_per_unknown_pixel(result.alpha, truth, trimap)
    baseline = sad_per_unknown_pixel(trivial_baseline(trimap), truth, trimap)
    assert error < 0.09, error
    assert error < 0.2 * baseline
    # the strands themselves are found, not smoothed away
    strand = truth > 0.6
    assert result.alpha[strand & (trimap == 128)].mean() > 0.5


def test_foreground_of_hair_over_bright_background_loses_the_background_colour(matter):
    height, width = 48, 64
    alpha = np.zeros((height, width), np.float32)
    alpha[:, :20] = 1.0
    xx = np.arange(width, dtype=np.float32)
    alpha[:, 20:44] = np.clip(1.0 - (xx[20:44] - 20) / 24.0, 0, 1)  # a soft fringe
    alpha[::4, 20:44] *= 0.6  # wispy rows
    fg = np.zeros((height, width, 3), np.float32)
    fg[:] = (0.35, 0.2, 0.1)  # dark brown hair
    bg = np.full((height, width, 3), 0.95, np.float32)  # bright sky
    image = np.clip(np.rint((alpha[..., None] * fg + (1 - alpha[..., None]) * bg) * 255), 0, 255).astype(np.uint8)
    trimap = np.full((height, width), 128, np.uint8)
    trimap[:, :16] = 255
    trimap[:, 48:] = 0
    result = matter(image, trimap)
    soft = (alpha > 0.1) & (alpha < 0.9)
    ours = np.abs(result.foreground[soft] - fg[soft]).mean()
    raw = np.abs(image[soft] / 255.0 - fg[soft]).mean()  # colours a naive cut-out shows
    premultiplied = np.abs(image[soft] / 255.0 * alpha[soft, None] - fg[soft]).mean()
    assert ours < 0.5 * raw
    assert ours < premultiplied
    # and the estimated background is the bright sky, even behind the hair
    assert np.abs(result.background[soft] - bg[soft]).mean() < 0.1


def test_result_shapes_types_and_known_regions(matter, disc_example):
    image, trimap, _ = disc_example
    result = matter(image, trimap)
    h, w = trimap.shape
    assert result.engine == "classical"
    assert result.alpha.shape == (h, w) and result.alpha.dtype == np.float32
    assert result.foreground.shape == (h, w, 3) and result.foreground.dtype == np.float32
    assert result.background.shape == (h, w, 3) and result.background.dtype == np.float32
    for array in (result.alpha, result.foreground, result.background):
        assert np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1
    assert np.all(result.alpha[trimap == 255] == 1.0)
    assert np.all(result.alpha[trimap == 0] == 0.0)
    assert result.cutout().shape == (h, w, 4)
    assert "cg_iterations" in result.info


def test_same_input_errors_as_every_engine(matter, disc_example):
    image, trimap, _ = disc_example
    with pytest.raises(MattingInputError, match="same size"):
        matter(image, trimap[:-1])
    with pytest.raises(MattingInputError):
        matter(image, "/nonexistent/trimap.png")
    with pytest.raises(MattingInputError, match="limit"):
        ClassicalMatter(max_pixels=100)(image, trimap)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"epsilon": -1.0}, "epsilon"),
        ({"epsilon": float("nan")}, "epsilon"),
        ({"radius": 0}, "radius"),
        ({"radius": 1.5}, "radius"),
        ({"confidence_weight": -0.1}, "confidence_weight"),
        ({"neighbours": 0}, "neighbours"),
        ({"preconditioner": "amg"}, "preconditioner"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"tolerance": 0}, "tolerance"),
        ({"tolerance": "small"}, "tolerance"),
        ({"fix_confidence": 1.5}, "fix_confidence"),
        ({"fix_margin": 0.5}, "fix_margin"),
        ({"stride": 0}, "stride"),
        ({"foreground_iterations": 0}, "foreground_iterations"),
        ({"known_weight": -1}, "known_weight"),
        ({"mixture_neighbours": 100}, "mixture_neighbours"),
        ({"iterations_per_side": 0}, "iterations_per_side"),
        ({"max_unknown_pixels": 10}, "max_unknown_pixels"),
        ({"distance_prior_weight": -0.1}, "distance_prior_weight"),
        ({"distance_prior_scale": 0}, "distance_prior_scale"),
        ({"no_such_option": 1}, "no_such_option"),
    ],
)
def test_bad_options_raise_value_error_naming_the_option(options, message, disc_example):
    with pytest.raises(ValueError, match=message):
        ClassicalMatter(**options)
    image, trimap, _ = disc_example
    with pytest.raises(ValueError, match=message):
        ClassicalMatter()(image, trimap, **options)


def test_load_classical_passes_options():
    matter = samplenet.load("classical", epsilon=1e-6)
    assert isinstance(matter, ClassicalMatter)
    assert matter.options.epsilon == 1e-6
    with pytest.raises(ValueError, match="radius"):
        samplenet.load("classical", radius=-2)


@pytest.mark.parametrize("weights_env", ["unset", "empty_dir"])
def test_auto_without_weights_falls_back_to_classical(weights_env, tmp_path, monkeypatch):
    if weights_env == "unset":
        monkeypatch.delenv("SAMPLENET_WEIGHTS", raising=False)
    else:
        monkeypatch.setenv("SAMPLENET_WEIGHTS", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    matter = samplenet.load("auto")
    assert isinstance(matter, ClassicalMatter)
    assert matter.fallback_reason


#: Every term but the matting Laplacian switched off.
LAPLACIAN_ONLY = dict(
    confidence_weight=0.0, fix_confidence=1.0, known_weight=0.0, unknown_weight=0.0, mixture_neighbours=0
)


def test_with_only_the_laplacian_the_solve_is_closed_form_matting(disc_example):
    """With the flows and the samples off only the Laplacian is left:
    solving on the crop around the unknown region must give pymatting's
    closed-form matte."""
    from pymatting import estimate_alpha_cf

    image, trimap, _ = disc_example
    ours = ClassicalMatter(**LAPLACIAN_ONLY, tolerance=1e-7)(image, trimap)
    reference = estimate_alpha_cf(image / 255.0, trimap / 255.0)
    assert "sampling" not in ours.info["timings"] and ours.info["fixed_pixels"] == 0
    assert np.abs(ours.alpha - reference).max() < 1e-3


def make_wide_band_example(height: int = 72, width: int = 96, seed: int = 2, band: int = 14):
    """A soft disc with a wide unknown ring over a noisy background: far
    from the known regions the Laplacian alone has little to go on."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    radius = min(height, width) * 0.28
    dist = np.hypot(yy - height / 2, xx - width / 2)
    alpha = np.clip((radius + 1.5 - dist) / 3.0, 0, 1).astype(np.float32)
    fg = np.array([0.85, 0.3, 0.2], np.float32)
    bg = rng.uniform(0, 1, (height, width, 3)).astype(np.float32) * 0.25 + np.array([0.1, 0.4, 0.6], np.float32)
    image = np.clip(np.rint((alpha[..., None] * fg + (1 - alpha[..., None]) * bg) * 255), 0, 255).astype(np.uint8)
    trimap = np.full((height, width), 128, np.uint8)
    trimap[dist < radius - band] = 255
    trimap[dist > radius + band] = 0
    return image, trimap, alpha


def test_flows_and_samples_beat_the_laplacian_alone_on_a_wide_unknown_band():
    image, trimap, truth = make_wide_band_example()
    sampled = ClassicalMatter()(image, trimap)
    laplacian_only = ClassicalMatter(**LAPLACIAN_ONLY)(image, trimap)
    assert sampled.info["fixed_pixels"] > 0  # the trimap was expanded
    ours = sad_per_unknown_pixel(sampled.alpha, truth, trimap)
    closed_form = sad_per_unknown_pixel(laplacian_only.alpha, truth, trimap)
    assert ours < 0.9 * closed_form, (ours, closed_form)


def make_cloth_flag_example(height: int = 60, width: int = 90, level: float = 0.8):
    """A translucent cloth (alpha ``level`` everywhere, a colour nowhere
    opaque in the picture) on an opaque dark pole over a textured
    background, with a trimap that, as a careful hand trimap of a flag
    does, marks the whole cloth unknown and only the pole sure subject.
    Returns (image uint8, trimap uint8, true alpha, cloth mask)."""
    alpha = np.zeros((height, width), np.float32)
    cloth = np.zeros((height, width), bool)
    cloth[10:45, 14:80] = True
    alpha[cloth] = level
    alpha[5:, 8:14] = 1.0  # the pole
    fg = np.zeros((height, width, 3), np.float32)
    fg[...] = (0.95, 0.85, 0.2)
    fg[:, 8:14] = (0.1, 0.1, 0.1)
    bg = textured_background(height, width, seed=3)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    trimap = np.zeros((height, width), np.uint8)
    unknown = np.zeros_like(cloth)
    unknown[7:48, 11:83] = True
    trimap[unknown] = 128
    trimap[5:, 9:13] = 255
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8), trimap, alpha, cloth & ~(trimap == 255)


def test_distance_prior_lifts_a_translucent_cloth_the_colours_cannot_explain():
    """Nothing in the trimap shows the cloth's colour at full opacity, so the
    colour terms call it mostly background; the distance prior (off by
    default) says that pixels far from the sure background are likelier
    subject, and brings the cloth's alpha towards its true level."""
    image, trimap, alpha, cloth = make_cloth_flag_example()
    default = ClassicalMatter(colours=False)(image, trimap).alpha
    explicit_off = ClassicalMatter(colours=False, distance_prior_weight=0.0)(image, trimap).alpha
    np.testing.assert_array_equal(default, explicit_off)  # off unless asked for
    with_prior = ClassicalMatter(colours=False, distance_prior_weight=0.05)(image, trimap).alpha
    error_without = np.abs(default[cloth] - alpha[cloth]).mean()
    error_with = np.abs(with_prior[cloth] - alpha[cloth]).mean()
    assert error_with < 0.5 * error_without, (error_without, error_with)
