"""The training loop shared by the three stages.

One :class:`Trainer` per process.  It builds the data pipeline, the
network of the configured stage (wrapped in DistributedDataParallel under
``torchrun``), Adam and the learning-rate schedule, then runs epochs:
mixed precision on CUDA, gradient clipping, a checkpoint after every epoch
and whenever SIGINT/SIGTERM asks it to stop, validation at the end of each
epoch, a CSV log, optional TensorBoard and a progress bar with the running
losses.

Exact resumption rests on three facts: a sample's augmentation depends only
on ``(seed, epoch, index)``; the data order only on ``(seed, epoch)``; and
the torch random state (dropout) is re-seeded from ``(seed, rank, step)``
before every step.  Restoring network, optimiser, scheduler, scaler, epoch
and the number of batches done therefore replays the same computation.
"""
from __future__ import annotations

import csv
import logging
import signal
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader

from ..data import EpochSampler, TrainingSet, ValidationSet, find_dataset, seed_worker
from ..data.layout import DatasetFiles
from . import checkpoint, distributed
from .config import TrainConfig
from .stages import STAGE_CLASSES, Stage, make_stage, stage_meta

logger = logging.getLogger("samplenet")


@dataclass
class TrainOutcome:
    """What a call to :meth:`Trainer.run` did."""

    status: str  # "finished" or "interrupted"
    epoch: int  # epochs completed
    global_step: int
    losses: list[dict[str, float]] = field(default_factory=list)  # per step, this call only
    validation: list[dict[str, float]] = field(default_factory=list)


def _step_seed(seed: int, rank: int, step: int) -> int:
    return (seed * 1_000_003 + rank * 7_919 + step) % (2**63 - 1)


