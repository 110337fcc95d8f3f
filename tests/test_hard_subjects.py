"""The translucent and see-through composites: ground truth by construction,
the kinds of subject they claim to be, and the same set on every run."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from samplenet.evaluation.benchmark_set import BenchmarkCase
from samplenet.evaluation.hard_subjects import (
    KINDS,
    TIGHT,
    TRANSLUCENT_RANGE,
    cloth_subject,
    composite_cases,
    see_through_subject,
)
from samplenet.evaluation.wide_trimaps import WIDE


def _subject(name: str, seed: int) -> BenchmarkCase:
    rng = np.random.default_rng(seed)
    height, width = 300, 400  # a see-through subject's solid base outlasts a wide band only at a photo's size
    yy, xx = np.mgrid[0:height, 0:width]
    distance = np.hypot((yy - 150) / 100, (xx - 200) / 140)
    alpha = np.clip((1.0 - distance) * 8, 0, 1)
    image = (rng.random((height, width, 3)) * 255).astype(np.uint8)
    trimap = np.where(alpha >= 1, 255, 0).astype(np.uint8)
    trimap[(alpha > 0) & (alpha < 1)] = 128
    return BenchmarkCase(name, "trimap1", None, None, image, trimap, alpha)


@pytest.fixture(scope="module")
def cases():
    return composite_cases([_subject("GT01", 1), _subject("GT02", 2), _subject("GT03", 3)])


def test_each_subject_gives_both_kinds_with_tight_and_wide_trimaps_named_after_it(cases):
    names = {(case.image_name.split("~")[0], case.image_name.split("~")[1], case.trimap_set) for case in cases}
    assert names == {(s, k, t) for s in ("GT01", "GT02", "GT03") for k in KINDS for t in (TIGHT, WIDE)}
    for case in cases:
        assert case.image_name.split("~over-")[1] != case.image_name.split("~")[0]  # never over its own photo


def test_the_same_seed_makes_the_same_set(cases):
    again = composite_cases([_subject("GT01", 1), _subject("GT02", 2), _subject("GT03", 3)])
    assert [c.image_name for c in again] == [c.image_name for c in cases]
    assert all(
        np.array_equal(a.image, b.image) and np.array_equal(a.alpha, b.alpha) for a, b in zip(again, cases, strict=True)
    )


def test_translucent_subjects_are_translucent_over_a_large_area(cases):
    low, high = TRANSLUCENT_RANGE
    for case in cases:
        if "~translucent~" in case.image_name:
            subject = case.alpha > 0.05
            translucent = (case.alpha >= low - 0.01) & (case.alpha <= high + 0.01)
            assert translucent.sum() > 0.4 * subject.sum()
            assert (case.alpha >= 1).any()  # an opaque side gives the trimap sure subject


def test_see_through_subjects_have_hundreds_of_small_holes():
    alpha, foreground = see_through_subject((600, 800), np.random.default_rng(0))
    count, _, stats, _ = cv2.connectedComponentsWithStats((alpha == 0).astype(np.uint8), connectivity=4)
    holes = stats[1:, cv2.CC_STAT_AREA]
    small = holes[holes < 150]
    assert len(small) >= 200 and np.median(small) <= 100
    assert ((alpha > 0) & (alpha < 1)).any() and (alpha >= 1).any()  # anti-aliased wires and a solid rim
    assert foreground.shape == (600, 800, 3) and 0 <= foreground.min() and foreground.max() <= 1


def test_trimaps_hold_the_truth(cases):
    for case in cases:
        assert np.all(case.alpha[case.trimap == 255] == 1) and np.all(case.alpha[case.trimap == 0] == 0)
        assert np.all(case.trimap[(case.alpha > 0) & (case.alpha < 1)] == 128)


def test_a_cloth_is_translucent_everywhere_and_only_its_pole_is_opaque():
    """The real flag's difficulty: no opaque part of the cloth for the flows
    to take the cloth's colour from; sure subject is the pole, another colour."""
    alpha, foreground = cloth_subject((500, 700), np.random.default_rng(3))
    low, high = TRANSLUCENT_RANGE
    translucent = (alpha >= low) & (alpha <= high)
    opaque = alpha >= 1
    assert translucent.sum() > 3 * opaque.sum() > 0
    cloth_colour = foreground[translucent].mean(axis=0)
    pole_colour = foreground[opaque].mean(axis=0)
    assert np.abs(cloth_colour - pole_colour).max() > 0.2
