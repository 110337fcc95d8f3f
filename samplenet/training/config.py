"""All hyper-parameters of one training run, in one JSON file.

A run's settings come from three layers, later ones winning: the stage's
defaults (:data:`STAGE_DEFAULTS`), an optional ``--config cfg.json`` and the
command-line flags.  The result is saved as ``RUN_DIR/config.json`` beside
the checkpoints, so a run can always be reproduced and resumed.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

STAGES = ("background", "foreground", "matting")

#: Settings that may change when a run is resumed: they decide where and
#: how long it runs, not what it computes.
RUNTIME_KEYS = frozenset({"epochs", "device", "num_workers", "val", "tensorboard", "data", "val_max_side"})


@dataclass
class TrainConfig:
    stage: str
    data: str = ""
    val: str | None = None
    epochs: int = 10
    batch_size: int = 8  # per process
    optimizer: str = "adam"  # adam | adamw
    lr: float = 1e-4
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.5, 0.999)
    lr_schedule: str = "constant"  # constant | poly | step
    lr_milestones: list[int] = field(default_factory=list)  # epochs, for "step"
    lr_gamma: float = 0.1
    lr_power: float = 0.9
    grad_clip: float = 5.0  # max gradient norm; 0 disables
    size: int = 320
    crop_sizes: list[int] = field(default_factory=lambda: [320, 480, 640])
    backgrounds_per_foreground: int = 10
    trimap_kernel: tuple[int, int] = (3, 25)
    colour_jitter: bool = True
    fixed_augmentation: bool = False  # same crops every epoch: overfitting sanity checks
    num_workers: int = 2
    seed: int = 0
    amp: bool = False
    sync_bn: bool = False
    device: str | None = None
    whole_image_weight: float = 0.1  # samplers: weight of the whole-image L1
    coarse_weight: float = 1.0  # samplers: weight of the coarse output's L1
    bg_source: str = "true"  # foreground stage: "true" or "predicted" background
    samplers: list[str] = field(default_factory=list)
    init_deepfill: str | None = None
    init_resnet50: str | None = None
    tensorboard: bool = False
    val_max_side: int = 640
    keep_epoch_weights: bool = True

    def validate(self) -> TrainConfig:
        """Raise ValueError naming the first setting that cannot work."""
        problems = []
        if self.stage not in STAGES:
            problems.append(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        for name in ("epochs", "batch_size", "size", "backgrounds_per_foreground", "val_max_side"):
            if int(getattr(self, name)) < 1:
                problems.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.size % 8:
            problems.append(f"size must be a multiple of 8 (the network stride), got {self.size}")
        if self.lr <= 0:
            problems.append(f"lr must be positive, got {self.lr}")
        if self.weight_decay < 0 or self.grad_clip < 0:
            problems.append("weight_decay and grad_clip must not be negative")
        if self.num_workers < 0:
            problems.append(f"num_workers must not be negative, got {self.num_workers}")
        if self.optimizer not in ("adam", "adamw"):
            problems.append(f"optimizer must be adam or adamw, got {self.optimizer!r}")
        if self.lr_schedule not in ("constant", "poly", "step"):
            problems.append(f"lr_schedule must be constant, poly or step, got {self.lr_schedule!r}")
        if self.bg_source not in ("true", "predicted"):
            problems.append(f"bg_source must be 'true' or 'predicted', got {self.bg_source!r}")
        if not self.crop_sizes or min(self.crop_sizes) < 8:
            problems.append(f"crop_sizes must be a non-empty list of sizes >= 8, got {self.crop_sizes}")
        low, high = self.trimap_kernel
        if not 1 <= low <= high:
            problems.append(f"trimap_kernel must be [low, high] with 1 <= low <= high, got {list(self.trimap_kernel)}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            problems.append(f"betas must be two numbers in [0, 1), got {list(self.betas)}")
        if problems:
            raise ValueError("invalid training configuration: " + "; ".join(problems))
        return self

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("betas", "trimap_kernel"):
            data[key] = list(data[key])
        return data

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")


STAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    # DeepFill v1 trains its generator with Adam, lr 1e-4, beta1 0.5.
    "background": {"lr": 1e-4, "weight_decay": 0.0, "betas": (0.5, 0.999)},
    "foreground": {"lr": 1e-4, "weight_decay": 0.0, "betas": (0.5, 0.999)},
    # The reference's train.py: Adam, lr 1e-5, weight decay 1e-4.
    "matting": {"lr": 1e-5, "weight_decay": 1e-4, "betas": (0.9, 0.999), "batch_size": 16},
}

_FIELD_NAMES = {f.name for f in fields(TrainConfig)}


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The settings of a ``--config`` JSON file; unknown keys are an error
    (a typo would otherwise be silently ignored)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} does not exist")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"config file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"config file {path} must hold a JSON object of settings")
    unknown = sorted(set(data) - _FIELD_NAMES)
    if unknown:
        raise ValueError(f"config file {path} has unknown settings: {', '.join(unknown)}")
    return data


def build_config(stage: str, file_settings: dict[str, Any] | None = None, **overrides: Any) -> TrainConfig:
    """Stage defaults, then the config file, then explicit overrides (values
    of ``None`` mean "not given")."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
    settings: dict[str, Any] = dict(STAGE_DEFAULTS[stage])
    file_settings = dict(file_settings or {})
    if file_settings.get("stage", stage) != stage:
        raise ValueError(f"the config file is for stage {file_settings['stage']!r}, not {stage!r}")
    file_settings.pop("stage", None)
    settings.update(file_settings)
    settings.update({k: v for k, v in overrides.items() if v is not None})
    unknown = sorted(set(settings) - _FIELD_NAMES)
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(unknown)}")
    for key in ("betas", "trimap_kernel"):
        if key in settings:
            settings[key] = tuple(settings[key])
    return TrainConfig(stage=stage, **settings).validate()


def load_run_config(run_dir: str | Path) -> TrainConfig:
    """The config a run was started with (``RUN_DIR/config.json``)."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a training run: {path} is missing")
    data = read_config_file(path)
    if "stage" not in data:
        raise ValueError(f"{path} does not say which stage it trains ('stage' is missing)")
    stage = data.pop("stage")
    return build_config(stage, data)
