"""How many seconds a matting run will take, predicted before it runs.

The app must choose a working size that fits its time budget (see
:mod:`samplenet.budget.working_size`), so it needs each engine's time as a function
of what a run's cost depends on (:class:`RunShape`): the pixels the networks
run on, and for SampleNet the contextual attention's work, which grows with
the samplers' pixels times their *known* pixels (every position is a query;
only known patches are scored as keys, so unknown pixels make the attention
cheaper and the rest of the network costs the same).

The *shape* of each engine's cost (how time grows with those quantities) was
fitted once to quiet measurements on a 2-core CPU (:data:`REFERENCE_CPU`,
docs/run-budget.md has the figures and the fit). The *speed* of the device
at hand is one factor, :attr:`CostModel.scale`: measured once per process by
:meth:`CostModel.calibrate` (a small run on the device the engine uses) and
then corrected after every run by :meth:`CostModel.observe`, so a slower
machine, a busier one or a GPU are learnt from the runs the process does.
"""
from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engines.resampling import sampling_size
from ..models.samplenet import SIZE_MULTIPLE

#: Weights of a new observation in the running (log-space) speed factor, for
#: a run slower and a run faster than predicted. Learning "slower" fast and
#: "faster" slowly trades a little size for fewer runs cut short: on a shared
#: machine one lucky fast run must not make the next run too big (measured:
#: with 0.5 both ways a 12 MP photo was planned after a run that was 2.2x
#: faster than predicted, and the next run took 3x its prediction).
SLOWER_WEIGHT = 0.75
FASTER_WEIGHT = 0.25

#: Side of the synthetic portrait :meth:`CostModel.calibrate` times (about
#: 0.1 MP: about 1 s for SampleNet on the reference CPU, milliseconds on a GPU).
CALIBRATION_SIDE = 320


