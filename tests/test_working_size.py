"""The working size chosen for a time budget (issue 30), with injected
timings: a device's speed is what its cost model has observed."""
from __future__ import annotations

import pytest

from samplenet.budget.cost_model import CostModel, RunShape
from samplenet.budget.working_size import BUDGET_SHARE, choose_working_size, describe_choice

FOUR_MP = (1695, 2400)  # height, width of the issue's own photo


def _device(seconds_at_one_mp: float, engine: str = "samplenet") -> CostModel:
    """A cost model that has seen a 1 MP run take ``seconds_at_one_mp``."""
    model = CostModel(engine)
    model.observe(RunShape.of(1000, 1000, 0.1), seconds_at_one_mp)
    return model


def test_smaller_budgets_get_smaller_working_sizes():
    model = _device(22.6)
    budgets = (1200, 120, 60, 20)
    chosen = [choose_working_size(model, *FOUR_MP, 0.1, budget) for budget in budgets]
    pixels = [choice.width * choice.height for choice in chosen]
    assert pixels[0] == pixels[1] == FOUR_MP[0] * FOUR_MP[1] > pixels[2] > pixels[3]
    assert chosen[0].options == {} and chosen[1].options  # first the samplers are capped, then pixels go
    for choice, budget in zip(chosen, budgets, strict=True):
        assert choice.fits and choice.predicted_seconds <= BUDGET_SHARE * budget


def test_slower_devices_get_smaller_working_sizes_and_a_gpu_the_full_size():
    budget = 60
    fast, reference, slow = (choose_working_size(_device(t), *FOUR_MP, 0.1, budget) for t in (0.3, 22.6, 90.0))
    assert fast.scale == 1.0 and fast.options == {}  # a GPU-like device: the photo as it is
    assert fast.width * fast.height > reference.width * reference.height > slow.width * slow.height
    # each prediction is the device's: a slower device predicts more for the same size
    assert _device(90.0).predict(RunShape.of(1000, 1000, 0.1)) == pytest.approx(4 * 22.5, rel=0.01)


def test_samplenet_caps_its_samplers_before_giving_up_pixels():
    model = _device(22.6)
    one_mp = RunShape.of(1000, 1000, 0.1)
    full, capped = model.predict(one_mp), model.predict(RunShape.of(1000, 1000, 0.1, 640))
    assert capped < full
    budget = (full + capped) / 2 / BUDGET_SHARE  # the full run does not fit, the capped one does
    choice = choose_working_size(model, 1000, 1000, 0.1, budget)
    assert choice.scale == 1.0 and choice.options.get("sampling_max_side") in (800, 640)


def test_more_unknown_pixels_mean_less_attention_work_not_more_pixels():
    model = _device(22.6)
    assert model.predict(RunShape.of(1000, 1000, 0.4)) < model.predict(RunShape.of(1000, 1000, 0.05))


def test_the_full_resolution_limit_still_caps_the_size():
    choice = choose_working_size(_device(0.3), *FOUR_MP, 0.1, 60, max_pixels=1_000_000)
    assert choice.width * choice.height <= 1_000_000 and choice.reduced


def test_when_nothing_fits_the_smallest_size_is_chosen_and_says_so():
    choice = choose_working_size(_device(10_000.0), 600, 800, 0.1, 60)
    assert not choice.fits and min(choice.width, choice.height) < 128
    assert "the smallest size tried" in describe_choice(choice, "CPU")
    assert "of the 60 s budget on this CPU were planned" in describe_choice(choice, "CPU")


def test_observations_move_the_speed_part_way_learning_slower_faster_than_faster():
    model = _device(22.6)
    shape = RunShape.of(1000, 1000, 0.1)
    before = model.predict(shape)
    model.observe(shape, 4 * before)  # one run slowed by a neighbour
    slower = model.predict(shape)
    assert before < slower < 4 * before
    model.observe(shape, slower / 4)  # one lucky run, as much faster
    faster = model.predict(shape)
    assert slower / 4 < faster < slower
    assert slower / before > (slower / faster) ** 1.5  # a slow run moves the model more than a fast one
    model.observe(shape, float("nan"))  # a broken clock reading teaches nothing
    assert model.observations == 3


