"""Choosing the largest working size (and SampleNet's speed options) whose
predicted time fits a time budget.

Used where someone asked for a budget: the app (its per-run budget,
``SAMPLENET_APP_RUN_SECONDS``) and ``max_seconds=`` of an engine call.
Without one, nothing is resized: ``samplenet.load(...)(image, trimap)`` runs
at the photo's size.

The candidates go from the photo's size down in steps of
:data:`PIXEL_STEP` of the pixels; at each size SampleNet tries its samplers
at full size first, then capped at each of :data:`SAMPLING_SIDES` (cheaper
attention, slightly different colours). The first candidate whose predicted
seconds (:mod:`samplenet.budget.cost_model`) fit ``share x budget`` wins: the
largest working size first, the best options at that size second.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cost_model import CostModel, RunShape

#: Share of the budget a run is planned to take. The rest absorbs the cost
#: model's error (within 30 % on the reference machine) and a neighbour's
#: load, so a visitor is not cut short, and keeps the queue moving for the
#: visitors behind.
BUDGET_SHARE = 0.5

#: The share for a library call's ``max_seconds=`` (no queue behind it):
#: room for the cost model's error only (predictions within 30 %).
LIBRARY_SHARE = 1 / 1.3

#: Each smaller candidate has this share of the previous one's pixels.
PIXEL_STEP = 0.85

#: Smallest working side considered (below it a matte says little).
MIN_SIDE = 64

#: SampleNet's reduced-sampling caps, tried in this order after full-size sampling.
SAMPLING_SIDES = (800, 640, 512)


@dataclass(frozen=True)
class SizeChoice:
    """A working size and options, with the prediction that chose them."""

    width: int
    height: int
    scale: float  # working size / photo size (1.0 = the photo's own size)
    options: dict[str, Any] = field(default_factory=dict)
    predicted_seconds: float = 0.0
    planned_seconds: float = 0.0  # the share of the budget the prediction had to fit
    budget_seconds: float = 0.0
    fits: bool = True  # False: even the smallest candidate was predicted over the plan

    @property
    def reduced(self) -> bool:
        return self.scale < 1.0

    @property
    def size_words(self) -> str:
        return f"{self.width}x{self.height}"

    def options_words(self) -> str:
        """The speed options in a visitor's words (empty for none)."""
        side = self.options.get("sampling_max_side")
        return f"colours sampled at {side} px" if side else ""


def candidate_sizes(height: int, width: int, max_pixels: int | None = None) -> list[tuple[int, int, float]]:
    """``(height, width, scale)`` from the photo's size (or the largest that
    fits ``max_pixels``) down to :data:`MIN_SIDE`, each with
    :data:`PIXEL_STEP` of the previous one's pixels."""
    scale = 1.0
    if max_pixels is not None and height * width > max_pixels:
        scale = (max_pixels / float(height * width)) ** 0.5
    sizes = []
    while True:
        h, w = max(1, int(height * scale)), max(1, int(width * scale))
        sizes.append((h, w, scale))
        if min(h, w) * PIXEL_STEP**0.5 < MIN_SIDE:
            return sizes
        scale *= PIXEL_STEP**0.5


def option_sets(engine: str, height: int, width: int) -> list[dict[str, Any]]:
    """The speed options to try at one size, best quality first."""
    if engine != "samplenet":
        return [{}]
    return [{}] + [{"sampling_max_side": side} for side in SAMPLING_SIDES if side < max(height, width)]


def choose_working_size(
    model: CostModel,
    height: int,
    width: int,
    unknown_share: float,
    budget_seconds: float,
    share: float = BUDGET_SHARE,
    max_pixels: int | None = None,
) -> SizeChoice:
    """The largest working size (then the best options at it) predicted to
    finish within ``share x budget_seconds``; the smallest candidate, with
    ``fits=False``, if none is."""
    if not budget_seconds > 0:
        raise ValueError(f"budget_seconds must be positive, got {budget_seconds!r}")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    plan = share * budget_seconds
    choice = None
    for h, w, scale in candidate_sizes(height, width, max_pixels):
        for options in option_sets(model.engine, h, w):
            predicted = model.predict(RunShape.of(h, w, unknown_share, options.get("sampling_max_side")))
            choice = SizeChoice(w, h, scale, options, predicted, plan, budget_seconds, predicted <= plan)
            if choice.fits:
                return choice
    assert choice is not None  # candidate_sizes always yields the first size
    return choice


def describe_choice(choice: SizeChoice, device: str) -> str:
    """The status line's words for a budgeted choice ("" at full size with no option)."""
    options = choice.options_words()
    if not choice.reduced and not options:
        return ""
    what = f"matted at {choice.size_words}" if choice.reduced else "matted at full size"
    if options:
        what += f", {options},"
    why = f"to fit the {choice.budget_seconds:g} s budget on this {device}"
    if not choice.fits:
        why = (f"the smallest size tried; predicted {choice.predicted_seconds:.0f} s where "
               f"{choice.planned_seconds:.0f} s of the {choice.budget_seconds:g} s budget on this {device} "
               "were planned")
        return f"{what[0].upper()}{what[1:]} ({why})."
    return f"{what[0].upper()}{what[1:]} {why} (predicted {choice.predicted_seconds:.0f} s)."
