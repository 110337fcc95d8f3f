"""The engine's tunable parameters, their defaults and their validation.

Parameters are global, never tuned per image; each says in its docstring
why it has the value it has.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class ClassicalOptions:
    """Options of :class:`~samplenet.engines.classical.ClassicalMatter`.

    Every value is global (never tuned per image).  The flow weights and
    neighbour counts are information-flow matting's published values; which
    of the sampling parts to keep (the sampled-pair term, the trimap
    expansion) was chosen by two-fold cross-validation on alphamatting.com
    training images (``samplenet bench quality --cv --cv-candidates``).

    Attributes:
        epsilon: regularisation of the closed-form matting Laplacian
            (Levin et al.'s 1e-7: the colour-line model holds almost exactly
            in 3x3 windows; larger values blur edges).
        radius: window radius of the Laplacian (1 = 3x3 windows: larger
            windows break the colour-line model at hair).
        local_weight: weight of the Laplacian (information-flow matting's
            1: it carries alpha across short distances, where colour alone
            is ambiguous).
        mixture_neighbours: neighbours of the colour-mixture flow (each
            unknown pixel's colour and position as a locally linear mix of
            this many nearest pixels; 8 rather than the paper's 20: every
            neighbour adds to the cost of each solver iteration, and more
            bought almost nothing on held-out images (docs/weight-free-engine.md, quality).
        known_neighbours: foreground and background neighbours of the
            known-to-unknown flow (the paper's 7 per side).
        known_weight: weight of the known-to-unknown estimate (the paper's
            0.05): it anchors alpha where the unknown region is wide.
        unknown_neighbours: neighbours of the intra-unknown flow (the
            paper's 5).
        unknown_weight: its weight (the paper's 0.01: it only has to carry
            alpha between unknown pixels of nearly the same colour).
        position_scale: weight of pixel position (in units of the image's
            longer side) against colour in the flows' neighbour searches.
        confidence_weight: weight of the sampled-pair data term, scaled by
            each pair's confidence; 0 turns it off.  The pair is trusted
            only where it explains the pixel well (``sigma``) and its two
            colours differ, so it cannot overrule the flows on translucent
            or low-contrast pixels.
        distance_prior_weight: weight of a prior that alpha rises with the
            distance to the sure background, applied only as far as the
            sampled pair cannot explain a pixel
            (:mod:`samplenet.classical.distance_prior`, for translucent
            subjects whose own colour the trimap never shows); 0 turns it off.
        distance_prior_scale: its length scale, as a fraction of the image's
            longer side.
        neighbours: foreground and background colour candidates per
            unknown pixel for the sampled pair.
        spatial_scale: weight of pixel distance against colour distance when
            choosing candidates.
        band: candidates (and the known-to-unknown flow's neighbours) come
            from known pixels at most this many pixels from the unknown
            region: far pixels are rarely the right colour and slow the search.
        stride: of those, only every ``stride``-th row and column is searched
            (neighbouring known pixels are near duplicates).
        sigma: colour-distortion scale of the sample confidence.
        fix_confidence, fix_margin: an unknown pixel whose sampled alpha is
            within ``fix_margin`` of 0 or 1 with confidence above
            ``fix_confidence`` is taken as pure background/foreground and
            leaves the linear system (a trimap expansion, as
            information-flow matting does: faster, and it stops the
            smoothness terms from smearing alpha into clean regions).
            ``fix_confidence=1`` turns this off.
        preconditioner: ``"ichol"`` or ``"jacobi"`` for conjugate gradients.
        iterations_per_side: the conjugate-gradient budget is this many
            iterations per pixel of the unknown region's side
            (``sqrt(unknown pixels)``), at least 50: CG needs about as many
            iterations as alpha has to travel pixels.  When it is spent the
            best iterate is returned and ``result.info`` says so.
        max_iterations: a cap on that budget.
        max_unknown_pixels: with more unknown pixels than this, alpha is
            solved on a scaled-down copy holding this many and scaled back:
            the solve's cost grows faster than the pixel count, and so large
            an unknown region comes from a rough sketch, not from a
            hair-fine trimap (it keeps a 1 MP photo with any trimap within
            about 30 s on two cores).
        tolerance: conjugate-gradient relative residual at which to stop
            (the solve starts from the known-to-unknown estimate, already
            close; a tighter stop costs iterations for changes in alpha far
            below the errors).
        foreground_regularization: smoothness of the final
            foreground/background colour estimation (pymatting's
            ``estimate_foreground_ml``).
        foreground_iterations: its iterations per full-resolution level
            (pymatting's ``n_big_iterations``; its default 2 costs twice the
            time for colours that differ by about 2 %).
    """

    epsilon: float = 1e-7
    radius: int = 1
    local_weight: float = 1.0
    mixture_neighbours: int = 8
    known_neighbours: int = 7
    known_weight: float = 0.05
    unknown_neighbours: int = 5
    unknown_weight: float = 0.01
    position_scale: float = 1.0
    confidence_weight: float = 0.003
    distance_prior_weight: float = 0.0
    distance_prior_scale: float = 0.03
    neighbours: int = 6
    spatial_scale: float = 0.1
    band: int = 20
    stride: int = 3
    sigma: float = 0.1
    fix_confidence: float = 0.9
    fix_margin: float = 0.05
    preconditioner: str = "ichol"
    iterations_per_side: float = 3.0
    max_iterations: int = 2000
    max_unknown_pixels: int = 200_000
    tolerance: float = 1e-4
    foreground_regularization: float = 1e-5
    foreground_iterations: int = 1

    def updated(self, **changes: Any) -> ClassicalOptions:
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

    def validated(self) -> ClassicalOptions:
        """Check every value; raise ``ValueError`` naming the bad one."""
        _positive_number("epsilon", self.epsilon)
        _whole("radius", self.radius, 1, 5)
        _number("local_weight", self.local_weight, minimum=0.0)
        _whole("mixture_neighbours", self.mixture_neighbours, 0, 64)
        _whole("known_neighbours", self.known_neighbours, 1, 64)
        _number("known_weight", self.known_weight, minimum=0.0)
        _whole("unknown_neighbours", self.unknown_neighbours, 1, 64)
        _number("unknown_weight", self.unknown_weight, minimum=0.0)
        _number("position_scale", self.position_scale, minimum=0.0)
        _number("confidence_weight", self.confidence_weight, minimum=0.0)
        _number("distance_prior_weight", self.distance_prior_weight, minimum=0.0)
        _positive_number("distance_prior_scale", self.distance_prior_scale)
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
        _positive_number("iterations_per_side", self.iterations_per_side)
        _whole("max_iterations", self.max_iterations, 1, 1_000_000)
        _whole("max_unknown_pixels", self.max_unknown_pixels, 1_000, 100_000_000)
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