def _lr_factor(config: TrainConfig, steps_per_epoch: int) -> Callable[[int], float]:
    total = max(config.epochs * steps_per_epoch, 1)
    if config.lr_schedule == "poly":
        return lambda step: max(1.0 - step / total, 0.0) ** config.lr_power
    if config.lr_schedule == "step":
        milestones = sorted(config.lr_milestones)
        return lambda step: config.lr_gamma ** sum(step // steps_per_epoch >= m for m in milestones)
    return lambda step: 1.0


class Trainer:
    """Train one stage into ``run_dir`` (see the module docstring).

    ``on_step(trainer, info)`` is called after each optimiser step (tests
    and tools use it to observe or interrupt training).
    """

    def __init__(
        self,
        config: TrainConfig,
        run_dir: str | Path,
        resume: bool = False,
        on_step: Callable[[Trainer, dict], None] | None = None,
        show_progress: bool = True,
    ) -> None:
        self.config = config.validate()
        self.run_dir = Path(run_dir)
        self.resume = resume
        self.on_step = on_step
        self.show_progress = show_progress
        self.stop_requested = False
        self._check_run_dir()
        on_cuda = (config.device or ("cuda" if torch.cuda.is_available() else "cpu")).startswith("cuda")
        if config.amp and not on_cuda:
            raise ValueError("--amp (mixed precision) needs a CUDA device; drop --amp to train on the CPU")
        if config.sync_bn and not on_cuda:
            raise ValueError("--sync-bn needs CUDA devices (PyTorch's SyncBatchNorm is GPU-only); drop it on the CPU")
        if config.tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter  # noqa: F401 (only checks it is installed)
            except ImportError:
                raise ValueError("--tensorboard needs the tensorboard package: pip install tensorboard") from None
        self.files = find_dataset(config.data)
        self.stage: Stage | None = None
        self._check_dataset(self.files)
        self.val_files = find_dataset(config.val) if config.val else None

    # ---------------------------------------------------------------- checks
    def _check_run_dir(self) -> None:
        if self.run_dir.exists() and not self.run_dir.is_dir():
            raise ValueError(f"--out {self.run_dir} is a file, not a folder")
        exists = checkpoint.has_checkpoint(self.run_dir)
        if self.resume and not exists:
            raise FileNotFoundError(f"cannot resume: {self.run_dir} holds no checkpoint (checkpoint/state.json)")
        if not self.resume and (exists or (self.run_dir / "config.json").exists()):
            raise ValueError(
                f"{self.run_dir} already holds a training run; pass --resume to continue it "
                "or choose another --out"
            )

    def _check_dataset(self, files: DatasetFiles) -> None:
        if STAGE_CLASSES[self.config.stage].needs_true_colours and not files.has_true_colours:
            raise ValueError(
                f"the {self.config.stage} stage needs the true foreground and background colours, but "
                f"{files.root} has only image/ and alpha/; add fg/ and bg/ (plain layout) or use the "
                "composition layout (fg/, alpha/, bg/)"
            )

    # ------------------------------------------------------------- building
    def _build(self, info: distributed.ProcessInfo) -> None:
        config = self.config
        self.info = info
        self.device = info.device
        self.dataset = TrainingSet(
            self.files,
            size=config.size,
            crop_sizes=config.crop_sizes,
            backgrounds_per_foreground=config.backgrounds_per_foreground,
            trimap_kernel=tuple(config.trimap_kernel),
            colour_jitter=config.colour_jitter,
            seed=config.seed,
            fixed_augmentation=config.fixed_augmentation,
        )
        self.sampler = EpochSampler(
            len(self.dataset), config.batch_size, info.world_size, info.rank, seed=config.seed
        )
        self.loader = DataLoader(
            self.dataset,
            batch_size=config.batch_size,
            sampler=self.sampler,
            num_workers=config.num_workers,
            worker_init_fn=seed_worker,
            pin_memory=self.device.type == "cuda",
            # the sampler runs in this process, so workers can live across epochs
            persistent_workers=config.num_workers > 0,
        )
        torch.manual_seed(config.seed)  # identical initial weights on every rank
        self.stage = make_stage(config, self.device)
        self.network = self.stage.build()
        if config.sync_bn and info.distributed:
            self.network = nn.SyncBatchNorm.convert_sync_batchnorm(self.network)
        self.network.to(self.device)
        self.model = self.network
        if info.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.model = nn.parallel.DistributedDataParallel(self.network, device_ids=ids)
        params = [p for p in self.network.parameters() if p.requires_grad]
        optimiser_class = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
        self.optimiser = optimiser_class(
            params, lr=config.lr, betas=tuple(config.betas), weight_decay=config.weight_decay
        )
        self.steps_per_epoch = self.sampler.batches_per_epoch
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimiser, _lr_factor(config, self.steps_per_epoch))
        self.scaler = torch.amp.GradScaler("cuda", enabled=config.amp)
        self.epoch, self.batches_done, self.global_step = 0, 0, 0

    def _restore_or_initialise(self) -> None:
        if self.resume:
            meta = checkpoint.read_meta(self.run_dir)
            state = checkpoint.load_model_state(self.run_dir)
            checkpoint.check_compatible(self.run_dir, meta, self.config.stage, self.network, state)
            self.network.load_state_dict(state)
            training = checkpoint.load_training_state(self.run_dir)
            self.optimiser.load_state_dict(training["optimizer"])
            self.scheduler.load_state_dict(training["scheduler"])
            if training.get("scaler"):
                self.scaler.load_state_dict(training["scaler"])
            self.epoch = int(meta["epoch"])
            self.batches_done = int(meta["batches_done"])
            self.global_step = int(meta["global_step"])
            self.stage.prepare_frozen(meta.get("sampler_sources") or None)
            if self.batches_done and meta.get("steps_per_epoch") != self.steps_per_epoch:
                logger.warning(  # on every rank: each skips part of its own shard
                    "the run was interrupted mid-epoch with %s batches per epoch, now there are %d "
                    "(another number of processes?); the rest of that epoch will not match exactly",
                    meta.get("steps_per_epoch"), self.steps_per_epoch)
                self.batches_done = min(self.batches_done, self.steps_per_epoch)
            if self.info.is_main:
                logger.info("resuming %s at epoch %d, batch %d (step %d)", self.run_dir, self.epoch + 1,
                            self.batches_done, self.global_step)
        else:
            self.stage.initialise(self.network)
            self.stage.prepare_frozen()

    # -------------------------------------------------------------- logging
    def _open_logs(self) -> None:
        self.train_csv = self.val_csv = None
        self.writer = None
        if not self.info.is_main:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.config.save(self.run_dir / "config.json")
        train_path = self.run_dir / "train_log.csv"
        new = not train_path.exists()
        self._train_file = open(train_path, "a", newline="")
        self.train_csv = csv.writer(self._train_file)
        if new:
            self.train_csv.writerow(["epoch", "step", "lr", *(f"loss_{n}" for n in self.stage.loss_names)])
        if self.config.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.run_dir / "tensorboard"))

    def _close_logs(self) -> None:
        if self.train_csv is not None:
            self._train_file.close()
        if self.writer is not None:
            self.writer.close()

    def _log_validation(self, results: dict[str, float]) -> None:
        """One row per epoch in val_log.csv (``epoch`` = epochs completed)."""
        path = self.run_dir / "val_log.csv"
        names = sorted(results)
        new = not path.exists()
        with open(path, "a", newline="") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(["epoch", "step", *names])
            writer.writerow([self.epoch, self.global_step, *(f"{results[n]:.6g}" for n in names)])
        if self.writer is not None:
            for name, value in results.items():
                self.writer.add_scalar(f"val/{name}", value, self.global_step)
        logger.info("validation after epoch %d: %s", self.epoch,
                    ", ".join(f"{n} {results[n]:.4g}" for n in names))

    # -------------------------------------------------------------- signals
    def request_stop(self, signum=None, _frame=None) -> None:
        """Ask the loop to save a checkpoint and return after this step.
        A second Ctrl-C while waiting stops at once (without saving)."""
        if self.stop_requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if signum is not None and self.info.is_main:
            logger.warning("received %s: finishing this step, then saving a checkpoint",
                           signal.Signals(signum).name)
        self.stop_requested = True

    def _install_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, self.request_stop)
        return previous

    # --------------------------------------------------------------- saving
    def _save(self) -> None:
        if not self.info.is_main:
            return
        meta = {
            "stage": self.config.stage,
            "architecture": type(self.network).__name__,
            "epoch": self.epoch,  # epochs completed
            "batches_done": self.batches_done,
            "steps_per_epoch": self.steps_per_epoch,
            "global_step": self.global_step,
            "world_size": self.info.world_size,
            **stage_meta(self.stage),
        }
        training = {
            "optimizer": self.optimiser.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict() if self.config.amp else None,
        }
        checkpoint.save_checkpoint(self.run_dir, self.network.state_dict(), training, meta)

    # ---------------------------------------------------------------- steps
    def _train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        torch.manual_seed(_step_seed(self.config.seed, self.info.rank, self.global_step))
        autocast = (
            torch.autocast(device_type="cuda", dtype=torch.float16) if self.config.amp else nullcontext()
        )
        with autocast:
            losses = self.stage.losses(self.model, batch)
        total = losses["total"]
        if not torch.isfinite(total):
            raise FloatingPointError(
                f"the training loss became {total.item()} at step {self.global_step}; lower --lr "
                "or check the data (the last checkpoint is intact)"
            )
        self.optimiser.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        if self.config.grad_clip > 0:
            self.scaler.unscale_(self.optimiser)
            nn.utils.clip_grad_norm_(self.network.parameters(), self.config.grad_clip)
        self.step_lr = self.optimiser.param_groups[0]["lr"]  # the rate this step used, for the log
        self.scaler.step(self.optimiser)
        self.scaler.update()
        self.scheduler.step()
        return losses

    def _validate(self) -> dict[str, float]:
        results: dict[str, float] = {}
        if self.val_files is not None and self.info.is_main:
            self.network.eval()
            samples = _downscaled(
                ValidationSet(self.val_files, tuple(self.config.trimap_kernel)), self.config.val_max_side
            )
            results = self.stage.validate(self.network, samples)
            self.network.train()
            if results:
                self._log_validation(results)
        distributed.barrier(self.info)
        return results

    # ----------------------------------------------------------------- run
    def run(self) -> TrainOutcome:
        info = distributed.setup(self.config.device)
        previous_handlers = {}
        try:
            self._build(info)
            self._restore_or_initialise()
            self._open_logs()
            previous_handlers = self._install_signal_handlers()
            return self._loop()
        finally:
            for sig, handler in previous_handlers.items():
                signal.signal(sig, handler)
            if getattr(self, "train_csv", None) is not None:
                self._close_logs()
            distributed.teardown(info)

    def _loop(self) -> TrainOutcome:
        config = self.config
        outcome = TrainOutcome("finished", self.epoch, self.global_step)
        names = self.stage.loss_names
        self.network.train()
        while self.epoch < config.epochs:
            self.sampler.set_epoch(self.epoch, skip_batches=self.batches_done)
            running = {name: 0.0 for name in names}
            progress = self._progress()
            started = time.time()
            for batch in self.loader:
                losses = self._train_step(batch)
                flags = torch.tensor([losses[n].detach().float().item() for n in names] + [float(self.stop_requested)])
                flags = distributed.average(flags.to(self.device) if self.device.type == "cuda" else flags, self.info)
                values = {n: float(v) for n, v in zip(names, flags[:-1].tolist(), strict=True)}
                self.batches_done += 1
                self.global_step += 1
                outcome.losses.append(values)
                self._record_step(values, running, progress)
                if self.on_step is not None:
                    self.on_step(self, {"epoch": self.epoch, "step": self.global_step, "losses": values})
                if float(flags[-1]) > 0 or self.stop_requested:
                    self.stop_requested = True
                    break
            if progress is not None:
                progress.close()
            if self.stop_requested:
                self._save()
                distributed.barrier(self.info)
                if self.info.is_main:
                    logger.info("interrupted at epoch %d, batch %d: checkpoint saved in %s; continue with "
                                "--resume", self.epoch + 1, self.batches_done, checkpoint.checkpoint_dir(self.run_dir))
                outcome.status = "interrupted"
                break
            if self.info.is_main:
                logger.info("epoch %d/%d done in %.1f s", self.epoch + 1, config.epochs, time.time() - started)
            self.epoch += 1  # epochs completed
            self.batches_done = 0
            self._save()
            if self.info.is_main and config.keep_epoch_weights:
                checkpoint.save_epoch_weights(self.run_dir, self.epoch, self.network.state_dict())
            validation = self._validate()
            if validation:
                outcome.validation.append(validation)
        outcome.epoch, outcome.global_step = self.epoch, self.global_step
        return outcome

    def _progress(self):
        if not (self.show_progress and self.info.is_main):
            return None
        from tqdm import tqdm

        return tqdm(
            total=self.steps_per_epoch,
            initial=self.batches_done,
            desc=f"{self.config.stage} epoch {self.epoch + 1}/{self.config.epochs}",
            dynamic_ncols=True,
        )

    def _record_step(self, values: dict[str, float], running: dict[str, float], progress) -> None:
        if not self.info.is_main:
            return
        for name, value in values.items():
            running[name] += value
        lr = self.step_lr
        self.train_csv.writerow([self.epoch + 1, self.global_step, f"{lr:.6g}", *(f"{values[n]:.6g}" for n in values)])
        self._train_file.flush()
        if self.writer is not None:
            for name, value in values.items():
                self.writer.add_scalar(f"train/{name}", value, self.global_step)
            self.writer.add_scalar("train/lr", lr, self.global_step)
        if progress is not None:
            progress.update(1)
            steps = progress.n - progress.initial
            progress.set_postfix({n: f"{running[n] / max(steps, 1):.4f}" for n in running})


def _downscaled(samples: ValidationSet, max_side: int):
    """Validation samples, shrunk so that the longer side is at most
    ``max_side`` (keeps end-of-epoch validation affordable)."""
    import cv2

    for index in range(len(samples)):
        sample = samples[index]
        height, width = sample["alpha"].shape
        scale = max_side / max(height, width)
        if scale < 1.0:
            size = (max(8, int(round(width * scale))), max(8, int(round(height * scale))))
            for key in ("image", "fg", "bg", "alpha"):
                if key in sample:
                    sample[key] = cv2.resize(sample[key], size, interpolation=cv2.INTER_AREA)
            sample["trimap"] = cv2.resize(sample["trimap"], size, interpolation=cv2.INTER_NEAREST)
        yield sample

