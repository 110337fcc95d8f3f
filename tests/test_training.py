"""Training: each stage learns, DDP, exact resume, checkpoints and errors.

The networks are the real ones, so everything runs on 64x64 crops, batch 2
and a handful of steps.
"""
from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal

import pytest
import torch
import torch.multiprocessing as mp
from local_server import free_port
from safetensors.torch import load_file, save_file
from training_settings import TINY, tiny_config

from samplenet.errors import WeightsFormatError
from samplenet.training import Trainer, build_config
from samplenet.training.config import read_config_file
from samplenet.training.initialisation import init_from_resnet50

# one registration for the whole session, so both training modules share the trained runs
pytest_plugins = ["training_fixtures"]


@pytest.mark.parametrize("stage", ["background", "foreground"])
def test_sampler_stage_lowers_its_loss_on_a_fixed_batch(sampler_runs, stage):
    out, outcome = sampler_runs[stage]
    totals = [step["total"] for step in outcome.losses]
    assert outcome.status == "finished" and len(totals) == 4
    assert totals[-1] < totals[0]
    assert set(outcome.losses[0]) == {"total", "hole", "whole"}
    validation = outcome.validation[-1]
    key = "bg_l1_unknown" if stage == "background" else "fg_l1_unknown"
    assert 0 < validation[key] < 255


