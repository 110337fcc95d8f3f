"""The three training stages of SampleNet.

Each stage knows which network it trains, which networks it freezes, how
it computes its losses from a batch and how it validates:

1. ``background``: the background sampler learns to inpaint the true
   background in the foreground + unknown hole.
2. ``foreground``: the foreground sampler learns to inpaint the true
   foreground in the background + unknown hole, given the true or the
   (frozen sampler's) predicted background.
3. ``matting``: the matting network learns alpha from the image and the
   colours sampled by both frozen samplers.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
from torch import nn

from . import pipeline, sources
from .config import TrainConfig
from .initialisation import init_from_deepfill, init_from_resnet50
from .losses import inpainting_losses, matting_losses

logger = logging.getLogger("samplenet")


def _frozen(module: nn.Module, device: torch.device) -> nn.Module:
    module.to(device).eval()
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    return module


def _load_part(part: str, source: str, device: torch.device) -> nn.Module:
    network = new_network(part)
    network.load_state_dict(sources.part_state_dict(source, part), strict=True)
    return _frozen(network, device)


def new_network(part: str) -> nn.Module:
    """A freshly initialised network of one part of SampleNet."""
    if part == "background":
        from ..models.background_sampler import BackgroundSampler

        return BackgroundSampler()
    if part == "foreground":
        from ..models.foreground_sampler import ForegroundSampler

        return ForegroundSampler()
    if part == "matting":
        from ..models.matting_network import MattingNetwork

        return MattingNetwork()
    raise ValueError(f"unknown network {part!r}")


class Stage:
    """Common parts; subclasses fill in the losses and the validation."""

    name = ""
    loss_names: tuple[str, ...] = ()
    needs_true_colours = False

    def __init__(self, config: TrainConfig, device: torch.device) -> None:
        self.config = config
        self.device = device
        self.sampler_sources: dict[str, str] = {}

    def build(self) -> nn.Module:
        return new_network(self.name)

    def initialise(self, network: nn.Module) -> None:
        """Apply the configured starting weights (fresh runs only)."""

    def prepare_frozen(self, recorded_sources: dict[str, str] | None = None) -> None:
        """Load the frozen helper networks (``recorded_sources`` on resume)."""

    def losses(self, network: nn.Module, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def validate(self, network: nn.Module, samples) -> dict[str, float]:
        raise NotImplementedError

    def _to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}


class BackgroundStage(Stage):
    name = "background"
    loss_names = ("total", "hole", "whole")
    needs_true_colours = True

    def initialise(self, network: nn.Module) -> None:
        if self.config.init_deepfill:
            init_from_deepfill(network, self.config.init_deepfill)

    def predict(self, network, image, regions, batch):
        return network(image, regions.bg_hole, regions.bg_hole_small)

    def target(self, batch):
        return pipeline.to_network(batch["bg"]), None

    def hole(self, regions):
        return regions.bg_hole

    def losses(self, network, batch):
        batch = self._to_device(batch)
        image = pipeline.to_network(batch["image"])
        regions = pipeline.Regions.from_trimap(batch["trimap"])
        output = self.predict(network, image, regions, batch)
        target, valid = self.target(batch)
        return inpainting_losses(
            output.coarse.float(),
            output.refined.float(),
            target,
            self.hole(regions),
            valid,
            whole_image_weight=self.config.whole_image_weight,
            coarse_weight=self.config.coarse_weight,
        )

    @torch.no_grad()
    def validate(self, network, samples) -> dict[str, float]:
        """Mean absolute colour error (0-255 scale) of the sampled colours on
        the unknown region, where the matting network will use them."""
        errors = []
        key = "bg" if self.name == "background" else "fg"
        for sample in samples:
            if key not in sample:
                logger.warning("validation: %s has no true %s colours; skipped", sample["name"], key)
                continue
            batch = {
                name: torch.from_numpy(np.ascontiguousarray(sample[name])).float()[None]
                for name in ("image", "fg", "bg", "alpha", "trimap")
                if name in sample
            }
            batch = {n: (v.permute(0, 3, 1, 2) if v.dim() == 4 else v[:, None]) for n, v in batch.items()}
            batch = {n: pipeline.pad_to_multiple(v)[0] for n, v in batch.items()}
            batch = self._to_device(batch)
            height, width = sample["alpha"].shape
            image = pipeline.to_network(batch["image"])
            regions = pipeline.Regions.from_trimap(batch["trimap"])
            output = self.predict(network, image, regions, batch).refined.float()
            target, _ = self.target(batch)
            region = regions.unknown
            if key == "fg":
                region = region * (batch["alpha"] > 0).float()
            region = region[..., :height, :width]
            if region.sum() == 0:
                continue
            diff = (pipeline.to_unit(output) - pipeline.to_unit(target)).abs()[..., :height, :width]
            errors.append(float((diff * region).sum() / (3 * region.sum())) * 255.0)
        return {f"{key}_l1_unknown": float(np.mean(errors))} if errors else {}


class ForegroundStage(BackgroundStage):
    name = "foreground"

    def prepare_frozen(self, recorded_sources=None) -> None:
        self.background = None
        if self.config.bg_source == "predicted":
            found = recorded_sources or sources.resolve_sampler_sources(self.config.samplers, ("background",))
            self.sampler_sources = {"background": found["background"]}
            self.background = _load_part("background", found["background"], self.device)

    def predict(self, network, image, regions, batch):
        if self.background is None:
            bg = pipeline.to_network(batch["bg"])
        else:
            with torch.no_grad():
                bg = self.background(image, regions.bg_hole, regions.bg_hole_small).refined
        bg_given = torch.where(regions.unknown.bool(), bg, image)
        return network(image, regions.fg_hole, regions.fg_hole_small, bg_given)

    def target(self, batch):
        # The foreground colour is unobservable where alpha is 0, so the
        # target there is arbitrary: leave those pixels out of the loss.
        return pipeline.to_network(batch["fg"]), (batch["alpha"] > 0).float()

    def hole(self, regions):
        return regions.fg_hole


class MattingStage(Stage):
    name = "matting"
    loss_names = ("total", "alpha", "composition", "gradient")

    def initialise(self, network: nn.Module) -> None:
        if self.config.init_resnet50:
            init_from_resnet50(network, self.config.init_resnet50)

    def prepare_frozen(self, recorded_sources=None) -> None:
        found = recorded_sources or sources.resolve_sampler_sources(self.config.samplers)
        self.sampler_sources = dict(found)
        self.background = _load_part("background", found["background"], self.device)
        self.foreground = _load_part("foreground", found["foreground"], self.device)

    def _alpha(self, network, image, trimap):
        regions = pipeline.Regions.from_trimap(trimap)
        with torch.no_grad():
            fg, bg = pipeline.sample_colours(self.background, self.foreground, image, regions)
        prediction = network(pipeline.matting_input(image, fg, bg, trimap)).float()
        return pipeline.paste_known(prediction, trimap), fg.float(), bg.float(), regions

    def losses(self, network, batch):
        batch = self._to_device(batch)
        image = pipeline.to_network(batch["image"])
        alpha, fg, bg, regions = self._alpha(network, image, batch["trimap"])
        return matting_losses(
            alpha, batch["alpha"], pipeline.to_unit(fg), pipeline.to_unit(bg), pipeline.to_unit(image), regions.unknown
        )

    @torch.no_grad()
    def validate(self, network, samples) -> dict[str, float]:
        """SAD, MSE, gradient and connectivity errors of the full SampleNet
        pipeline at the validation images' resolution."""
        from .validation import matting_metrics

        totals: dict[str, list[float]] = {}
        for sample in samples:
            height, width = sample["alpha"].shape
            image = torch.from_numpy(np.ascontiguousarray(sample["image"])).permute(2, 0, 1)[None].float()
            trimap = torch.from_numpy(sample["trimap"].astype(np.float32))[None, None]
            image, _ = pipeline.pad_to_multiple(image)
            trimap, _ = pipeline.pad_to_multiple(trimap)
            alpha, *_ = self._alpha(network, pipeline.to_network(image.to(self.device)), trimap.to(self.device))
            predicted = alpha[0, 0, :height, :width].cpu().numpy()
            for name, value in matting_metrics(predicted, sample["alpha"], sample["trimap"]).items():
                totals.setdefault(name, []).append(value)
        return {name: float(np.mean(values)) for name, values in totals.items()}


STAGE_CLASSES: dict[str, type[Stage]] = {
    "background": BackgroundStage,
    "foreground": ForegroundStage,
    "matting": MattingStage,
}


def make_stage(config: TrainConfig, device: torch.device) -> Stage:
    return STAGE_CLASSES[config.stage](config, device)


def stage_meta(stage: Stage) -> dict[str, Any]:
    return {"sampler_sources": stage.sampler_sources} if stage.sampler_sources else {}