def test_calibration_times_a_small_run_on_the_device(monkeypatch):
    ticks = iter([100.0, 100.0 + 3.0])  # the timed run takes 3 s
    monkeypatch.setattr("samplenet.budget.cost_model.time.perf_counter", lambda: next(ticks))
    model = CostModel("samplenet")
    calls = []
    seconds = model.calibrate(lambda image, trimap: calls.append(image.shape))
    assert seconds == 3.0 and model.calibrated and len(calls) == 2  # warm-up, then the timed run
    shape = RunShape.of(320, 320, 0.08)
    assert model.predict(shape) == pytest.approx(3.0, rel=0.1)


def test_status_words_name_the_size_the_budget_and_the_device():
    choice = choose_working_size(_device(22.6), *FOUR_MP, 0.1, 60)
    words = describe_choice(choice, "CPU")
    assert words.startswith(f"Matted at {choice.width}x{choice.height}")
    assert "to fit the 60 s budget on this CPU" in words
    assert describe_choice(choose_working_size(_device(0.3), *FOUR_MP, 0.1, 60), "GPU") == ""


@pytest.mark.parametrize("budget", [0, -5, float("nan")])
def test_a_budget_that_is_not_positive_is_refused(budget):
    with pytest.raises(ValueError, match="budget_seconds"):
        choose_working_size(CostModel("samplenet"), 100, 100, 0.1, budget)


# ---------------------------------------------------------------- the library: no resizing unless asked


@pytest.fixture(scope="module")
def engine():
    from models_helpers import seeded_samplenet

    from samplenet.engines.samplenet_engine import SampleNetMatter

    return SampleNetMatter(seeded_samplenet(), device="cpu")


def _photo(height=120, width=160):
    from tests.conftest import make_disc_example

    image, trimap, _ = make_disc_example(height, width)
    return image, trimap


def test_a_plain_call_runs_at_the_photos_size_however_slow_the_device(engine):
    from samplenet.budget import cost_model

    cost_model.model_for(engine).observe(RunShape.of(1000, 1000, 0.1), 1e6)  # a hopeless device
    result = engine(*_photo())
    assert result.info["mode"] == "native" and result.info["network_size"] == (160, 120)
    assert "max_seconds_choice" not in result.info


def test_max_seconds_chooses_a_smaller_size_on_a_slow_device_and_says_so(engine, monkeypatch):
    from samplenet.budget import cost_model

    model = cost_model.CostModel("samplenet", scale=1.0)
    model.coefficients = cost_model.Coefficients(fixed=0.0, per_mp=1000.0, per_mp2=0.0, attention=0.0)  # 1000 s/MP
    monkeypatch.setattr(cost_model, "model_for", lambda matter: model)
    result = engine(*_photo(), max_seconds=10)  # 19 s predicted at the photo's size
    chosen = result.info["max_seconds_choice"]
    assert result.info["mode"] == "resized" and chosen["size"] == result.info["network_size"]
    assert chosen["size"][0] * chosen["size"][1] < 160 * 120 / 2 and chosen["size"][0] % 8 == 0
    assert result.alpha.shape == (120, 160) and chosen["fits"] and chosen["predicted_seconds"] <= 10
    fast = cost_model.CostModel("samplenet", scale=0.01)
    monkeypatch.setattr(cost_model, "model_for", lambda matter: fast)
    assert engine(*_photo(), max_seconds=120).info["mode"] == "native"


@pytest.mark.parametrize("value", [0, -1, "10", float("inf"), True])
def test_max_seconds_must_be_a_positive_number(engine, value):
    from samplenet.errors import MattingInputError

    with pytest.raises(MattingInputError, match="max_seconds must be a positive number"):
        engine(*_photo(), max_seconds=value)


def test_max_seconds_and_size_together_are_refused(engine):
    from samplenet.errors import MattingInputError

    with pytest.raises(MattingInputError, match="size or max_seconds, not both"):
        engine(*_photo(), max_seconds=10, size=(64, 64))
