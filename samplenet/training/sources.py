"""Where trained sampler (and matting) weights come from.

A *source* is either a training run folder (``samplenet train ... --out
RUN``: one network, its stage recorded in the checkpoint) or SampleNet
weights in the Hub format (a local folder or a Hub repo id, read with
:func:`samplenet.weights.load_pretrained`: all three networks).  The
matting stage freezes samplers from sources; ``samplenet export`` combines
sources into one Hub folder.
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import WeightsFormatError
from . import checkpoint

PARTS = ("background", "foreground", "matting")


def is_run_dir(source: str | Path) -> bool:
    return checkpoint.has_checkpoint(source)


def describe(source: str | Path) -> str:
    """A source as recorded in run metadata: absolute path for local
    folders, the repo id otherwise."""
    path = Path(source)
    return str(path.resolve()) if path.exists() else str(source)


def run_stage(run_dir: str | Path) -> str:
    return checkpoint.read_meta(run_dir)["stage"]


def part_state_dict(source: str | Path, part: str) -> dict[str, torch.Tensor]:
    """The state dict of one network (``part``) from a source."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
    if is_run_dir(source):
        stage = run_stage(source)
        if stage != part:
            raise ValueError(f"{source} is a {stage} run; it cannot provide the {part} network")
        return checkpoint.load_model_state(source)
    from ..weights import load_pretrained

    model = load_pretrained(str(source), device="cpu")
    return getattr(model, part).state_dict()


def load_part_into(network: torch.nn.Module, source: str | Path, part: str) -> None:
    """Load one network's weights from a source, strictly; a misfit becomes
    a WeightsFormatError naming the source and the first differences."""
    try:
        network.load_state_dict(part_state_dict(source, part), strict=True)
    except RuntimeError as exc:
        details = " ".join(str(exc).split())[:400]
        raise WeightsFormatError(f"{source}: the {part} weights do not fit the network: {details}") from None


def resolve_sampler_sources(
    sources: list[str], needed: tuple[str, ...] = ("background", "foreground")
) -> dict[str, str]:
    """Map ``background`` and ``foreground`` to the source that provides
    each: run folders give their own stage, Hub weights give both (unless a
    run already gave one).  A matting run gives the samplers it was trained
    with.  Missing or doubly given samplers are errors."""
    found: dict[str, str] = {}
    from_weights: list[str] = []
    for source in sources:
        if is_run_dir(source):
            meta = checkpoint.read_meta(source)
            if meta["stage"] == "matting":
                for part, recorded in (meta.get("sampler_sources") or {}).items():
                    found.setdefault(part, recorded)
                continue
            part = meta["stage"]
            if part in found:
                raise ValueError(f"two sources give the {part} sampler: {found[part]} and {source}")
            found[part] = describe(source)
        elif Path(source).is_dir() and not (Path(source) / "config.json").is_file():
            raise FileNotFoundError(
                f"sampler source {source} is neither a training run (no checkpoint/state.json) "
                "nor a SampleNet weights folder (no config.json)"
            )
        else:
            from_weights.append(describe(source))
    for source in from_weights:
        for part in ("background", "foreground"):
            found.setdefault(part, source)
    missing = [part for part in needed if part not in found]
    if missing:
        wanted = " and ".join(f"a {part} run" for part in needed)
        raise ValueError(
            f"no source for the {' and '.join(missing)} sampler; pass --samplers with {wanted}, "
            "or SampleNet weights"
        )
    return {part: found[part] for part in needed}
