"""The engine's tunable parameters, their defaults and their validation.

Parameters are global: the defaults were chosen once on the
alphamatting.com training images and are never tuned per image.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class ClassicalOptions:
    """Options of :class:`~samplenet.engines.classical.ClassicalMatter`.

    Attributes:
        epsilon: regularisation of the closed-form matting Laplacian; larger
            values give smoother mattes and faster convergence.
        radius: window radius of the Laplacian (1 = 3x3 windows).
        confidence_weight: weight of the sampled-alpha data term relative to
            the Laplacian; 0 turns sampling off (plain closed-form matting).
        neighbours: foreground and background colour candidates per
            unknown pixel.
        spatial_scale: weight of pixel distance against colour distance when
            choosing candidates.
        band: candidates come from known pixels at most this many pixels
            from the unknown region.
        stride: of those, only every ``stride``-th row and column is searched
            (neighbouring known pixels are near duplicates).
        sigma: colour-distortion scale of the sample confidence.
        fix_confidence, fix_margin: an unknown pixel whose sampled alpha is
            within ``fix_margin`` of 0 or 1 with confidence above
            ``fix_confidence`` is taken as pure background/foreground and
            leaves the linear system (a trimap expansion: faster, and it
            stops the Laplacian from smearing alpha into clean regions).
            ``fix_confidence=1`` turns this off.
        preconditioner: ``"ichol"`` or ``"jacobi"`` for conjugate gradients.
        max_iterations: conjugate-gradient iteration cap.
        tolerance: conjugate-gradient relative residual at which to stop.
        foreground_regularization: smoothness of the final
            foreground/background colour estimation (pymatting's
            ``estimate_foreground_ml``).
        foreground_iterations: its iterations per full-resolution level
            (pymatting's ``n_big_iterations``; its default 2 costs twice the
            time for colours that differ by about 2 %).
    """

    epsilon: float = 1e-7
    radius: int = 1
    confidence_weight: float = 0.003
    neighbours: int = 6
    spatial_scale: float = 0.1
    band: int = 20
    stride: int = 3
    sigma: float = 0.1
    fix_confidence: float = 0.9
    fix_margin: float = 0.05
    preconditioner: str = "ichol"
    max_iterations: int = 2000
    tolerance: float = 1e-7
    foreground_regularization: float = 1e-5
    foreground_iterations: int = 1

    def updated(self, **changes: Any) -> "ClassicalOptions":
        """A copy with ``changes`` applied and validated."""
        if not changes:
            return self
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(
                f"Unknown option(s) for the classical engine: {', '.join(unknown)}. "
                f"Valid options: {', '.join(sorted(known))}."
            )
        return replace(self, **changes).validated()

    def validated(self) -> "ClassicalOptions":
        """Check every value; raise ``ValueError`` naming the bad one."""
        _positive_number("epsilon", self.epsilon)
        _whole("radius", self.radius, 1, 5)
        _number("confidence_weight", self.confidence_weight, minimum=0.0)
        _whole("neighbours", self.neighbours, 1, 64)
        _number("spatial_scale", self.spatial_scale, minimum=0.0)
        _whole("band", self.band, 1, 100_000)
        _whole("stride", self.stride, 1, 64)
        _positive_number("sigma", self.sigma)
        _number("fix_confidence", self.fix_confidence, minimum=0.0)
        if self.fix_confidence > 1:
            raise ValueError(f"fix_confidence must be <= 1, got {self.fix_confidence!r}")
        _number("fix_margin", self.fix_margin, minimum=0.0)
        if self.fix_margin >= 0.5:
            raise ValueError(f"fix_margin must be < 0.5, got {self.fix_margin!r}")
        if self.preconditioner not in ("ichol", "jacobi"):
            raise ValueError(f"preconditioner must be 'ichol' or 'jacobi', got {self.preconditioner!r}")
        _whole("max_iterations", self.max_iterations, 1, 1_000_000)
        _positive_number("tolerance", self.tolerance)
        _positive_number("foreground_regularization", self.foreground_regularization)
        _whole("foreground_iterations", self.foreground_iterations, 1, 100)
        return self


def _number(name: str, value: Any, minimum: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")


def _positive_number(name: str, value: Any) -> None:
    _number(name, value, 0.0)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def _whole(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
