"""Which matting engines this server can run, decided once at start.

The app never calls :func:`samplenet.load` per request: an
:class:`EngineRegistry` is built when the server starts (from
``SAMPLENET_WEIGHTS``) and handed to the UI and the handlers.  Tests build
one directly with the engines they want, without weights or network.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from ..engines import ENGINES
from ..engines.base import Matter
from ..errors import MattingInputError
from ..io import quoted

logger = logging.getLogger("samplenet.app")

#: What a visitor or API caller may ask for: the names ``samplenet.load`` takes.
ENGINE_CHOICES = ENGINES
#: The engines a registry can hold (``"auto"`` is a choice, not an engine).
LOADED_ENGINES = tuple(name for name in ENGINES if name != "auto")

HOW_TO_ENABLE_SAMPLENET = (
    "To enable SampleNet, convert the reference checkpoints with `samplenet convert`, upload them "
    "with `samplenet push` (or keep the folder locally) and set `SAMPLENET_WEIGHTS` to that Hub "
    "repo id or folder before starting the app (on a Space: a variable in its settings)."
)

#: The one line visitors read when SampleNet is not loaded.
WEIGHT_FREE_NOTICE = (
    "**Engine: weight-free classical matting** (SampleNet's trained weights are not loaded here)."
)


class EngineUnavailableError(MattingInputError):
    """The caller asked for an engine this server has not loaded."""


class EngineRegistry:
    """The engines loaded on this server, by name, plus a notice for visitors.

    Args:
        engines: name -> engine, e.g. ``{"classical": ClassicalMatter()}``.
        notice: one line for visitors at the top of the page (which engine
            runs and what that means for them), or ``None`` when SampleNet runs.
        operator_note: why SampleNet is missing and how to enable it, for
            whoever runs the server (the page's collapsed "Run it yourself").
    """

    def __init__(
        self, engines: Mapping[str, Matter], notice: str | None = None, operator_note: str | None = None
    ) -> None:
        if not engines:
            raise ValueError("an EngineRegistry needs at least one engine")
        unknown = set(engines) - set(LOADED_ENGINES)
        if unknown:
            raise ValueError(f"unknown engine names {sorted(unknown)}")
        self.engines = dict(engines)
        self.notice = notice
        self.operator_note = operator_note

    @classmethod
    def from_environment(cls, weights: str | None = None, device: str | None = None) -> EngineRegistry:
        """Load SampleNet from ``weights`` / ``SAMPLENET_WEIGHTS`` when it can and
        the weight-free engine always.  Never raises for missing weights or an
        unreachable Hub: the server then starts on the weight-free engine and
        the notice says why."""
        from .. import load

        engines: dict[str, Matter] = {}
        notice = operator_note = None
        configured = weights or os.environ.get("SAMPLENET_WEIGHTS")
        try:
            engines["samplenet"] = load("samplenet", weights=weights, device=device)
        except Exception as exc:  # missing weights, Hub down, bad files: start anyway
            logger.warning("SampleNet not loaded, running weight-free: %s", exc)
            reason = (
                f"SampleNet weights '{configured}' could not be loaded: {_first_sentence(exc)}"
                if configured
                else "no SampleNet weights are configured (SAMPLENET_WEIGHTS is not set)."
            )
            notice = WEIGHT_FREE_NOTICE
            operator_note = f"{reason} {HOW_TO_ENABLE_SAMPLENET}"
        engines["classical"] = load("classical")
        return cls(engines, notice, operator_note)

    @property
    def available(self) -> list[str]:
        """Engine names a visitor can pick, ``"auto"`` first."""
        return ["auto"] + [name for name in LOADED_ENGINES if name in self.engines]

    @property
    def default_name(self) -> str:
        """What ``"auto"`` means here: SampleNet when loaded."""
        return "samplenet" if "samplenet" in self.engines else "classical"

    def resolve(self, name: str | None) -> Matter:
        """The engine for ``name`` (``"auto"``, ``"samplenet"``, ``"classical"``).

        ``"auto"`` (or an empty choice) picks SampleNet when loaded, else the
        weight-free engine.  Asking for ``"samplenet"`` on a server without
        weights is an error rather than a silent substitution, so a program
        never receives a classical matte believing it is SampleNet's.
        """
        choice = (name or "auto").strip().lower()
        if choice not in ENGINE_CHOICES:
            raise MattingInputError(
                f"Unknown engine {quoted(name)}; choose one of {', '.join(ENGINE_CHOICES)}."
            )
        if choice == "auto":
            choice = self.default_name
        if choice not in self.engines:
            raise EngineUnavailableError(
                f"The '{choice}' engine is not available on this server (no SampleNet weights are "
                "loaded); use 'classical' or 'auto'. Whoever runs the server can enable it with "
                "SAMPLENET_WEIGHTS (README: \"Run it yourself\")."
            )
        return self.engines[choice]


def _first_sentence(exc: BaseException) -> str:
    """The start of an error message, short enough for a banner."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    sentence = text.split(". ")[0].rstrip(".")
    return (sentence[:297] + "...") if len(sentence) > 300 else sentence + "."