def test_matting_stage_lowers_its_loss_and_reports_the_four_metrics(matting_run, sampler_runs):
    out, outcome, _ = matting_run
    totals = [step["total"] for step in outcome.losses]
    assert totals[-1] < totals[0]
    step = outcome.losses[0]
    assert step["total"] == pytest.approx((step["alpha"] + step["composition"]) / 2 + step["gradient"], rel=1e-5)
    with open(out / "val_log.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 and {"sad", "mse", "grad", "conn"} <= set(rows[0])
    meta = json.loads((out / "checkpoint" / "state.json").read_text())
    assert meta["sampler_sources"]["background"] == str(sampler_runs["background"][0].resolve())
    saved = read_config_file(out / "config.json")
    assert saved["lr"] == 1e-4 and saved["weight_decay"] == 1e-4  # the reference's defaults where not overridden


def test_samplers_stay_frozen_during_matting_training(matting_run, sampler_runs):
    out, _, trainer = matting_run
    for part in ("background", "foreground"):
        saved = load_file(str(sampler_runs[part][0] / "checkpoint" / "model.safetensors"))
        frozen = getattr(trainer.stage, part)
        assert not frozen.training and not any(p.requires_grad for p in frozen.parameters())
        assert all(torch.equal(saved[k], v) for k, v in frozen.state_dict().items())
    from samplenet.training.sources import resolve_sampler_sources

    # a matting run passes on the samplers it was trained with
    assert resolve_sampler_sources([str(out)]) == trainer.stage.sampler_sources


def _interrupt_at(step_number, sig=signal.SIGTERM):
    def on_step(trainer, info):
        if info["step"] == step_number:
            os.kill(os.getpid(), sig)

    return on_step


def test_resume_after_an_interrupt_matches_an_uninterrupted_run(data, tmp_path):
    config = tiny_config("background", data["four"], epochs=2, lr=3e-4)
    straight = Trainer(config, tmp_path / "straight", show_progress=False).run()
    assert straight.global_step == 4

    interrupted = Trainer(config, tmp_path / "split", on_step=_interrupt_at(3), show_progress=False).run()
    assert interrupted.status == "interrupted" and interrupted.global_step == 3
    meta = json.loads((tmp_path / "split" / "checkpoint" / "state.json").read_text())
    assert (meta["epoch"], meta["batches_done"], meta["global_step"]) == (1, 1, 3)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored

    resumed = Trainer(config, tmp_path / "split", resume=True, show_progress=False).run()
    assert resumed.status == "finished" and resumed.global_step == 4
    assert resumed.losses[0] == straight.losses[3]

    a = load_file(str(tmp_path / "straight" / "checkpoint" / "model.safetensors"))
    b = load_file(str(tmp_path / "split" / "checkpoint" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    opt_a = torch.load(tmp_path / "straight" / "checkpoint" / "training_state.pt", weights_only=True)
    opt_b = torch.load(tmp_path / "split" / "checkpoint" / "training_state.pt", weights_only=True)
    for index, state in opt_a["optimizer"]["state"].items():
        assert torch.equal(state["exp_avg"], opt_b["optimizer"]["state"][index]["exp_avg"])
    with open(tmp_path / "split" / "train_log.csv") as handle:
        assert [row["step"] for row in csv.DictReader(handle)] == ["1", "2", "3", "4"]


def test_resume_refuses_another_stage_or_architecture(data, sampler_runs, tmp_path):
    bg_run = sampler_runs["background"][0]
    with pytest.raises(ValueError, match="from the 'background' stage, not 'foreground'"):
        Trainer(tiny_config("foreground", data["pair"]), bg_run, resume=True).run()
    # a background checkpoint whose weights are a foreground sampler's
    fake = tmp_path / "fake"
    fake.mkdir()
    for name in ("checkpoint",):
        (fake / name).mkdir()
        for path in (bg_run / name).iterdir():
            (fake / name / path.name).write_bytes(path.read_bytes())
    fg_weights = load_file(str(sampler_runs["foreground"][0] / "checkpoint" / "model.safetensors"))
    save_file(fg_weights, str(fake / "checkpoint" / "model.safetensors"))
    with pytest.raises(ValueError, match="does not fit a BackgroundSampler.*another shape"):
        Trainer(tiny_config("background", data["pair"]), fake, resume=True).run()
    samplers = [str(fake), str(sampler_runs["foreground"][0])]
    with pytest.raises(WeightsFormatError, match="fake: the background weights do not fit"):
        Trainer(tiny_config("matting", data["pair"], samplers=samplers), tmp_path / "m", show_progress=False).run()
    with pytest.raises(FileNotFoundError, match="holds no checkpoint"):
        Trainer(tiny_config("background", data["pair"]), tmp_path / "new", resume=True)
    with pytest.raises(ValueError, match="already holds a training run; pass --resume"):
        Trainer(tiny_config("background", data["pair"]), bg_run)


def test_configuration_errors_are_clear(data, tmp_path):
    with pytest.raises(ValueError, match="batch size 3 is larger than the dataset: 2 samples"):
        Trainer(tiny_config("background", data["pair"], batch_size=3), tmp_path / "a", show_progress=False).run()
    with pytest.raises(ValueError, match="--amp .* needs a CUDA device"):
        Trainer(tiny_config("background", data["pair"], amp=True, device="cpu"), tmp_path / "b")
    with pytest.raises(ValueError, match="--sync-bn needs CUDA"):
        Trainer(tiny_config("matting", data["pair"], sync_bn=True, device="cpu"), tmp_path / "c")
    with pytest.raises(ValueError, match="no source for the background and foreground sampler"):
        Trainer(tiny_config("matting", data["pair"]), tmp_path / "d", show_progress=False).run()
    with pytest.raises(ValueError, match="size must be a multiple of 8"):
        tiny_config("background", data["pair"], size=60)
    with pytest.raises(ValueError, match="bg_source must be"):
        tiny_config("foreground", data["pair"], bg_source="guess")
    bad = tmp_path / "cfg.json"
    bad.write_text('{"learning_rate": 0.1}')
    with pytest.raises(ValueError, match="unknown settings: learning_rate"):
        read_config_file(bad)
    photos = tmp_path / "photos"
    for name in ("image", "alpha"):
        (photos / name).mkdir(parents=True)
        for path in (data["root"] / "val" / name).iterdir():
            (photos / name / path.name).write_bytes(path.read_bytes())
    with pytest.raises(ValueError, match="needs the true foreground and background colours"):
        Trainer(tiny_config("background", str(photos)), tmp_path / "e")


def test_tensorboard_missing_is_reported(data, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard") or name == "tensorboard":
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(ValueError, match="pip install tensorboard"):
        Trainer(tiny_config("background", data["pair"], tensorboard=True), tmp_path / "tb")


def test_initialisation_files(data, tmp_path):
    from samplenet.models.matting_network import MattingNetwork

    network = MattingNetwork()
    imagenet_like = {
        k[len("encoder.") :]: (torch.randn_like(v) if v.is_floating_point() else v.clone())
        for k, v in network.state_dict().items()
        if k.startswith("encoder.") and not k.startswith("encoder.layer5")
    }
    imagenet_like["conv1.weight"] = torch.randn(64, 3, 7, 7)
    imagenet_like["fc.weight"] = torch.randn(1000, 2048)
    path = tmp_path / "resnet50.pth"
    torch.save(imagenet_like, path)
    loaded = init_from_resnet50(network, path)
    assert loaded == len(imagenet_like) - 1  # all but fc
    conv1 = network.encoder.conv1.weight
    assert torch.equal(conv1[:, :3], imagenet_like["conv1.weight"]) and not conv1[:, 3:].any()
    assert torch.equal(network.encoder.layer1[0].conv1.weight, imagenet_like["layer1.0.conv1.weight"])

    unrelated = tmp_path / "other.safetensors"
    save_file({"something.else": torch.zeros(3)}, str(unrelated))
    with pytest.raises(WeightsFormatError, match="no tensor matches"):
        Trainer(tiny_config("background", data["pair"], init_deepfill=str(unrelated)), tmp_path / "x",
                show_progress=False).run()
    pickle = tmp_path / "evil.pth"
    torch.save({"model": {"w": torch.zeros(1)}, "fn": print}, pickle)
    with pytest.raises(WeightsFormatError, match="weights_only=True"):
        init_from_resnet50(network, pickle)


def _ddp_worker(rank, world_size, port, data_dir, out, results):
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world_size), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), OMP_NUM_THREADS="1")
    config = build_config("background", data=data_dir, epochs=1, lr=1e-3, device="cpu", **TINY)
    trainer = Trainer(config, out, show_progress=False)
    outcome = trainer.run()
    trainer.sampler.set_epoch(0)
    digest = torch.cat([p.detach().double().flatten() for p in trainer.network.parameters()])
    torch.save({"indices": [i for _, i in trainer.sampler], "params": digest, "steps": outcome.global_step},
               os.path.join(results, f"rank{rank}.pt"))


def test_two_process_ddp_step_with_gloo(data, tmp_path):
    from samplenet.training.stages import new_network

    torch.manual_seed(0)  # the trainer seeds with config.seed (0) before building the network
    initial = torch.cat([p.detach().double().flatten() for p in new_network("background").parameters()])
    # Not fork: threads of earlier tests can hold locks at fork time and hang the workers.  A fork
    # server is a clean process; it imports the heavy modules once (DistributedDataParallel pulls in
    # torch._dynamo) and forks both workers from there.
    multiprocessing.set_forkserver_preload(["torch", "torch._dynamo", "samplenet.training", "test_training"])
    mp.start_processes(_ddp_worker, args=(2, free_port(), data["four"], str(tmp_path / "run"), str(tmp_path)),
                       nprocs=2, start_method="forkserver")
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert ranks[0]["steps"] == ranks[1]["steps"] == 1
    assert not set(ranks[0]["indices"]) & set(ranks[1]["indices"])  # each rank read its own shard
    assert torch.equal(ranks[0]["params"], ranks[1]["params"])  # gradients were averaged
    assert ranks[0]["params"].shape == initial.shape and not torch.equal(ranks[0]["params"], initial)
    meta = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert meta["world_size"] == 2 and meta["global_step"] == 1


def test_deepfill_initialisation_unwraps_checkpoints_and_skips_misfits(tmp_path):
    from samplenet.training.initialisation import init_from_deepfill
    from samplenet.training.stages import new_network

    source = new_network("background")
    path = tmp_path / "deepfill.pth"
    torch.save({"model": {"module." + k: v for k, v in source.state_dict().items()}, "epoch": 3}, path)
    background = new_network("background")
    assert init_from_deepfill(background, path) == len(source.state_dict())
    assert all(torch.equal(v, background.state_dict()[k]) for k, v in source.state_dict().items())
    # the foreground sampler's first convolution is wider (it also reads the background): kept as is
    foreground = new_network("foreground")
    wide = "stage_1.down.out.0.conv.0.weight"
    before = foreground.state_dict()[wide].clone()
    assert init_from_deepfill(foreground, path) == len(foreground.state_dict()) - 1
    assert torch.equal(foreground.state_dict()[wide], before)
    assert torch.equal(foreground.state_dict()["stage_2.up.out.0.conv.0.weight"],
                       source.state_dict()["stage_2.up.out.0.conv.0.weight"])


def test_learning_rate_schedules():
    from samplenet.training.trainer import _lr_factor

    poly = _lr_factor(build_config("matting", data="d", epochs=2, lr_schedule="poly", lr_power=1.0), 5)
    assert [poly(s) for s in (0, 5, 10)] == [1.0, 0.5, 0.0]
    step = _lr_factor(build_config("matting", data="d", epochs=4, lr_schedule="step", lr_milestones=[1, 3],
                                   lr_gamma=0.1), 5)
    assert [step(s) for s in (4, 5, 14, 15)] == pytest.approx([1.0, 0.1, 0.1, 0.01])
    constant = _lr_factor(build_config("matting", data="d"), 5)
    assert constant(0) == constant(1000) == 1.0
    with pytest.raises(ValueError, match="lr_schedule must be"):
        build_config("matting", data="d", lr_schedule="cosine")
