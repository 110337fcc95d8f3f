"""The weight-free engine: information-flow matting with sampled colours.

Works with no downloaded weights, so it is what ``samplenet.load("auto")``
falls back to.  Steps (see :mod:`samplenet.classical` for each):

1. sample a foreground and a background colour for every unknown pixel
   from nearby known pixels of similar colour, keeping the pair that best
   explains the pixel as a mix; this gives an alpha estimate and a
   confidence; confidently pure pixels join the known regions;
2. solve one sparse linear system for alpha over the remaining unknown
   pixels: information-flow matting's colour-mixture, known-to-unknown and
   intra-unknown flows, the closed-form matting Laplacian and the sampled
   alpha where the sampled pair is reliable, by conjugate gradients with an
   incomplete-Cholesky preconditioner and an iteration budget;
3. estimate the final foreground and background colours for that alpha.

Degenerate trimaps are answered before any of this: with only one known
label the answer is that label everywhere (with a note in ``result.info``),
with none a :class:`~samplenet.errors.MattingInputError` says what to paint.
"""
from __future__ import annotations

import time
from dataclasses import asdict, fields
from typing import Any

import cv2
import numpy as np

from ..classical.colours import estimate_colours
from ..classical.distance_prior import with_distance_prior
from ..classical.options import ClassicalOptions
from ..classical.propagation import FlowWeights, solve_alpha
from ..classical.sampling import boundary_band, confidently_pure, sample_colours
from ..errors import MattingInputError
from ..io import BACKGROUND, FOREGROUND, UNKNOWN
from ..result import MattingResult
from ..trimap_scale import shrink_trimap
from .base import Matter

ONLY_UNKNOWN_MESSAGE = (
    "The trimap is grey (unknown) everywhere, so there is nothing to learn foreground and background "
    "from: paint some of the subject white (foreground) and some of the surroundings black (background)."
)


