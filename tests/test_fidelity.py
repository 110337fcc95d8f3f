"""The whole pipeline against outputs of the reference implementation.

``tests/data/fidelity/reference_outputs.npz`` (see the README beside it)
holds the reference's alpha, foreground and background for a 96x96 lemur
crop and the seeded weights of :mod:`models_helpers`. Our engine, fed the
same RGB image and trimap, must give the same numbers: this covers the
pre-processing (BGR order, [-1, 1] scaling, trimap levels), both samplers
with their attention, the matting network and the final alpha rule.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from models_helpers import FIDELITY_SEED, seeded_samplenet

from samplenet.engines.samplenet_engine import SampleNetMatter
from samplenet.models import contextual_attention as ca

FIXTURE = Path(__file__).parent / "data" / "fidelity" / "reference_outputs.npz"
TOLERANCE = 1e-4  # max abs difference, values in [0, 1]


@pytest.fixture(scope="module")
def reference():
    data = np.load(FIXTURE)
    assert int(data["seed"]) == FIDELITY_SEED
    return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def matter():
    return SampleNetMatter(seeded_samplenet(FIDELITY_SEED), device="cpu")


def _max_diffs(result, reference):
    return {
        "alpha": np.abs(result.alpha - reference["alpha"]).max(),
        "foreground": np.abs(result.foreground[:, :, ::-1] - reference["foreground_bgr"]).max(),
        "background": np.abs(result.background[:, :, ::-1] - reference["background_bgr"]).max(),
    }


def test_fixture_exercises_all_trimap_regions(reference):
    trimap = reference["trimap"]
    assert {0, 128, 255} <= set(np.unique(trimap).tolist())
    unknown_alpha = reference["alpha"][trimap == 128]
    assert unknown_alpha.std() > 0.1  # the matting network is not saturated


@pytest.mark.parametrize("attention", ["dense", "exact", None])
def test_pipeline_equals_reference(matter, reference, attention):
    """Each attention implementation, and the engine's default choice."""
    engine = SampleNetMatter(matter.model, device="cpu", attention=attention)
    result = engine(reference["image_rgb"], reference["trimap"])
    assert result.info["padding_bottom_right"] == (0, 0)
    if attention is not None:
        assert result.info["attention"] == attention
    diffs = _max_diffs(result, reference)
    assert all(d <= TOLERANCE for d in diffs.values()), diffs


def test_comparison_detects_a_changed_attention(matter, reference, monkeypatch):
    """Without score fusion the attention differs slightly: the comparison
    must notice (so the fixture does check the attention's details)."""

    def unfused(f, b, mask, **kwargs):
        return ca.contextual_attention_dense(f, b, mask, **{**kwargs, "fuse": False})

    monkeypatch.setitem(ca.ATTENTION_IMPLEMENTATIONS, "unfused", unfused)
    altered = SampleNetMatter(matter.model, device="cpu", attention="unfused")
    diffs = _max_diffs(altered(reference["image_rgb"], reference["trimap"]), reference)
    assert diffs["background"] > 10 * TOLERANCE and diffs["alpha"] > 10 * TOLERANCE, diffs
