"""Training SampleNet's three networks: losses, stages, the trainer,
checkpoints and export to the Hub format.

Typical use is the command line (``samplenet train``, ``samplenet
export``); in Python::

    from samplenet.training import Trainer, build_config
    config = build_config("background", data="data/train", epochs=2)
    Trainer(config, "runs/bg").run()
"""
from .config import TrainConfig, build_config, load_run_config
from .trainer import Trainer, TrainOutcome

__all__ = ["TrainConfig", "TrainOutcome", "Trainer", "build_config", "load_run_config"]