class ClassicalMatter(Matter):
    """Weight-free matting engine (name ``"classical"``).

    Args:
        max_pixels: largest accepted image (see :mod:`samplenet.io`).
        **options: any field of
            :class:`~samplenet.classical.options.ClassicalOptions`
            (``epsilon``, ``confidence_weight``, ``max_iterations``,
            ``tolerance``...).  Unknown names or bad values raise
            ``ValueError``.  The same options may be given per call.
        colours: ``False`` skips step 3 (foreground and background are the
            photo itself), for callers that use alpha alone, such as the
            Auto tool's trial mattes (:mod:`samplenet.segmentation.refine`).
    """

    name = "classical"

    def __init__(self, max_pixels: int | None = None, *, colours: bool = True, **options: Any) -> None:
        super().__init__(max_pixels=max_pixels)
        self.colours = colours
        self.options = ClassicalOptions().validated().updated(**options)
        self.fallback_reason: str | None = None

    def predict_arrays(self, image: np.ndarray, trimap: np.ndarray, **options: Any) -> MattingResult:
        opts = self.options.updated(**options)
        has_fg = bool(np.any(trimap == FOREGROUND))
        has_bg = bool(np.any(trimap == BACKGROUND))
        if not has_fg and not has_bg:
            raise MattingInputError(ONLY_UNKNOWN_MESSAGE)
        if not (has_fg and has_bg):
            return self._one_label(image, trimap, FOREGROUND if has_fg else BACKGROUND, opts)
        unknowns = int(np.count_nonzero(trimap == UNKNOWN))
        if unknowns > opts.max_unknown_pixels:
            return self._matte_reduced(image, trimap, opts, unknowns)
        return self._matte(image, trimap, opts)

    def _matte_reduced(
        self, image: np.ndarray, trimap: np.ndarray, opts: ClassicalOptions, unknowns: int
    ) -> MattingResult:
        """Solve on a copy scaled so that it has ``max_unknown_pixels``
        unknown pixels, then scale alpha back and estimate colours at full
        size: the solve's cost grows faster than the pixel count, and a
        huge unknown region is a rough sketch, not a hair-fine trimap."""
        start = time.perf_counter()
        h, w = trimap.shape
        scale = float(np.sqrt(opts.max_unknown_pixels / unknowns))
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small_image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        small_trimap = shrink_trimap(trimap, size)
        small = self._matte(small_image, small_trimap, opts)
        alpha = cv2.resize(small.alpha, (w, h), interpolation=cv2.INTER_LINEAR)
        alpha = np.clip(alpha, 0.0, 1.0).astype(np.float32)
        alpha[trimap == FOREGROUND] = 1.0
        alpha[trimap == BACKGROUND] = 0.0
        t = time.perf_counter()
        foreground, background = self._colours_of(image.astype(np.float64) / 255.0, alpha, opts)
        info = dict(small.info)
        info["timings"] = dict(info["timings"], colours=time.perf_counter() - t)
        info["solved_at_scale"] = scale
        reduced = (
            f"the unknown region has {unknowns} pixels, more than max_unknown_pixels={opts.max_unknown_pixels}; "
            f"alpha was solved at {scale:.2f}x size and scaled back"
        )
        info["note"] = reduced if "note" not in info else f"{info['note']}; {reduced}"
        info["seconds"] = time.perf_counter() - start
        return MattingResult(alpha=alpha, foreground=foreground, background=background, engine=self.name, info=info)

    def _one_label(self, image: np.ndarray, trimap: np.ndarray, label: int, opts: ClassicalOptions) -> MattingResult:
        """Only one known label: every affinity carries that label's alpha to
        every unknown pixel, so the exact answer is a constant matte."""
        colours = image.astype(np.float32) / 255.0
        alpha = np.full(trimap.shape, 1.0 if label == FOREGROUND else 0.0, np.float32)
        missing, side = ("background", "black") if label == FOREGROUND else ("foreground", "white")
        present = "foreground" if label == FOREGROUND else "background"
        note = (
            f"the trimap has no {missing} pixel, so every unknown pixel was taken as {present}; "
            f"paint some {missing} {side} to cut out a subject"
        )
        return MattingResult(
            alpha=alpha,
            foreground=colours.copy(),
            background=colours.copy(),
            engine=self.name,
            info={"note": note, "cg_iterations": 0, "unknown_pixels": int(np.count_nonzero(trimap == UNKNOWN)),
                  "options": asdict(opts)},
        )

    def _matte(self, image: np.ndarray, trimap: np.ndarray, opts: ClassicalOptions) -> MattingResult:
        timings: dict[str, float] = {}
        start = time.perf_counter()

        colours = image.astype(np.float64) / 255.0
        unknown = trimap == UNKNOWN
        known_alpha = (trimap == FOREGROUND).astype(np.float64)

        prior = weight = confidence = None
        if opts.confidence_weight > 0 or opts.fix_confidence < 1 or opts.distance_prior_weight > 0:
            samples = sample_colours(
                colours,
                trimap,
                neighbours=opts.neighbours,
                spatial_scale=opts.spatial_scale,
                band=opts.band,
                stride=opts.stride,
                sigma=opts.sigma,
            )
            prior = samples.alpha
            weight = opts.confidence_weight * samples.confidence
            confidence = samples.confidence
            fixed = confidently_pure(samples, unknown, opts.fix_confidence, opts.fix_margin)
            known_alpha[fixed] = np.round(samples.alpha[fixed])
            unknown = unknown & ~fixed
            timings["sampling"] = time.perf_counter() - start
        if opts.distance_prior_weight > 0:
            prior, weight = with_distance_prior(
                trimap, prior, weight, confidence, opts.distance_prior_weight, opts.distance_prior_scale
            )

        t = time.perf_counter()
        if not unknown.any():  # every unknown pixel was confidently pure
            alpha, details = known_alpha, {"cg_iterations": 0, "unknown_pixels": 0}
        else:
            alpha, details = solve_alpha(
                colours,
                known_alpha,
                unknown,
                _known_sources(trimap == FOREGROUND, unknown, opts),
                _known_sources(trimap == BACKGROUND, unknown, opts),
                prior,
                weight,
                flows=FlowWeights(**{field.name: getattr(opts, field.name) for field in fields(FlowWeights)}),
                preconditioner=opts.preconditioner,
                iterations_per_side=opts.iterations_per_side,
                max_iterations=opts.max_iterations,
                tolerance=opts.tolerance,
            )
        timings["propagation"] = time.perf_counter() - t

        t = time.perf_counter()
        alpha = alpha.astype(np.float32)
        alpha[trimap == FOREGROUND] = 1.0
        alpha[trimap == BACKGROUND] = 0.0
        foreground, background = self._colours_of(colours, alpha, opts)
        timings["colours"] = time.perf_counter() - t

        info = dict(details)
        if "solver_note" in info:
            info["note"] = info["solver_note"]
        info["fixed_pixels"] = int(np.count_nonzero(trimap == UNKNOWN) - np.count_nonzero(unknown))
        info["timings"] = timings
        info["options"] = asdict(opts)
        return MattingResult(alpha=alpha, foreground=foreground, background=background, engine=self.name, info=info)


    def _colours_of(
        self, colours: np.ndarray, alpha: np.ndarray, opts: ClassicalOptions
    ) -> tuple[np.ndarray, np.ndarray]:
        """Step 3, or the photo itself for both layers when ``colours`` is off."""
        if not self.colours:
            plain = colours.astype(np.float32)
            return plain, plain.copy()
        return estimate_colours(colours, alpha, opts.foreground_regularization, opts.foreground_iterations)


def _known_sources(label: np.ndarray, unknown: np.ndarray, opts: ClassicalOptions) -> np.ndarray:
    """Known pixels of one label the known-to-unknown flow draws from: those
    within ``band`` pixels of the unknown region on a ``stride`` grid (near
    duplicates add nothing), or all of them if that leaves none."""
    near = boundary_band(label, unknown, opts.band)
    grid = np.zeros_like(near)
    grid[:: opts.stride, :: opts.stride] = near[:: opts.stride, :: opts.stride]
    if grid.any():
        return grid
    return near if near.any() else label
