"""The held-out protocols of ``bench quality``: two-fold cross-validation and
the wide-trimap variant built from the ground truth."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from samplenet.cli import main
from samplenet.evaluation.benchmark_set import load_benchmark_set
from samplenet.evaluation.compared_engines import ENGINE_BUILDERS
from samplenet.evaluation.cross_validation import (
    cross_validate,
    halves,
    load_candidates,
    ratio,
    registered_candidates,
)
from samplenet.evaluation.protocols import benchmark_cases
from samplenet.evaluation.wide_trimaps import WIDE, wide_trimap, wide_trimap_cases, wide_widths

NAMES = [f"GT{i:02d}" for i in range(1, 14)]


def test_halves_split_the_dev_set_as_the_protocol_says():
    first, second = halves(reversed(NAMES))
    assert first == NAMES[:6] and second == NAMES[6:]
    with pytest.raises(ValueError, match="at least two"):
        halves(["GT01"])


def scores(values: dict[str, float]) -> dict:
    """Per-case scores for both trimaps of each image; MSE follows SAD."""
    return {
        (image, trimap): {"sad": value, "mse": value / 100}
        for image, value in values.items()
        for trimap in ("trimap1", "trimap2")
    }


def test_each_fold_chooses_on_its_fit_half_and_scores_the_other():
    reference = scores({name: 10.0 for name in NAMES})
    # "early" is good on GT01-06 only, "late" on GT07-13 only
    early = scores({name: 5.0 if name <= "GT06" else 20.0 for name in NAMES})
    late = scores({name: 20.0 if name <= "GT06" else 6.0 for name in NAMES})
    folds = cross_validate({"early": early, "late": late}, reference)
    assert [f.chosen for f in folds] == ["early", "late"]
    assert folds[0].fit_images == NAMES[:6] and folds[0].held_out_images == NAMES[6:]
    assert folds[0].fit_sad_ratio == pytest.approx(0.5)
    assert folds[0].held_out_sad_ratio == pytest.approx(2.0)  # the fitted choice does not carry over
    assert folds[1].fit_sad_ratio == pytest.approx(0.6) and folds[1].held_out_sad_ratio == pytest.approx(2.0)
    assert folds[1].held_out_mse_ratio == pytest.approx(2.0)


def test_ratio_refuses_missing_cases():
    reference = scores({"GT01": 1.0, "GT02": 1.0})
    partial = {key: value for key, value in reference.items() if key[0] == "GT01"}
    assert ratio(reference, reference, ["GT01"], "sad") == 1.0
    with pytest.raises(ValueError):
        ratio(partial, reference, ["GT02"], "sad")


def test_wide_trimap_marks_everything_near_a_soft_pixel_unknown():
    alpha = np.zeros((60, 60))
    alpha[20:40, 20:40] = 1.0
    alpha[30, 40] = 0.5  # one soft pixel
    trimap = wide_trimap(alpha, 10)
    assert trimap[30, 40] == 128 and trimap[30, 50] == 128 and trimap[30, 51] == 0
    assert trimap[30, 25] == 255 and trimap[5, 5] == 0
    assert set(np.unique(trimap)) == {0, 128, 255}
    assert np.all(trimap[(alpha > 0) & (alpha < 1)] == 128)


def test_wide_widths_are_reproducible_and_in_range():
    widths = wide_widths(NAMES)
    assert widths == wide_widths(list(reversed(NAMES)))
    assert all(10 <= w <= 25 for w in widths.values()) and len(set(widths.values())) > 3
    assert wide_widths(NAMES, seed=1) != widths


def big_disc_example(size: int = 120, radius: float = 35.0, seed: int = 0):
    """A soft-edged disc large enough to keep some foreground and background
    inside a 25 px wide trimap band, over a noisy background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    alpha = np.clip((radius + 1.5 - np.hypot(yy - size / 2, xx - size / 2)) / 3.0, 0, 1)
    bg = rng.uniform(0.0, 0.4, (size, size, 3))
    image = np.rint((alpha[..., None] * np.array([0.9, 0.5, 0.2]) + (1 - alpha[..., None]) * bg) * 255)
    trimap = np.full((size, size), 128, np.uint8)
    trimap[alpha >= 1] = 255
    trimap[alpha <= 0] = 0
    return image.astype(np.uint8), trimap, alpha


@pytest.fixture
def bench_data(tmp_path):
    root = tmp_path / "data"
    for index, name in enumerate(["GT01", "GT02", "GT03"]):
        image, trimap, alpha = big_disc_example(seed=index)
        for folder, array in (("image", image), ("trimap1", trimap), ("alpha", np.rint(alpha * 255).astype(np.uint8))):
            (root / folder).mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(root / folder / f"{name}.png")
    return root


def test_wide_cases_replace_the_trimap_only(bench_data):
    cases = load_benchmark_set(bench_data)
    wide = wide_trimap_cases(cases)
    assert [c.image_name for c in wide] == ["GT01", "GT02", "GT03"]
    assert all(c.trimap_set == WIDE for c in wide)
    for case, original in zip(wide, cases, strict=True):
        assert (case.trimap == 128).sum() > (original.trimap == 128).sum()
        assert np.array_equal(case.alpha, original.alpha)
    both = benchmark_cases(bench_data, ["trimap1", WIDE], None)
    assert [(c.image_name, c.trimap_set) for c in both[:2]] == [("GT01", "trimap1"), ("GT01", WIDE)]
    assert len(benchmark_cases(bench_data, [WIDE], 2)) == 2


def test_candidates_file_is_checked(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"a": {"known_weight": 0.1}, "b": {}}))
    assert load_candidates(good) == {"a": {"known_weight": 0.1}, "b": {}}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"a": {"known_weight": -1}}))
    with pytest.raises(ValueError, match="known_weight"):
        load_candidates(bad)
    with registered_candidates({"a": {}}) as names:
        assert names == ["classical:a"] and "classical:a" in ENGINE_BUILDERS
    assert "classical:a" not in ENGINE_BUILDERS


def test_bench_quality_runs_wide_trimaps_and_cross_validation(bench_data, tmp_path, capsys):
    candidates = tmp_path / "candidates.json"
    candidates.write_text(json.dumps({"smooth": {"epsilon": 1e-5}, "sharp": {}}))
    code = main(
        [
            "bench", "quality", "--data", str(bench_data), "--no-progress", "--no-fresh-process",
            "--engines", "pymatting-cf", "--trimaps", "trimap1,wide", "--cv", "--cv-candidates", str(candidates),
        ]
    )
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0, captured.err
    assert "wide" in out and "classical:smooth" in out and "classical:sharp" in out
    assert "cross-validation on trimap folders" in out and "cross-validation on wide trimaps" in out
    assert "chosen per fold" in out and "held-out SAD/cf" in out


def test_halves_keep_each_composite_with_its_source_photo():
    """Composites are named after their source photo (``GT07~cloth~over-GT02``);
    the folds must split by source photo, or a sorted split by full name puts
    GT07 and its composites in the GT01-06 half (13 photos x 4 names: the
    26th name is GT07's own)."""
    kinds = ("cloth~over-GT02", "see-through~over-GT03", "translucent~over-GT04")
    names = [n for name in NAMES for n in (name, *(f"{name}~{kind}" for kind in kinds))]
    first, second = halves(reversed(names))
    assert {n.split("~")[0] for n in first} == set(NAMES[:6])
    assert {n.split("~")[0] for n in second} == set(NAMES[6:])
    assert sorted(first + second) == sorted(names)
