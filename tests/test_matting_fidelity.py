"""Matting network vs. the reference implementation's output, stored in a small fixture.

The fixture (64x64 lemur crop, perturbed F, cat-photo B, trimap; the reference's alpha for the
recipe weights) was made by tests/data/make_matting_fidelity.py from the reference code, which the
test suite does not need.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from matting_fidelity_recipe import FIXTURE, RECIPE_SEED, network_input, seeded_matting_state_dict
from torch.nn import functional as F

from samplenet.models.matting_network import MattingNetwork

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def case():
    data = np.load(FIXTURE)
    assert int(data["recipe_seed"]) == RECIPE_SEED
    x = network_input(data["image_bgr"], data["foreground_bgr"], data["background_bgr"],
                      data["trimap"])
    return x, torch.from_numpy(data["reference_alpha"])


@pytest.fixture(scope="module")
def network():
    net = MattingNetwork()
    net.load_state_dict(seeded_matting_state_dict(RECIPE_SEED), strict=True)
    return net.eval()


def test_alpha_equals_reference(network, case):
    x, expected = case
    with torch.no_grad():
        alpha = network(x)[0, 0]
    assert alpha.shape == expected.shape == (64, 64)
    assert (alpha - expected).abs().max().item() <= TOLERANCE


def test_fixture_is_sensitive_to_small_changes(network, case):
    # The check has teeth: a 1% change of one deep kernel moves the alpha well past the tolerance,
    # and the reference alpha is far from constant (not saturated by the sigmoid).
    x, expected = case
    assert expected.std() > 0.2 and ((expected > 0.02) & (expected < 0.98)).float().mean() > 0.5
    perturbed = MattingNetwork()
    state = seeded_matting_state_dict(RECIPE_SEED)
    state["encoder.layer4.1.conv2.weight"] *= 1.01
    perturbed.load_state_dict(state)
    with torch.no_grad():
        alpha = perturbed.eval()(x)[0, 0]
    assert (alpha - expected).abs().max().item() > 100 * TOLERANCE


def test_fixture_exercises_max_pool_ties(network, case):
    # Windows of the stem max-pool that are all zero after ReLU are ties; the unpooling must put
    # values at the very index the reference picked, so the fixture should contain such windows.
    x, _ = case
    encoder = network.encoder
    with torch.no_grad():
        activated = F.relu(encoder.bn1(encoder.conv1(x)))
        pooled = F.max_pool2d(activated, kernel_size=3, stride=2, padding=1)
    assert (pooled == 0).sum().item() > 100
