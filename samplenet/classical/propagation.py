"""Alpha propagation: information flows plus the matting Laplacian, one solve.

Only the unknown pixels U are variables; the known ones K are held at 0/1.
With the flows of :mod:`.flows` and ``L`` the closed-form matting
Laplacian (Levin et al. 2008), alpha minimises

    |A_U a_U + A_K a_K|^2                       colour mixture (A = I - W)
    + s_ku  sum_p c_p (a_p - k_p)^2             known-to-unknown estimate k
    + s_uu  a_U^T L_uu a_U                      intra-unknown similarity
    + s_l   a^T L a                             local smoothness
    + sum_p d_p (a_p - h_p)^2                   sampled pair h, where reliable

a quadratic whose normal equations are symmetric positive definite.  The
colour-mixture part ``A_U^T A_U`` is applied as a product (never formed:
with K neighbours it would have about K^2 entries per row); the
preconditioner is the incomplete Cholesky factor of the local terms (the
Laplacian and the diagonal ones) plus the diagonals of the non-local ones
(their far-reaching entries would make the factor fill in).

The system is built on the bounding box of the unknown region (plus a
margin): pixels further away cannot influence the unknowns.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.sparse
from pymatting import cf_laplacian

from .flows import colour_mixture_rows, intra_unknown_laplacian, known_to_unknown
from .solver import SolveReport, iteration_budget, solve_spd

#: Width (px) of the ring of known pixels around the unknown region that the
#: colour-mixture flow may draw neighbours from: the known pixels a mix at
#: the region's edge can involve.
MIXTURE_RING = 4


@dataclass(frozen=True)
class Crop:
    """The rows/columns of the image the linear system is built on."""

    top: int
    bottom: int
    left: int
    right: int

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return array[self.top : self.bottom, self.left : self.right]


def unknown_crop(unknown: np.ndarray, margin: int) -> Crop:
    """Bounding box of ``unknown`` grown by ``margin`` pixels (clipped)."""
    rows = np.flatnonzero(unknown.any(axis=1))
    cols = np.flatnonzero(unknown.any(axis=0))
    h, w = unknown.shape
    return Crop(
        max(rows[0] - margin, 0),
        min(rows[-1] + margin + 1, h),
        max(cols[0] - margin, 0),
        min(cols[-1] + margin + 1, w),
    )


@dataclass(frozen=True)
class FlowWeights:
    """Weights and neighbour counts of the energy's terms: the fields of
    :class:`~samplenet.classical.options.ClassicalOptions` with the same
    names, where their defaults and the reasons for them live (one
    definition of each; the engine copies them over by name)."""

    mixture_neighbours: int
    known_neighbours: int
    unknown_neighbours: int
    known_weight: float
    unknown_weight: float
    local_weight: float
    epsilon: float
    radius: int
    position_scale: float


def solve_alpha(
    image: np.ndarray,
    known_alpha: np.ndarray,
    unknown: np.ndarray,
    known_foreground: np.ndarray,
    known_background: np.ndarray,
    prior: np.ndarray | None = None,
    prior_weight: np.ndarray | None = None,
    *,
    flows: FlowWeights,
    known_band: np.ndarray | None = None,
    preconditioner: str,
    iterations_per_side: float,
    max_iterations: int,
    tolerance: float,
) -> tuple[np.ndarray, dict]:
    """Solve for alpha at the ``unknown`` pixels.

    Args:
        image: HxWx3 float64 RGB in [0, 1].
        known_alpha: HxW float64, 1 on known foreground, 0 elsewhere.
        unknown: HxW bool, the variables.
        known_foreground, known_background: HxW bool masks of the known
            pixels the known-to-unknown flow may draw from (both non-empty).
        prior, prior_weight: an extra alpha estimate per pixel and its
            weight (the sampled pair's data term), or ``None``.
        flows: weights and neighbour counts of the terms.
        preconditioner: ``"ichol"`` or ``"jacobi"``.
        iterations_per_side, max_iterations: the conjugate-gradient budget
            (see :func:`~samplenet.classical.solver.iteration_budget`).
        tolerance: relative residual at which to stop.

    Returns:
        (alpha HxW float64 clipped to [0, 1], details dict)
    """
    h_full, w_full = unknown.shape
    margin = 2 * flows.radius + 4
    crop = unknown_crop(unknown, margin)
    sub_image = np.ascontiguousarray(crop(image))
    sub_unknown = crop(unknown)
    sub_known_alpha = crop(known_alpha).ravel()
    flat_unknown = sub_unknown.ravel()
    u_index = np.flatnonzero(flat_unknown)
    k_index = np.flatnonzero(~flat_unknown)
    n_u = len(u_index)

    # features of the crop, positions in units of the whole image
    size = float(max(h_full, w_full))
    hh, ww = sub_unknown.shape
    yy, xx = np.mgrid[crop.top : crop.top + hh, crop.left : crop.left + ww].astype(np.float64)
    colours = sub_image.reshape(-1, 3)
    positions = np.column_stack([xx.ravel(), yy.ravel()]) / size
    features = np.column_stack([colours, positions * flows.position_scale])

    # known-to-unknown estimate: the data term every unknown pixel has
    fy, fx = np.nonzero(known_foreground)
    by, bx = np.nonzero(known_background)
    fg_feat = np.column_stack([image[fy, fx], np.column_stack([fx, fy]) / size * flows.position_scale])
    bg_feat = np.column_stack([image[by, bx], np.column_stack([bx, by]) / size * flows.position_scale])
    ku_alpha, ku_conf = known_to_unknown(
        features[u_index], colours[u_index], fg_feat, image[fy, fx], bg_feat, image[by, bx], flows.known_neighbours
    )
    diagonal = flows.known_weight * ku_conf
    rhs = diagonal * ku_alpha
    matrix = scipy.sparse.diags(diagonal).tocsr()

    if prior is not None and prior_weight is not None:
        weight = crop(prior_weight).ravel()[u_index]
        matrix = matrix + scipy.sparse.diags(weight)
        rhs = rhs + weight * crop(prior).ravel()[u_index]

    # local smoothness (needs at least one full window)
    if min(hh, ww) >= 2 * flows.radius + 1 and flows.local_weight > 0:
        laplacian = cf_laplacian(sub_image, epsilon=flows.epsilon, radius=flows.radius, is_known=~sub_unknown)
        rows = laplacian[u_index]
        matrix = matrix + flows.local_weight * rows[:, u_index]
        rhs = rhs - flows.local_weight * rows[:, k_index].dot(sub_known_alpha[k_index])

    # intra-unknown similarity: colour, with position only breaking ties
    # (non-local: only its diagonal goes into the preconditioner, whose
    # incomplete Cholesky factor would otherwise fill in far from the diagonal)
    nonlocal_part = scipy.sparse.csr_matrix((n_u, n_u))
    if flows.unknown_weight > 0 and n_u > 1:
        uu_features = np.column_stack([colours[u_index], positions[u_index] / 20.0 * flows.position_scale])
        nonlocal_part = flows.unknown_weight * intra_unknown_laplacian(uu_features, flows.unknown_neighbours)

    # colour mixture, applied as a product
    mixture_u = mixture_k_rhs = None
    mixture_diagonal = np.zeros(n_u)
    if flows.mixture_neighbours > 0 and len(features) > 1:
        # neighbours come from the unknown pixels and a thin ring of known
        # ones around them: the rest of the bounding box only slows the search
        ring = cv2.dilate(sub_unknown.astype(np.uint8), np.ones((2 * MIXTURE_RING + 1,) * 2, np.uint8))
        a_rows = colour_mixture_rows(
            features, u_index, flows.mixture_neighbours, np.flatnonzero(ring.ravel())
        )
        mixture_u = a_rows[:, u_index].tocsr()
        mixture_k = a_rows[:, k_index].tocsr()
        mixture_k_rhs = mixture_k.dot(sub_known_alpha[k_index])
        rhs = rhs - mixture_u.T.dot(mixture_k_rhs)
        mixture_diagonal = np.asarray(mixture_u.multiply(mixture_u).sum(axis=0)).ravel()

    matrix = scipy.sparse.csr_matrix(matrix)
    # a floor on the diagonal keeps the system definite where every term vanishes
    floor = 1e-9 + 1e-6 * float(np.abs(matrix.diagonal()).mean() + mixture_diagonal.mean())
    matrix = (matrix + scipy.sparse.diags(np.full(n_u, floor))).tocsr()
    preconditioner_matrix = (matrix + scipy.sparse.diags(mixture_diagonal + nonlocal_part.diagonal())).tocsr()
    matrix = (matrix + nonlocal_part).tocsr()
    mixture_ut = None if mixture_u is None else mixture_u.T.tocsr()

    def apply(x: np.ndarray) -> np.ndarray:
        out = matrix.dot(x)
        if mixture_u is not None:
            out += mixture_ut.dot(mixture_u.dot(x))
        return out

    x0 = np.clip(ku_alpha, 0.0, 1.0)
    if prior is not None and prior_weight is not None:
        weight = crop(prior_weight).ravel()[u_index]
        trusted = weight > diagonal
        x0[trusted] = crop(prior).ravel()[u_index][trusted]
    budget = iteration_budget(n_u, iterations_per_side, max_iterations)
    solution, report = solve_spd(
        apply,
        rhs,
        x0=x0,
        budget=budget,
        tolerance=tolerance,
        preconditioner=preconditioner,
        preconditioner_matrix=preconditioner_matrix,
    )
    alpha = known_alpha.astype(np.float64).copy()
    sub_alpha = crop(alpha)
    sub_alpha[sub_unknown] = np.clip(solution, 0.0, 1.0)
    return alpha, _details(report, n_u)


def _details(report: SolveReport, unknowns: int) -> dict:
    details = {
        "cg_iterations": report.iterations,
        "cg_budget": report.budget,
        "converged": report.converged,
        "relative_residual": report.relative_residual,
        "preconditioner": report.preconditioner,
        "unknown_pixels": unknowns,
    }
    if report.note:
        details["solver_note"] = report.note
    return details
