"""Session-wide training fixtures: tiny synthetic sets and short runs of
the three stages (shared by the training test modules, so each network
is trained once per test session)."""
from __future__ import annotations

import pytest
from training_settings import tiny_config

from samplenet.data.synth import write_synthetic_dataset
from samplenet.training import Trainer


@pytest.fixture(scope="session")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("training")
    return {
        "pair": str(write_synthetic_dataset(root / "pair", 2, size=96, seed=1).root),
        "four": str(write_synthetic_dataset(root / "four", 4, size=96, seed=2).root),
        "val": str(write_synthetic_dataset(root / "val", 2, size=64, seed=3, layout="plain").root),
        "root": root,
    }


@pytest.fixture(scope="session")
def sampler_runs(data):
    """Both samplers overfitted for 4 steps on one fixed batch."""
    runs = {}
    for stage in ("background", "foreground"):
        out = data["root"] / stage
        config = tiny_config(stage, data["pair"], epochs=4, lr=3e-4, fixed_augmentation=True, val=data["val"])
        runs[stage] = (out, Trainer(config, out, show_progress=False).run())
    return runs


@pytest.fixture(scope="session")
def matting_run(data, sampler_runs):
    out = data["root"] / "matting"
    samplers = [str(sampler_runs["background"][0]), str(sampler_runs["foreground"][0])]
    config = tiny_config("matting", data["pair"], epochs=3, lr=1e-4, fixed_augmentation=True, samplers=samplers,
                         val=data["val"])
    trainer = Trainer(config, out, show_progress=False)
    return out, trainer.run(), trainer
