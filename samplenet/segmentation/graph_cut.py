"""GrabCut's energy with one more feature, minimised and measured in our own code.

OpenCV's ``grabCut`` models colour only and cannot be given other features,
and it does not report the energy it reached.  The classical segmenter
needs both: the focus map (:mod:`.focus`) as a fourth feature beside RGB,
and the energy, to compare segmentations reached from different starts
(GrabCut is a local method; the start decides much of what it finds).

The energy is GrabCut's (Rother et al., 2004): each pixel pays the negative
log-likelihood of its features under the Gaussian mixture of its side, and
each pair of 8-neighbours split between the sides pays
``smoothness / distance * exp(-beta * |colour difference|^2)``, so cuts run
along colour edges.  Minimising alternates between fitting the two
mixtures and a minimum s-t cut (OR-Tools' push-relabel max-flow, which
needs integer capacities: costs are scaled by :data:`COST_SCALE`).  It
replaced SciPy's Dinic max-flow, which found the same cuts (the source side
of a minimum cut that the residual graph reaches from the source is the same
for every maximum flow) 1.1 to 3.9 times slower, and was the largest part of
a segmentation's time (docs/auto-tool.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from ortools.graph.python import max_flow

#: Costs are multiplied by this and rounded for the integer max-flow;
#: GrabCut's costs are of order 1-100, so rounding changes them by <0.5%.
COST_SCALE = 100

#: Capacity tying a pixel to its side when a prompt fixes it; more than
#: all its smoothness edges together can pull (8 x smoothness x COST_SCALE).
_HARD = 10**8

#: Largest scaled pixel cost: a colour far outside a tight mixture can cost
#: more than 2**31 / COST_SCALE (the covariance floor is GrabCut's 0.01), and
#: the capacities were int32 for SciPy's max-flow (OR-Tools takes int64, but
#: the flow's sum must not overflow either).  A cost this high already decides
#: the pixel's side against any smoothness, so clipping changes nothing.
_MAX_COST = 10**9

#: The four forward neighbour offsets (dy, dx) of an 8-connected grid.
_OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))

#: OpenCV's k-means (inside GrabCut's colour models, our mixtures, and the
#: classical segmenter's colour start) draws from the calling thread's random
#: generator, which every call advances: without a fixed seed the same photo
#: and prompts could give a different trimap on each Preview, and benchmark
#: runs did not repeat.
RANDOM_SEED = 2019

#: A graph-cut round that moves fewer than this share of the pixels ends the alternation.
SETTLED = 0.002


@dataclass(frozen=True)
class Mixture:
    """A Gaussian mixture over pixel features (one per side of the cut)."""

    weights: np.ndarray  # (k,)
    means: np.ndarray  # (k, d)
    inverses: np.ndarray  # (k, d, d)
    log_norms: np.ndarray  # (k,) log(weight / sqrt(det(covariance)))

    @classmethod
    def fit(cls, samples: np.ndarray, components: int) -> Mixture:
        """k-means clusters of ``samples`` (``n x d`` float32), one Gaussian
        each, as GrabCut initialises its models."""
        count, dims = samples.shape
        k = max(1, min(components, count))
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
        cv2.setRNGSeed(RANDOM_SEED)
        _, labels, _ = cv2.kmeans(
            np.ascontiguousarray(samples, np.float32), k, None, criteria, 1, cv2.KMEANS_PP_CENTERS
        )
        labels = labels.ravel()
        weights, means, inverses, log_norms = [], [], [], []
        for cluster in range(k):
            members = samples[labels == cluster].astype(np.float64)
            if len(members) < dims + 1:
                continue
            covariance = np.cov(members.T) + np.eye(dims) * 1e-2
            sign, log_det = np.linalg.slogdet(covariance)
            if sign <= 0:
                continue
            weight = len(members) / count
            weights.append(weight)
            means.append(members.mean(axis=0))
            inverses.append(np.linalg.inv(covariance))
            log_norms.append(np.log(weight) - 0.5 * log_det)
        if not weights:  # too few samples for any covariance: one broad Gaussian
            members = samples.astype(np.float64)
            weights, means = [1.0], [members.mean(axis=0)]
            inverses, log_norms = [np.eye(dims) / 100.0], [-0.5 * dims * np.log(100.0)]
        return cls(np.array(weights), np.array(means), np.array(inverses), np.array(log_norms))

    def cost(self, samples: np.ndarray) -> np.ndarray:
        """Negative log-likelihood of each sample (up to a constant shared
        by both sides' mixtures of the same dimension)."""
        x = samples.astype(np.float64)
        terms = []
        for mean, inverse, log_norm in zip(self.means, self.inverses, self.log_norms, strict=True):
            d = x - mean
            terms.append(log_norm - 0.5 * np.einsum("ij,jk,ik->i", d, inverse, d))
        stacked = np.stack(terms)
        peak = stacked.max(axis=0)
        return -(peak + np.log(np.exp(stacked - peak).sum(axis=0)))


class PixelGrid:
    """The photo's 8-connected grid with GrabCut's contrast-sensitive
    smoothness on each edge, built once per photo and reused by every cut."""

    def __init__(self, image: np.ndarray, smoothness: float) -> None:
        height, width = image.shape[:2]
        if height * width < 2:
            raise ValueError("a graph cut needs at least two pixels")
        self.shape = (height, width)
        colours = image.astype(np.float32)
        index = np.arange(height * width).reshape(height, width)
        pairs, differences = [], []
        for dy, dx in _OFFSETS:
            x0, x1 = max(0, -dx), width - max(0, dx)
            here = (slice(0, height - dy), slice(x0, x1))
            there = (slice(dy, height), slice(x0 + dx, x1 + dx))
            pairs.append((index[here].ravel(), index[there].ravel(), np.hypot(dy, dx)))
            differences.append(((colours[here] - colours[there]) ** 2).sum(axis=-1).ravel())
        beta = 1.0 / (2.0 * float(np.mean(np.concatenate(differences))) + 1e-9)
        self.first = np.concatenate([p[0] for p in pairs])
        self.second = np.concatenate([p[1] for p in pairs])
        self.weights = np.concatenate(
            [
                smoothness / distance * np.exp(-beta * diff)
                for (_, _, distance), diff in zip(pairs, differences, strict=True)
            ]
        )

    def boundary_cost(self, mask: np.ndarray) -> float:
        """Sum of the weights of the edges ``mask`` cuts."""
        flat = mask.ravel()
        return float(self.weights[flat[self.first] != flat[self.second]].sum())

    def min_cut(
        self, fg_cost: np.ndarray, bg_cost: np.ndarray, hard_fg: np.ndarray, hard_bg: np.ndarray
    ) -> np.ndarray:
        """The labelling minimising the pixel costs plus the cut edges'
        weights; ``hard_fg`` / ``hard_bg`` pixels keep their side."""
        n = fg_cost.size
        source, sink = n, n + 1
        floor = np.minimum(fg_cost, bg_cost)  # a per-pixel constant does not move the cut
        to_fg = np.rint(np.minimum((bg_cost - floor).ravel() * COST_SCALE, _MAX_COST)).astype(np.int64)  # paid if bg
        to_bg = np.rint(np.minimum((fg_cost - floor).ravel() * COST_SCALE, _MAX_COST)).astype(np.int64)
        to_fg[hard_fg.ravel()], to_bg[hard_fg.ravel()] = _HARD, 0
        to_fg[hard_bg.ravel()], to_bg[hard_bg.ravel()] = 0, _HARD
        pair = np.rint(self.weights * COST_SCALE).astype(np.int64)
        pixels = np.arange(n)
        tails = np.concatenate([self.first, self.second, np.full(n, source), pixels])
        heads = np.concatenate([self.second, self.first, pixels, np.full(n, sink)])
        capacities = np.concatenate([pair, pair, to_fg, to_bg])
        keep = capacities > 0
        solver = max_flow.SimpleMaxFlow()
        solver.add_arcs_with_capacity(tails[keep], heads[keep], capacities[keep])
        # OR-Tools knows only the nodes that some arc names: with every pixel
        # free to join the subject (no sink arc left) the sink would not exist
        # and the source side came back empty (all background) instead of whole.
        solver.add_arc_with_capacity(sink, source, 0)
        if solver.solve(source, sink) != solver.OPTIMAL:  # only on overflow or a bad graph: a defect here
            raise RuntimeError("the graph cut's max-flow did not finish; please report the photo and prompts")
        # The pixels the residual graph reaches from the source: the subject side of the minimum cut.
        subject = np.zeros(n + 2, bool)
        subject[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)] = True
        return subject[:n].reshape(self.shape)


