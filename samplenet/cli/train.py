"""``samplenet train {background,foreground,matting} --data DIR --out RUN``.

Runs in one process (CPU or one GPU) or under ``torchrun`` on many GPUs
and machines.  Every setting ends up in ``RUN/config.json``; flags override
``--config`` which overrides the stage's defaults.
"""
from __future__ import annotations

import argparse
import dataclasses
import os

from ..training.config import RUNTIME_KEYS, STAGES, build_config, load_run_config, read_config_file

# flag dest -> config key, for the flags that set a config entry
_FLAG_KEYS = {
    "data": "data",
    "val": "val",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "lr": "lr",
    "weight_decay": "weight_decay",
    "device": "device",
    "amp": "amp",
    "sync_bn": "sync_bn",
    "init_deepfill": "init_deepfill",
    "init_resnet50": "init_resnet50",
    "bg_source": "bg_source",
    "samplers": "samplers",
    "tensorboard": "tensorboard",
    "size": "size",
    "workers": "num_workers",
    "seed": "seed",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train one of SampleNet's networks (background, foreground, matting)",
        description="Train one stage: 'background' (background sampler), 'foreground' (foreground sampler), "
        "'matting' (matting network with both samplers frozen). Multi-GPU: torchrun --nproc_per_node=N "
        "-m samplenet train ... Ctrl-C / SIGTERM saves a checkpoint; --resume continues it exactly.",
    )
    parser.add_argument("stage", choices=STAGES, help="which network to train")
    parser.add_argument("--data", default=None, help="training dataset folder (composition or plain layout)")
    parser.add_argument("--out", required=True, help="run folder: config.json, checkpoint/, logs, weights/")
    parser.add_argument("--config", default=None, help="JSON file of settings (flags override it)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    parser.add_argument("--val", default=None, help="validation folder, evaluated after every epoch")
    parser.add_argument("--epochs", type=int, default=None, help="number of epochs (default 10)")
    parser.add_argument("--batch-size", type=int, default=None, help="per process")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (matting default 1e-5)")
    parser.add_argument("--weight-decay", type=float, default=None, help="(matting default 1e-4)")
    parser.add_argument("--size", type=int, default=None, help="training crop size after resizing (default 320)")
    parser.add_argument("--workers", type=int, default=None, help="DataLoader workers per process (default 2)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of initial weights, data order and augmentation (default 0)")
    parser.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: CUDA when available)")
    parser.add_argument("--amp", action="store_const", const=True, default=None, help="mixed precision (CUDA)")
    parser.add_argument("--sync-bn", action="store_const", const=True, default=None,
                        help="SyncBatchNorm across processes (torchrun)")
    parser.add_argument("--init-deepfill", default=None, metavar="PATH",
                        help="samplers: start from DeepFill v1 inpainting weights (.safetensors or .pth)")
    parser.add_argument("--init-resnet50", default=None, metavar="PATH",
                        help="matting: start the encoder from an ImageNet ResNet-50 state dict file")
    parser.add_argument("--bg-source", choices=("true", "predicted"), default=None,
                        help="foreground stage: condition on the true background (default) or the one "
                        "predicted by the background sampler given in --samplers")
    parser.add_argument("--samplers", nargs="+", default=None, metavar="RUN_OR_WEIGHTS",
                        help="frozen samplers: a background run and a foreground run, or SampleNet weights")
    parser.add_argument("--tensorboard", action="store_const", const=True, default=None,
                        help="also log to RUN/tensorboard (needs the tensorboard package)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _same(a, b) -> bool:
    def norm(value):
        return list(value) if isinstance(value, (list, tuple)) else value

    return norm(a) == norm(b)


def config_from_args(args: argparse.Namespace):
    """The run's configuration: a fresh one, or the saved one on --resume
    (where only settings that do not change the computation may differ)."""
    given = {_FLAG_KEYS[dest]: getattr(args, dest) for dest in _FLAG_KEYS if getattr(args, dest) is not None}
    if not args.resume:
        if "data" not in given:
            raise ValueError("--data is required (the training dataset folder)")
        file_settings = read_config_file(args.config) if args.config else None
        return build_config(args.stage, file_settings, **given)
    if args.config:
        raise ValueError("--resume uses the run's own config.json; --config cannot be combined with it")
    saved = load_run_config(args.out)
    if saved.stage != args.stage:
        raise ValueError(f"cannot resume: {args.out} holds a {saved.stage} run, not a {args.stage} run")
    changes = {}
    for key, value in given.items():
        current = getattr(saved, key)
        if _same(value, current):
            continue
        if key not in RUNTIME_KEYS:
            raise ValueError(
                f"cannot change {key} when resuming (the run uses {current!r}); start a new run to change it"
            )
        changes[key] = value
    return dataclasses.replace(saved, **changes).validate()


def run(args: argparse.Namespace) -> int:
    from ..training.trainer import Trainer

    config = config_from_args(args)
    try:
        outcome = Trainer(config, args.out, resume=args.resume, show_progress=not args.no_progress).run()
    except FloatingPointError as exc:  # a diverged run: say so in one line, like other errors
        raise ValueError(str(exc)) from None
    if os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 speaks for all
        return 0
    if outcome.losses:
        first, last = outcome.losses[0]["total"], outcome.losses[-1]["total"]
        print(f"{config.stage}: {outcome.status} after epoch {outcome.epoch}, step {outcome.global_step}; "
              f"total loss {first:.4f} -> {last:.4f}")
    else:
        print(f"{config.stage}: nothing left to train (epoch {outcome.epoch} of {config.epochs}).")
    if outcome.status == "interrupted":
        print(f"checkpoint saved; continue with: samplenet train {config.stage} --out {args.out} --resume")
    return 0
