"""``samplenet export``: turn training runs into the Hub weights format.

The three networks may come from different places: one run per stage, a
matting run (which records the sampler sources it was trained with) or an
existing weights folder for any part.  They are assembled into one
SampleNet and written with :func:`samplenet.weights.save_pretrained`, so
``samplenet.load(engine="samplenet", weights=OUT)`` and ``samplenet push``
work on the result.
"""
from __future__ import annotations

import logging
from pathlib import Path

from . import checkpoint, sources

logger = logging.getLogger("samplenet")


def plan_export(
    run: str | None = None,
    background: str | None = None,
    foreground: str | None = None,
    matting: str | None = None,
) -> dict[str, str]:
    """Which source provides each network; errors name what is missing or
    contradictory."""
    explicit = {"background": background, "foreground": foreground, "matting": matting}
    plan = {part: source for part, source in explicit.items() if source}
    if run is not None:
        if not sources.is_run_dir(run):
            raise FileNotFoundError(f"{run} is not a training run (no {checkpoint.CHECKPOINT_DIR}/state.json)")
        meta = checkpoint.read_meta(run)
        stage = meta["stage"]
        if stage in plan and sources.describe(plan[stage]) != sources.describe(run):
            raise ValueError(f"{run} is a {stage} run, but --{stage} names another source ({plan[stage]})")
        plan[stage] = run
        for part, recorded in (meta.get("sampler_sources") or {}).items():
            plan.setdefault(part, recorded)
    missing = [part for part in sources.PARTS if part not in plan]
    if missing:
        flags = " ".join(f"--{part} RUN_OR_WEIGHTS" for part in missing)
        raise ValueError(f"no source for the {', '.join(missing)} network(s); add {flags}")
    for part, source in plan.items():
        if sources.is_run_dir(source) and sources.run_stage(source) != part:
            raise ValueError(f"--{part} {source} is a {sources.run_stage(source)} run, not a {part} run")
    return plan


def export_weights(
    out: str | Path,
    run: str | None = None,
    background: str | None = None,
    foreground: str | None = None,
    matting: str | None = None,
) -> Path:
    """Assemble SampleNet from the planned sources and save it to ``out``."""
    from ..weights import save_pretrained
    from ..weights.pretrained import build_model

    plan = plan_export(run, background, foreground, matting)
    model = build_model()
    training = {}
    for part, source in plan.items():
        sources.load_part_into(getattr(model, part), source, part)
        entry = {"source": sources.describe(source)}
        if sources.is_run_dir(source):
            meta = checkpoint.read_meta(source)
            entry.update(epoch=meta.get("epoch"), global_step=meta.get("global_step"))
        training[part] = entry
        logger.info("%s network from %s", part, entry["source"])
    extra = {"training": training, "provenance": {"source": "exported from training runs with samplenet export"}}
    return save_pretrained(model, out, extra_config=extra)