def side_costs(features: np.ndarray, mask: np.ndarray, components: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel costs of the subject and background sides under mixtures
    fitted to the pixels ``mask`` puts on each side."""
    height, width = mask.shape
    samples = features.reshape(height * width, -1)
    flat = mask.ravel()
    fg = Mixture.fit(samples[flat], components).cost(samples).reshape(height, width)
    bg = Mixture.fit(samples[~flat], components).cost(samples).reshape(height, width)
    return fg, bg


def graph_cut(
    features: np.ndarray,
    grid: PixelGrid,
    start: np.ndarray,
    hard_fg: np.ndarray,
    hard_bg: np.ndarray,
    iterations: int,
    components: int,
) -> np.ndarray:
    """GrabCut's alternation from the mask ``start``: fit the two mixtures
    to the current sides, cut, repeat; stops early once a round moves fewer
    than :data:`SETTLED` of the pixels (each cut costs about a second at
    the working size, and the last rounds only move a few pixels)."""
    mask = (start | hard_fg) & ~hard_bg
    for _ in range(iterations):
        if not mask.any() or mask.all():
            break
        fg_cost, bg_cost = side_costs(features, mask, components)
        cut = grid.min_cut(fg_cost, bg_cost, hard_fg, hard_bg)
        moved = np.count_nonzero(cut != mask) / mask.size
        mask = cut
        if moved < SETTLED:
            break
    return mask


def energy(features: np.ndarray, grid: PixelGrid, mask: np.ndarray, components: int) -> float:
    """GrabCut's energy of ``mask`` per pixel, the mixtures fitted to its
    sides: lower means the two sides' features are better told apart along
    a cheaper outline.  ``inf`` for a mask with an empty side."""
    if not mask.any() or mask.all():
        return float("inf")
    return energy_of_costs(grid, mask, *side_costs(features, mask, components))


def energy_of_costs(grid: PixelGrid, mask: np.ndarray, fg_cost: np.ndarray, bg_cost: np.ndarray) -> float:
    """:func:`energy` from side costs already fitted to ``mask`` (see
    :func:`side_costs`), for callers that use those costs again."""
    pixels = float(np.where(mask, fg_cost, bg_cost).sum())
    return (pixels + grid.boundary_cost(mask)) / mask.size
