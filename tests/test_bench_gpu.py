"""samplenet bench gpu: refused without CUDA; its comparisons and tables,
run on the CPU with the device injected (no GPU in CI)."""
from __future__ import annotations

import copy
import sys
import types

import numpy as np
import pytest
import torch
from models_helpers import seeded_samplenet

from samplenet.benchmarks import gpu, speed
from samplenet.cli import main


@pytest.fixture(scope="module")
def fixture_inputs():
    """The command's fixture, cropped to its centre to keep the tests fast."""
    image, trimap = gpu.load_fixture()
    image, trimap = image[24:72, 24:72], trimap[24:72, 24:72]
    assert {0, 128, 255} <= set(np.unique(trimap).tolist())
    return image, trimap


@pytest.fixture(scope="module")
def one_model():
    """Engines may share a model (nothing per call is stored on it)."""
    model = seeded_samplenet()
    return lambda: model


def test_without_cuda_the_command_says_so_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["bench", "gpu", "--no-speed"]) == 2
    err = capsys.readouterr().err
    assert "needs a CUDA GPU" in err and "Traceback" not in err


def test_a_missing_fixture_is_named(tmp_path):
    with pytest.raises(ValueError, match="fidelity fixture"):
        gpu.load_fixture(tmp_path / "nope.npz")


def test_device_comparison_on_the_cpu(fixture_inputs, one_model):
    image, trimap = fixture_inputs
    rows = gpu.compare_devices("cpu", image, trimap, model_factory=one_model)
    by_check = {row["check"]: row for row in rows}
    strict = by_check["fp32 vs CPU (TF32 off)"]
    assert strict["passed"] is True and strict["alpha"] <= 1e-6 and strict["background"] <= 1e-6
    assert "fp32 vs CPU (PyTorch default)" not in by_check  # a CUDA-only row
    assert by_check["fp16 vs fp32"]["passed"] is None and "CUDA" in by_check["fp16 vs fp32"]["note"]
    if not torch.backends.mkldnn.is_available() or by_check["bf16 vs fp32"]["note"]:
        assert by_check["bf16 vs fp32"]["passed"] is None
    assert gpu.strict_failures(rows) == []


def test_device_comparison_notices_different_numbers(fixture_inputs, one_model):
    image, trimap = fixture_inputs
    altered = copy.deepcopy(one_model())
    with torch.no_grad():
        next(p for name, p in altered.named_parameters() if name.endswith("bias")).add_(0.5)
    models = iter([one_model(), altered])  # the second engine gets other weights: the check must fail
    rows = gpu.compare_devices("cpu", image, trimap, model_factory=lambda: next(models))
    assert rows[0]["passed"] is False and rows[0]["alpha"] > 1e-3
    assert gpu.strict_failures(rows) == ["fp32 vs CPU (TF32 off)"]
    table = gpu.checks_table(rows)
    assert "FAILED" in table and "fp32 vs CPU (TF32 off)" in table


def test_zerogpu_path_through_a_spaces_gpu_decorator(fixture_inputs, one_model, monkeypatch):
    image, trimap = fixture_inputs
    decorated = []

    def fake_gpu(duration=None):
        def wrap(function):
            decorated.append(duration)
            return function

        return wrap

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=fake_gpu, __version__="test"))
    row = gpu.zerogpu_check("cpu", image, trimap, model_factory=one_model)
    assert decorated == [120]
    assert row["passed"] is True and row["alpha"] <= 1e-6


def test_zerogpu_path_without_spaces_says_so(fixture_inputs, one_model, monkeypatch):
    image, trimap = fixture_inputs
    monkeypatch.setitem(sys.modules, "spaces", None)  # import spaces -> ImportError
    row = gpu.zerogpu_check("cpu", image, trimap, model_factory=one_model)
    assert row["passed"] is None and "not installed" in row["note"]


def test_zerogpu_failure_is_a_failed_strict_check(fixture_inputs, one_model, monkeypatch):
    image, trimap = fixture_inputs

    def broken_gpu(duration=None):
        def wrap(function):
            def run(*args):
                raise RuntimeError("no GPU attached")

            return run

        return wrap

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=broken_gpu))
    row = gpu.zerogpu_check("cpu", image, trimap, model_factory=one_model)
    assert row["passed"] is False and "no GPU attached" in row["note"]
    assert gpu.strict_failures([row]) == ["ZeroGPU decorator vs direct"]


def test_speed_table_shows_gpu_memory_only_for_gpu_rows():
    base = {"megapixels": 0.25, "size": "504x504", "mode": "exact", "median_s": 0.5, "peak_rss_gb": 1.2,
            "max_alpha_diff_vs_dense": 1e-6, "note": ""}
    cpu_table = speed.format_rows([base])
    assert "peak GPU GB" not in cpu_table
    gpu_table = speed.format_rows([dict(base, peak_gpu_gb=3.25), dict(base, mode="dense", peak_gpu_gb=None)],
                                  markdown=True)
    header, rule, first, second = gpu_table.splitlines()[:4]
    assert "peak GPU GB" in header and rule.startswith("|")
    assert "3.25" in first
    assert np.isfinite(base["median_s"])


def _speed_row(size, mode, seconds):
    side = int(size.split("x")[0])
    return {"megapixels": round(side * side / 1e6, 3), "size": size, "mode": mode, "median_s": seconds,
            "peak_rss_gb": 1.0, "max_alpha_diff_vs_dense": None, "note": ""}


def test_cost_model_predictions_sit_beside_the_measured_times():
    from samplenet.budget.cost_model import CostModel

    model = CostModel("samplenet", "GPU", scale=0.01)
    rows = [_speed_row("496x496", "dense", 0.2), _speed_row("496x496", "exact", 0.05),
            _speed_row("1000x1000", "reduced", 0.25), _speed_row("1000x1000", "exact", None)]
    gpu.add_predictions(rows, model, 800)
    assert [row["predicted_s"] is not None for row in rows] == [False, True, True, False]
    exact, reduced = rows[1], rows[2]
    assert exact["predicted_over_measured"] == pytest.approx(exact["predicted_s"] / 0.05)
    assert reduced["predicted_s"] < model.predict(speed_and_shape(1000))  # the capped samplers cost less
    table = gpu.predictions_table(rows)
    assert "predicted / measured" in table and "dense" not in table and len(table.splitlines()) == 4


def speed_and_shape(side):
    from samplenet.budget.cost_model import RunShape

    return RunShape.of(side, side, float(np.mean(speed.synthetic_portrait(side)[1] == 128)))


def test_the_command_prints_the_predictions_when_a_gpu_is_there(monkeypatch, capsys):
    from samplenet.budget.cost_model import CostModel
    from samplenet.cli import bench_gpu

    monkeypatch.setattr(bench_gpu, "require_cuda", lambda device: torch.device("cpu"))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device: "Injected GPU")
    monkeypatch.setattr(bench_gpu, "compare_devices", lambda *args: [])
    monkeypatch.setattr(bench_gpu, "zerogpu_check", lambda *args: gpu._row("ZeroGPU decorator vs direct", "cpu"))
    monkeypatch.setattr(bench_gpu, "run_benchmark", lambda *args, **kwargs: [_speed_row("496x496", "exact", 0.05)])
    monkeypatch.setattr(bench_gpu, "calibrated_model", lambda device: CostModel("samplenet", "GPU", scale=0.01))
    assert main(["bench", "gpu", "--sizes", "0.25"]) == 0
    out = capsys.readouterr().out
    assert "cost model" in out and "predicted / measured" in out and "496x496" in out.split("cost model")[1]
