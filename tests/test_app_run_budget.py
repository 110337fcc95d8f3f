"""The per-run time budget: a run cut short keeps the engine until it has
really finished, so the next run never overlaps it."""
from __future__ import annotations

import threading

import pytest

from samplenet.app.run_budget import RunCutShort, call_within
from tests.torch_stand_ins import waiting_two_layer_model


def test_a_run_behind_an_abandoned_one_waits_for_it_instead_of_overlapping():
    release = threading.Event()
    running: list[str] = []
    overlaps: list[list[str]] = []

    def slow() -> str:
        running.append("slow")
        release.wait(10)
        running.remove("slow")
        return "slow"

    def quick() -> str:
        overlaps.append(list(running))
        return "quick"

    with pytest.raises(RunCutShort, match="took longer"):
        call_within(0.2, slow)
    # The slow run goes on in the background: the next one cannot start yet.
    with pytest.raises(RunCutShort, match="still finishing an earlier run"):
        call_within(0.2, quick)
    assert overlaps == []
    release.set()
    assert call_within(10, quick) == "quick"
    assert overlaps == [[]]  # it ran alone, and the abandoned waiter never ran


def test_an_error_inside_the_budget_reaches_the_caller():
    def broken() -> None:
        raise ValueError("named problem")

    with pytest.raises(ValueError, match="named problem"):
        call_within(5, broken)


def test_a_torch_model_cut_short_stops_at_its_next_layer():
    import torch

    from samplenet.app.run_budget import stop_when_abandoned

    release = threading.Event()
    ran: list[str] = []

    model = waiting_two_layer_model(release, ran)

    def run():
        with stop_when_abandoned(model):
            return model(torch.zeros(1))

    with pytest.raises(RunCutShort, match="took longer"):
        call_within(0.2, run)
    release.set()
    assert call_within(10, lambda: "next") == "next"  # the slot is free once the run has stopped
    assert ran == ["first layer"]  # the second layer never ran
    assert call_within(10, run) is not None and ran[-1] == "second layer"  # hooks are gone; a new run is whole
