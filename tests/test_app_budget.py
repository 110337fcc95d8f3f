"""The app within its run budget (issue 30): a working size chosen for the
engine and the device, said in the status line, and never nothing when a
run is cut short anyway. Devices are simulated by injected timings."""
from __future__ import annotations

import os
import threading

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")

from samplenet.app import EngineRegistry, handlers
from samplenet.budget import cost_model
from samplenet.budget.cost_model import RunShape
from samplenet.engines.base import Matter
from samplenet.engines.classical import ClassicalMatter
from samplenet.result import MattingResult
from tests.conftest import make_disc_example, serving
from tests.torch_stand_ins import waiting_two_layer_model


class Recorder(Matter):
    """A stand-in 'samplenet' engine: records the size and options it was
    run with, optionally waits for ``release``, and answers the trimap."""

    name = "samplenet"

    def __init__(self, release: threading.Event | None = None) -> None:
        super().__init__()
        self.calls: list[tuple[tuple[int, int], dict]] = []
        self.release = release

    def predict_arrays(self, image, trimap, **options):
        self.calls.append((trimap.shape, options))
        if self.release is not None:
            self.release.wait(30)
        alpha = (trimap > 0).astype(np.float32)
        colours = image.astype(np.float32) / 255.0
        return MattingResult(alpha, colours, colours.copy(), engine=self.name)


def _matte(registry: EngineRegistry, engine: str, image: np.ndarray, trimap: np.ndarray) -> handlers.MattingOutcome:
    with serving(registry):
        return handlers.matte_arrays(engine, image, trimap)


def _slow_device(matter: Matter, seconds_at_one_mp: float) -> None:
    cost_model.model_for(matter).observe(RunShape.of(1000, 1000, 0.1), seconds_at_one_mp)


def test_a_slow_device_mattes_a_smaller_copy_and_the_status_says_why(monkeypatch):
    image, trimap, _ = make_disc_example(480, 640)
    engine = Recorder()
    _slow_device(engine, 500.0)  # this "CPU" takes 500 s for a megapixel
    registry = EngineRegistry({"samplenet": engine, "classical": ClassicalMatter()})
    monkeypatch.setenv("SAMPLENET_APP_RUN_SECONDS", "60")
    outcome = _matte(registry, "samplenet", image, trimap)
    (shape, options), = engine.calls
    assert shape[0] * shape[1] < 480 * 640 / 2
    assert outcome.result.alpha.shape == (480, 640)  # restored to the photo's size
    words = f"Matted at {shape[1]}x{shape[0]}"
    assert any(note.startswith(words) and "to fit the 60 s budget on this CPU" in note for note in outcome.notes)


def test_a_fast_device_mattes_the_photo_as_it_is_without_a_note(monkeypatch):
    image, trimap, _ = make_disc_example(480, 640)
    engine = Recorder()
    _slow_device(engine, 0.2)
    registry = EngineRegistry({"samplenet": engine, "classical": ClassicalMatter()})
    outcome = _matte(registry, "samplenet", image, trimap)
    assert engine.calls == [((480, 640), {})]
    assert not any("budget" in note for note in outcome.notes)


def test_the_page_status_line_shows_the_choice(monkeypatch, tmp_path):
    from PIL import Image

    image, trimap, _ = make_disc_example(480, 640)
    Image.fromarray(image).save(tmp_path / "photo.png")
    Image.fromarray(trimap).save(tmp_path / "trimap.png")
    engine = Recorder()
    _slow_device(engine, 500.0)
    registry = EngineRegistry({"samplenet": engine, "classical": ClassicalMatter()})
    with serving(registry):
        page = handlers.run_page(str(tmp_path / "photo.png"),
                                 handlers.TrimapSources(source="upload", upload=str(tmp_path / "trimap.png")),
                                 "samplenet", "#ffffff", None)
    (shape, _), = engine.calls
    assert f"*Matted at {shape[1]}x{shape[0]}" in page.status  # the size used, in the status line
    assert "to fit the 60 s budget on this CPU (predicted" in page.status  # and why


