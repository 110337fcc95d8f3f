"""The synth, train and export commands; export -> samplenet.load round trip."""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from training_settings import TINY

import samplenet
from samplenet.cli import main
from samplenet.models.samplenet import SampleNet
from samplenet.training import pipeline
from samplenet.training.export import export_weights

REPO_ROOT = Path(__file__).resolve().parents[1]


# one registration for the whole session, so both training modules share the trained runs
pytest_plugins = ["training_fixtures"]


@pytest.fixture
def runs(data, sampler_runs, matting_run):
    return {"data": data["pair"], "background": sampler_runs["background"][0],
            "foreground": sampler_runs["foreground"][0], "matting": matting_run[0]}


def test_export_of_a_matting_run_loads_with_samplenet_load(runs, tmp_path, disc_example):
    out = tmp_path / "weights"
    assert main(["export", str(runs["matting"]), "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["background"]["source"] == str(runs["background"].resolve())
    matter = samplenet.load(engine="samplenet", weights=str(out), device="cpu")
    for part in ("background", "foreground", "matting"):
        trained = load_file(str(runs[part] / "checkpoint" / "model.safetensors"))
        loaded = getattr(matter.model, part).state_dict()
        assert all(torch.equal(trained[k], loaded[k].cpu()) for k in trained), part
    image, trimap, _ = disc_example
    result = matter(image, trimap)
    assert result.alpha.shape == trimap.shape and np.isfinite(result.alpha).all()


def test_training_samples_colours_exactly_as_samplenet_does(runs):
    model = SampleNet().eval()
    for part in ("background", "foreground"):
        getattr(model, part).load_state_dict(load_file(str(runs[part] / "checkpoint" / "model.safetensors")))
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, 64, 64, generator=generator) * 2 - 1
    trimap = torch.zeros(1, 1, 64, 64)
    trimap[..., 16:48, 16:48] = 1
    trimap[..., 24:40, 24:40] = 2
    with torch.no_grad():
        expected = model.sample(image, trimap)
        found = pipeline.sample_colours(model.background, model.foreground, image, pipeline.Regions.from_trimap(trimap))
    assert torch.equal(expected[0], found[0]) and torch.equal(expected[1], found[1])


def test_export_combines_explicit_sources_and_names_what_is_missing(runs, tmp_path):
    out = export_weights(tmp_path / "w", background=str(runs["background"]), foreground=str(runs["foreground"]),
                         matting=str(runs["matting"]))
    # an exported folder is itself a source for any part
    again = export_weights(tmp_path / "w2", run=str(runs["background"]), foreground=str(out), matting=str(out))
    assert load_file(str(again / "model.safetensors")).keys() == load_file(str(out / "model.safetensors")).keys()
    with pytest.raises(ValueError, match="no source for the foreground, matting network"):
        export_weights(tmp_path / "w3", run=str(runs["background"]))
    with pytest.raises(ValueError, match="is a background run, not a foreground run"):
        export_weights(tmp_path / "w4", run=str(runs["matting"]), foreground=str(runs["background"]))
    assert main(["export", "--out", str(tmp_path / "w5")]) == 2
    assert main(["export", str(tmp_path / "nothing"), "--out", str(tmp_path / "w6")]) == 2


def test_synth_command(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path / "s"), "--count", "2", "--size", "48", "--layout", "plain"]) == 0
    assert "2 48x48 samples" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["alpha", "bg", "fg", "image", "trimap"]
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", "--out", str(tmp_path / "t"), "--count", "0"])
    assert exit_info.value.code == 2
    assert main(["synth", "--out", str(tmp_path / "s"), "--count", "1"]) == 2  # not empty
    assert "not empty" in capsys.readouterr().err


def test_train_command_resumes_longer_and_refuses_changed_settings(runs, tmp_path, capsys):
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({**TINY, "epochs": 1}))
    out = str(tmp_path / "run")
    base = ["train", "background", "--out", out, "--no-progress"]
    assert main(base + ["--data", runs["data"], "--config", str(config), "--lr", "2e-4"]) == 0
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["lr"] == 2e-4 and saved["size"] == 64 and saved["stage"] == "background"
    tensorboard = importlib.util.find_spec("tensorboard") is not None  # optional dependency
    assert main(base + ["--resume", "--epochs", "2"] + (["--tensorboard"] if tensorboard else [])) == 0
    if tensorboard:
        assert list((tmp_path / "run" / "tensorboard").glob("events.out.tfevents.*"))
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["epoch"] == 2 and state["global_step"] == 2
    capsys.readouterr()
    assert main(base + ["--resume", "--lr", "1e-3"]) == 2
    assert "cannot change lr when resuming" in capsys.readouterr().err
    assert main(["train", "foreground", "--out", out, "--resume"]) == 2
    assert "holds a background run, not a foreground run" in capsys.readouterr().err
    assert main(base + ["--data", runs["data"]]) == 2
    assert "already holds a training run" in capsys.readouterr().err
    assert main(["train", "background", "--out", str(tmp_path / "x")]) == 2
    assert "--data is required" in capsys.readouterr().err
    assert (
        main(["train", "matting", "--data", runs["data"], "--out", str(tmp_path / "y"), "--amp", "--device", "cpu"])
        == 2
    )
    assert "needs a CUDA device" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["train", "matting", "--data", runs["data"], "--out", str(tmp_path / "z"), "--config", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["train", "background", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "w")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["train", "matting", "--data", runs["data"], "--out", str(tmp_path / "v"),
                 "--samplers", str(tmp_path)]) == 2
    assert "neither a training run" in capsys.readouterr().err


def test_ctrl_c_to_the_process_group_saves_a_checkpoint_and_exits_cleanly(data, tmp_path):
    """A real Ctrl-C: SIGINT to the whole process group, DataLoader worker
    included, while training runs in its own process."""
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({**TINY, "epochs": 1000, "num_workers": 1}))
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "samplenet", "train", "background", "--data", data["pair"],
               "--out", str(out), "--config", str(config), "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None:
            log = out / "train_log.csv"
            if log.exists() and len(log.read_text().splitlines()) >= 2:
                break
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "checkpoint saved; continue with" in stdout
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["global_step"] >= 1 and state["stage"] == "background"
    assert "Traceback" not in stderr
