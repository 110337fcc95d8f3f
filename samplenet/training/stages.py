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
    sources.load_part_into(network, source, part)
    return _frozen(network, device)


def new_network(part: str) -> nn.Module:
    """A freshly initialised network of one part of SampleNet."""
    if part == "background":
        from ..models.attention_common import TRAINING_ATTENTION
        from ..models.background_sampler import BackgroundSampler

        return BackgroundSampler(attention=TRAINING_ATTENTION)
    if part == "foreground":
        from ..models.attention_common import TRAINING_ATTENTION
        from ..models.foreground_sampler import ForegroundSampler

        return ForegroundSampler(attention=TRAINING_ATTENTION)
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


class SamplerStage(Stage):
    """Training one of the two inpainting samplers: reconstruction losses
    against the true colours (hence ``needs_true_colours``)."""

    loss_names = ("total", "hole", "whole")
    needs_true_colours = True
    colour = ""  # "bg" or "fg": the true colours this sampler learns

    def initialise(self, network: nn.Module) -> None:
        if self.config.init_deepfill:
            init_from_deepfill(network, self.config.init_deepfill)

    def predict(self, network, image, regions, batch):
        """The sampler's InpaintingOutput for a batch (network range)."""
        raise NotImplementedError

    def hole(self, regions: pipeline.Regions) -> torch.Tensor:
        raise NotImplementedError

    def valid(self, batch) -> torch.Tensor | None:
        """Where the true colour means something (``None``: everywhere)."""
        return None

    def losses(self, network, batch):
        batch = self._to_device(batch)
        image = pipeline.to_network(batch["image"])
        regions = pipeline.Regions.from_trimap(batch["trimap"])
        output = self.predict(network, image, regions, batch)
        return inpainting_losses(
            output.coarse.float(),
            output.refined.float(),
            pipeline.to_network(batch[self.colour]),
            self.hole(regions),
            self.valid(batch),
            whole_image_weight=self.config.whole_image_weight,
            coarse_weight=self.config.coarse_weight,
        )

    @torch.no_grad()
    def validate(self, network, samples) -> dict[str, float]:
        """Mean absolute colour error (0-255 scale) of the sampled colours on
        the unknown region, where the matting network will use them."""
        errors = []
        for sample in samples:
            if self.colour not in sample:
                logger.warning("validation: %s has no true %s colours; skipped", sample["name"], self.colour)
                continue
            height, width = sample["alpha"].shape
            batch = {
                name: _as_batch(sample[name]) for name in ("image", "fg", "bg", "alpha", "trimap") if name in sample
            }
            batch = self._to_device({name: pipeline.pad_to_multiple(value)[0] for name, value in batch.items()})
            image = pipeline.to_network(batch["image"])
            regions = pipeline.Regions.from_trimap(batch["trimap"])
            sampled = pipeline.to_unit(self.predict(network, image, regions, batch).refined.float())
            region = regions.unknown
            valid = self.valid(batch)
            if valid is not None:
                region = region * valid
            region = region[..., :height, :width]
            if region.sum() == 0:
                continue
            diff = (sampled - batch[self.colour].flip(1)).abs()[..., :height, :width]
            errors.append(float((diff * region).sum() / (3 * region.sum())) * 255.0)
        return {f"{self.colour}_l1_unknown": float(np.mean(errors))} if errors else {}


def _as_batch(array: np.ndarray) -> torch.Tensor:
    """HxW or HxWxC NumPy array -> 1xCxHxW float tensor."""
    tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    return tensor[None, None] if tensor.dim() == 2 else tensor.permute(2, 0, 1)[None]


class BackgroundStage(SamplerStage):
    name = "background"
    colour = "bg"

    def predict(self, network, image, regions, batch):
        return network(image, regions.bg_hole, regions.bg_hole_small)

    def hole(self, regions):
        return regions.bg_hole


class ForegroundStage(SamplerStage):
    name = "foreground"
    colour = "fg"

    def prepare_frozen(self, recorded_sources=None) -> None:
        self.background = None
        if self.config.bg_source == "predicted":
            found = recorded_sources or sources.resolve_sampler_sources(self.config.samplers, ("background",))
            self.sampler_sources = {"background": found["background"]}
            self.background = _load_part("background", found["background"], self.device)

    def predict(self, network, image, regions, batch):
        """Given the true background, or the frozen sampler's, in the unknown
        region and the image elsewhere, exactly as SampleNet feeds it."""
        if self.background is None:
            bg = pipeline.to_network(batch["bg"])
        else:
            with torch.no_grad():
                bg = self.background(image, regions.bg_hole, regions.bg_hole_small).refined
        bg_given = torch.where(regions.unknown.bool(), bg, image)
        return network(image, regions.fg_hole, regions.fg_hole_small, bg_given)

    def hole(self, regions):
        return regions.fg_hole

    def valid(self, batch):
        # The foreground colour is unobservable where alpha is 0, so the
        # target there is arbitrary: leave those pixels out.
        return (batch["alpha"] > 0).float()


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
            image, _ = pipeline.pad_to_multiple(_as_batch(sample["image"]))
            trimap, _ = pipeline.pad_to_multiple(_as_batch(sample["trimap"]))
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