def test_a_run_cut_short_is_answered_by_the_weight_free_engine_with_a_note(monkeypatch):
    image, trimap, true_alpha = make_disc_example(48, 64)
    release = threading.Event()
    engine = Recorder(release)
    _slow_device(engine, 0.2)  # predicted to fit: the run is cut short all the same
    registry = EngineRegistry({"samplenet": engine, "classical": ClassicalMatter()})
    monkeypatch.setenv("SAMPLENET_APP_RUN_SECONDS", "1")
    predicted = cost_model.model_for(engine).predict(RunShape.of(48, 64, 0.1))
    try:
        outcome = _matte(registry, "samplenet", image, trimap)
    finally:
        release.set()  # let the abandoned run finish and free the engine slot
    assert outcome.result.engine == "classical"
    assert np.abs(outcome.result.alpha - true_alpha).mean() < 0.05  # a real matte, not the trimap
    assert any("SampleNet did not finish within the 1 s budget on this CPU" in note
               and "weight-free engine's matte for the same trimap" in note for note in outcome.notes)
    # the model learnt the run took at least the budget: its next prediction is larger
    assert cost_model.model_for(engine).predict(RunShape.of(48, 64, 0.1)) > 2 * predicted


def test_a_cut_short_run_without_a_weight_free_engine_still_says_cut_short(monkeypatch, tmp_path):
    from PIL import Image

    image, trimap, _ = make_disc_example(48, 64)
    Image.fromarray(image).save(tmp_path / "photo.png")
    Image.fromarray(trimap).save(tmp_path / "trimap.png")
    release = threading.Event()
    engine = Recorder(release)
    _slow_device(engine, 0.2)
    monkeypatch.setenv("SAMPLENET_APP_RUN_SECONDS", "1")
    try:
        with serving(EngineRegistry({"samplenet": engine})), pytest.raises(gr.Error, match="Cut short"):
            handlers.matte_files(str(tmp_path / "photo.png"), str(tmp_path / "trimap.png"), "samplenet")
    finally:
        release.set()


def test_start_up_calibration_measures_each_engine_and_survives_a_failing_one(caplog):
    from samplenet.app.calibration import calibrate_engines

    class Broken(Recorder):
        name = "classical"

        def predict_arrays(self, image, trimap, **options):
            raise RuntimeError("no such kernel")

    engine, broken = Recorder(), Broken()
    measured = calibrate_engines(EngineRegistry({"samplenet": engine, "classical": broken}))
    assert set(measured) == {"samplenet"} and cost_model.model_for(engine).calibrated
    assert [shape for shape, _ in engine.calls] == [(64, 64), (320, 320)]  # warm-up, then the timed photo
    assert not cost_model.model_for(broken).calibrated
    assert "timing the classical engine failed" in caplog.text


def test_the_abandoned_samplenet_run_stops_instead_of_holding_the_engine(monkeypatch):
    import torch

    from samplenet.app.run_budget import engine_slot

    release = threading.Event()
    layers: list[str] = []

    class Networked(Recorder):
        model = waiting_two_layer_model(release, layers)

        def predict_arrays(self, image, trimap, **options):
            self.model(torch.zeros(1))
            return super().predict_arrays(image, trimap, **options)

    image, trimap, _ = make_disc_example(48, 64)
    engine = Networked()
    _slow_device(engine, 0.2)
    monkeypatch.setenv("SAMPLENET_APP_RUN_SECONDS", "1")
    outcome = _matte(EngineRegistry({"samplenet": engine, "classical": ClassicalMatter()}),
                                    "samplenet", image, trimap)
    release.set()
    with engine_slot():  # the abandoned run has ended
        assert layers == ["first layer"] and engine.calls == []  # it stopped before its last layer and never answered
    assert outcome.result.engine == "classical"


def test_a_run_that_never_started_teaches_the_model_nothing(monkeypatch):
    from samplenet.app.run_budget import engine_slot

    image, trimap, _ = make_disc_example(48, 64)
    engine = Recorder()
    _slow_device(engine, 0.2)
    model = cost_model.model_for(engine)
    before = model.predict(RunShape.of(48, 64, 0.1))
    monkeypatch.setenv("SAMPLENET_APP_RUN_SECONDS", "1")
    with engine_slot():  # an earlier run still holds the engine
        outcome = _matte(EngineRegistry({"samplenet": engine, "classical": ClassicalMatter()}),
                                        "samplenet", image, trimap)
    assert outcome.result.engine == "classical" and engine.calls == []
    assert model.predict(RunShape.of(48, 64, 0.1)) == before