@dataclass(frozen=True)
class RunShape:
    """What a run's cost depends on, in megapixels.

    ``pixels``: where the networks run (the working size, padded to a
    multiple of 8); ``sampler_pixels``: where SampleNet's two samplers run
    (smaller with ``sampling_max_side``); ``sampler_known``: the samplers'
    known pixels, the attention's keys."""

    pixels: float
    sampler_pixels: float
    sampler_known: float

    @classmethod
    def of(cls, height: int, width: int, unknown_share: float, sampling_max_side: int | None = None) -> RunShape:
        """The shape of a run on a ``height x width`` photo whose trimap is
        ``unknown_share`` unknown, with the samplers capped at ``sampling_max_side``."""
        padded_h = -(-height // SIZE_MULTIPLE) * SIZE_MULTIPLE
        padded_w = -(-width // SIZE_MULTIPLE) * SIZE_MULTIPLE
        sampled = sampling_size(padded_h, padded_w, sampling_max_side) or (padded_h, padded_w)
        sampler_pixels = sampled[0] * sampled[1] / 1e6
        known = min(max(1.0 - float(unknown_share), 0.0), 1.0)
        return cls(padded_h * padded_w / 1e6, sampler_pixels, sampler_pixels * known)


@dataclass(frozen=True)
class Coefficients:
    """Seconds on the reference CPU = ``fixed + per_mp * P + per_mp2 * P**2
    + attention * Ps * Ks`` (``P``, ``Ps``, ``Ks`` of :class:`RunShape`).

    The ``P**2`` term is not an algorithm's: it is the full-resolution
    network slowing per pixel as its tensors outgrow the caches and the
    memory-reuse thresholds fall (see :mod:`samplenet.allocator`)."""

    fixed: float
    per_mp: float
    per_mp2: float
    attention: float

    def seconds(self, shape: RunShape) -> float:
        return (self.fixed + self.per_mp * shape.pixels + self.per_mp2 * shape.pixels**2
                + self.attention * shape.sampler_pixels * shape.sampler_known)


#: Each engine's cost on the reference machine (a 2-core x86-64 VM, 2
#: threads, memory reuse on, quiet): SampleNet's fitted to ``bench budget
#: --parts model`` on GT01 (exact 0.25-1 MP, samplers at 640 px at 1-4 MP,
#: at 512 px at 12 MP) and the 320 px calibration run, every point within
#: 5 %; docs/run-budget.md has the data and the fit.  (The first fit, to an
#: older ``bench speed`` table, had a fixed cost of 2 s and a P**2 term 14
#: times larger: it over-predicted small and very large runs, and the
#: calibration run, at 0.1 MP, then set the device's speed 2.3 times too fast.)
REFERENCE_CPU = {
    "samplenet": Coefficients(fixed=0.13, per_mp=7.42, per_mp2=0.12, attention=12.8),
    # the weight-free engine solves at most 200k unknown pixels and spends
    # the rest on colours at full size: about linear (0.3 s at 0.25 MP, 7.6 s at 4 MP)
    "classical": Coefficients(fixed=0.05, per_mp=1.7, per_mp2=0.05, attention=0.0),
}


class CostModel:
    """Predicted seconds of one engine's runs on the device it runs on.

    Args:
        engine: ``"samplenet"`` or ``"classical"`` (a key of :data:`REFERENCE_CPU`).
        device: words for the device (``"CPU"``, ``"GPU"``), for status lines.
        scale: the device's speed factor against the reference CPU (1.0 =
            as fast; 0.05 = twenty times faster); ``None`` = not yet measured.
    """

    def __init__(self, engine: str, device: str = "CPU", scale: float | None = None) -> None:
        if engine not in REFERENCE_CPU:
            raise ValueError(f"no cost model for engine {engine!r}; known: {', '.join(REFERENCE_CPU)}")
        if scale is not None and not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a positive number, got {scale!r}")
        self.engine = engine
        self.device = device
        self.coefficients = REFERENCE_CPU[engine]
        self._scale = scale
        self._lock = threading.Lock()
        self.observations = 0

    @property
    def calibrated(self) -> bool:
        """Whether the device's speed has been measured (by a calibration or a run)."""
        return self._scale is not None

    @property
    def scale(self) -> float:
        """The speed factor in force (1.0 until anything was measured)."""
        return 1.0 if self._scale is None else self._scale

    def predict(self, shape: RunShape) -> float:
        """Expected seconds of a run of this shape on this device."""
        return self.scale * self.coefficients.seconds(shape)

    def observe(self, shape: RunShape, seconds: float) -> None:
        """Learn from a run that took ``seconds``: the first measurement sets
        the speed factor, later ones move it part way (in log space): most of
        the way towards a slower speed, a quarter of the way towards a faster
        one (:data:`SLOWER_WEIGHT`, :data:`FASTER_WEIGHT`)."""
        if not (math.isfinite(seconds) and seconds > 0):
            return
        ratio = seconds / self.coefficients.seconds(shape)
        with self._lock:
            if self._scale is None:
                self._scale = ratio
            else:
                weight = SLOWER_WEIGHT if ratio > self._scale else FASTER_WEIGHT
                self._scale = math.exp((1 - weight) * math.log(self._scale) + weight * math.log(ratio))
            self.observations += 1

    def calibrate(self, run: Callable[[np.ndarray, np.ndarray], Any], side: int = CALIBRATION_SIDE) -> float:
        """Time ``run(image, trimap)`` on a small synthetic portrait (after an
        untimed warm-up at 64 px) and learn from it as from a run
        (:meth:`observe`); returns the seconds measured."""
        from ..benchmarks.speed import synthetic_portrait

        run(*synthetic_portrait(64))
        image, trimap = synthetic_portrait(side)
        start = time.perf_counter()
        run(image, trimap)
        seconds = time.perf_counter() - start
        self.observe(RunShape.of(side, side, float(np.mean(trimap == 128))), seconds)
        return seconds


def device_words(device: Any) -> str:
    """``"GPU"`` for a CUDA device (a ``torch.device`` or its name), else ``"CPU"``."""
    return "GPU" if str(getattr(device, "type", device)).startswith("cuda") else "CPU"


#: Each engine object's model (weak: a model never keeps an engine alive).
_models: weakref.WeakKeyDictionary[Any, CostModel] = weakref.WeakKeyDictionary()
_models_lock = threading.Lock()


def model_for(matter: Any) -> CostModel:
    """The one :class:`CostModel` of this engine object in this process
    (made on first use, uncalibrated)."""
    with _models_lock:
        model = _models.get(matter)
        if model is None:
            model = _models[matter] = CostModel(matter.name, device_words(getattr(matter, "device", "cpu")))
        return model
