"""The weight-free engine: sampled colours + matting-Laplacian propagation.

Works with no downloaded weights, so it is what ``samplenet.load("auto")``
falls back to.  Steps (see :mod:`samplenet.classical` for each):

1. sample a foreground and a background colour for every unknown pixel
   from nearby known pixels of similar colour, keeping the pair that best
   explains the pixel as a mix; this gives an alpha estimate and a
   confidence; confidently pure pixels join the known regions;
2. solve for alpha over the remaining unknown pixels, balancing the sampled
   alpha (weighted by confidence) against the closed-form matting
   Laplacian, with incomplete-Cholesky-preconditioned conjugate gradients;
3. estimate the final foreground and background colours for that alpha.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np

from ..classical.colours import estimate_colours
from ..classical.options import ClassicalOptions
from ..classical.propagation import solve_alpha
from ..classical.sampling import confidently_pure, sample_colours
from ..io import FOREGROUND, UNKNOWN
from ..result import MattingResult
from .base import Matter


class ClassicalMatter(Matter):
    """Weight-free matting engine (name ``"classical"``).

    Args:
        max_pixels: largest accepted image (see :mod:`samplenet.io`).
        **options: any field of
            :class:`~samplenet.classical.options.ClassicalOptions`
            (``epsilon``, ``confidence_weight``, ``max_iterations``,
            ``tolerance``...).  Unknown names or bad values raise
            ``ValueError``.  The same options may be given per call.
    """

    name = "classical"

    def __init__(self, max_pixels: int | None = None, **options: Any) -> None:
        super().__init__(max_pixels=max_pixels)
        self.options = ClassicalOptions().validated().updated(**options)
        self.fallback_reason: str | None = None

    def predict_arrays(self, image: np.ndarray, trimap: np.ndarray, **options: Any) -> MattingResult:
        opts = self.options.updated(**options)
        timings: dict[str, float] = {}
        start = time.perf_counter()

        colours = image.astype(np.float64) / 255.0
        unknown = trimap == UNKNOWN
        known_alpha = (trimap == FOREGROUND).astype(np.float64)

        prior = weight = None
        if opts.confidence_weight > 0:
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
            fixed = confidently_pure(samples, unknown, opts.fix_confidence, opts.fix_margin)
            known_alpha[fixed] = np.round(samples.alpha[fixed])
            unknown = unknown & ~fixed
            timings["sampling"] = time.perf_counter() - start

        t = time.perf_counter()
        if not unknown.any():  # every unknown pixel was confidently pure
            alpha, details = known_alpha, {"cg_iterations": 0, "unknown_pixels": 0}
        else:
            alpha, details = solve_alpha(
                colours,
                known_alpha,
                unknown,
                prior,
                weight,
                epsilon=opts.epsilon,
                radius=opts.radius,
                preconditioner=opts.preconditioner,
                max_iterations=opts.max_iterations,
                tolerance=opts.tolerance,
            )
        timings["propagation"] = time.perf_counter() - t

        t = time.perf_counter()
        alpha = alpha.astype(np.float32)
        alpha[trimap == FOREGROUND] = 1.0
        alpha[trimap == 0] = 0.0
        foreground, background = estimate_colours(
            colours, alpha, opts.foreground_regularization, opts.foreground_iterations
        )
        timings["colours"] = time.perf_counter() - t

        info = dict(details)
        info["fixed_pixels"] = int(np.count_nonzero(trimap == UNKNOWN) - np.count_nonzero(unknown))
        info["timings"] = timings
        info["options"] = asdict(opts)
        return MattingResult(alpha=alpha, foreground=foreground, background=background, engine=self.name, info=info)
