"""Choosing an engine: ``samplenet.load``.

Two engines share one interface (:class:`~samplenet.engines.base.Matter`):

* ``"samplenet"``: the three learned networks; needs weights.
* ``"classical"``: weight-free sampling + matting-Laplacian propagation.

``"auto"`` takes SampleNet when weights are found and otherwise falls back
to the weight-free engine, saying so through :mod:`logging` and in
``matter.fallback_reason``.
"""
from __future__ import annotations

import logging
from typing import Any

from ..errors import MattingInputError, WeightsNotFoundError
from ..io import quoted
from .base import Matter

logger = logging.getLogger("samplenet")

ENGINES = ("auto", "samplenet", "classical")


def load(
    engine: str = "auto",
    weights: str | None = None,
    device: str | None = None,
    **options: Any,
) -> Matter:
    """Build a matting engine.

    Args:
        engine: ``"auto"``, ``"samplenet"`` or ``"classical"``.
        weights: for SampleNet, a Hugging Face Hub repo id or a local folder
            holding ``model.safetensors`` + ``config.json``; defaults to the
            ``SAMPLENET_WEIGHTS`` environment variable.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...; ``None`` picks CUDA
            when available.
        **options: passed to the engine's constructor.

    Loading changes no process-wide setting (threads, allocator); see
    :func:`samplenet.tune_process` for the opt-in.

    Raises:
        WeightsNotFoundError: ``engine="samplenet"`` and no weights found.
        MattingInputError: ``threads=`` (a process setting, not an engine's).
        ValueError: unknown engine name.
    """
    if "threads" in options:
        raise MattingInputError(
            "threads is not an engine option: the thread count is process-wide. Call "
            "samplenet.tune_process(threads=N) once at start-up (N from 1 to a few times the CPU count)."
        )
    if engine not in ENGINES:
        raise ValueError(f"Unknown engine {quoted(engine)}; choose one of {', '.join(ENGINES)}.")
    if engine in ("samplenet", "auto"):
        try:
            from .samplenet_engine import SampleNetMatter

            return SampleNetMatter.from_pretrained(weights, device=device, **options)
        except WeightsNotFoundError as exc:
            if engine == "samplenet":
                raise
            logger.warning("SampleNet weights not found; using the weight-free engine. %s", exc)
            # The options were meant for SampleNet (half, size, attention...);
            # only the input limit applies to every engine.
            shared = {k: v for k, v in options.items() if k == "max_pixels"}
            dropped = sorted(set(options) - set(shared))
            if dropped:
                logger.info("weight-free engine ignores SampleNet options: %s", ", ".join(dropped))
            matter = _classical(**shared)
            matter.fallback_reason = str(exc)
            return matter
    return _classical(**options)


def _classical(**options: Any) -> Matter:
    from .classical import ClassicalMatter

    return ClassicalMatter(**options)


__all__ = ["Matter", "load", "ENGINES"]
