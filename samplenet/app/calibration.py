"""Measuring each loaded engine's speed on this device, once, while the
server starts, so that the first visitor's working size is chosen from this
machine's speed rather than the reference machine's (see
:mod:`samplenet.budget.cost_model`; later runs keep correcting it)."""
from __future__ import annotations

import logging
import threading

from ..budget import cost_model
from .engines import EngineRegistry
from .run_budget import engine_slot

logger = logging.getLogger("samplenet.app")


def calibrate_engines(registry: EngineRegistry) -> dict[str, float]:
    """Time one small run of each engine (holding the engine slot, so no
    visitor's run overlaps it); returns the seconds by engine name. An engine
    that fails is logged and keeps the reference speed."""
    measured = {}
    for name, matter in registry.engines.items():
        model = cost_model.model_for(matter)
        try:
            with engine_slot():
                measured[name] = model.calibrate(matter)
        except Exception:  # noqa: BLE001 - a start-up measurement must not stop the server
            logger.exception("timing the %s engine failed; its runs are planned at the reference speed", name)
            continue
        logger.info("%s engine on this %s: %.2f s for the calibration photo (%.2fx the reference CPU's time)",
                    name, model.device, measured[name], model.scale)
    return measured


def calibrate_in_background(registry: EngineRegistry) -> threading.Thread:
    """:func:`calibrate_engines` in a daemon thread (the server starts meanwhile)."""
    thread = threading.Thread(target=calibrate_engines, args=(registry,), name="calibrate-engines", daemon=True)
    thread.start()
    return thread
