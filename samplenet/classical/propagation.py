"""Alpha propagation: the matting Laplacian plus a sample-based data term.

We minimise ``a^T L a + sum_i w_i (a_i - â_i)^2`` with the known pixels of
the trimap held at 0/1, where ``L`` is the closed-form matting Laplacian
(Levin et al. 2008), ``â`` the alpha estimated from sampled colours and
``w`` its confidence times a global weight (the robust-matting energy of
Wang & Cohen 2007).  Only the unknown pixels are variables, so the system
is ``(L_UU + W) a_U = -L_UK a_K + W â_U``: symmetric positive definite and
solved with preconditioned conjugate gradients.

The Laplacian is built on the bounding box of the unknown region (plus the
window radius) rather than the whole image: pixels further away cannot
influence the unknowns, and on typical trimaps this halves the work.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse
from pymatting import cf_laplacian, cg, ichol, jacobi


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


PRECONDITIONERS = {"ichol": ichol, "jacobi": jacobi}


def solve_alpha(
    image: np.ndarray,
    known_alpha: np.ndarray,
    unknown: np.ndarray,
    prior: np.ndarray | None = None,
    prior_weight: np.ndarray | None = None,
    *,
    epsilon: float = 1e-7,
    radius: int = 1,
    preconditioner: str = "ichol",
    max_iterations: int = 2000,
    tolerance: float = 1e-7,
) -> tuple[np.ndarray, dict]:
    """Solve for alpha at the ``unknown`` pixels.

    Args:
        image: HxWx3 float64 RGB in [0, 1].
        known_alpha: HxW float64, 1 on known foreground, 0 elsewhere.
        unknown: HxW bool, the variables.
        prior: HxW alpha estimate â (used where ``prior_weight`` > 0).
        prior_weight: HxW non-negative weights of the data term.
        epsilon, radius: closed-form Laplacian regularisation and window radius.
        preconditioner: ``"ichol"`` (incomplete Cholesky) or ``"jacobi"``.
        max_iterations, tolerance: conjugate-gradient stopping rule
            (relative residual).

    Returns:
        (alpha HxW float64 clipped to [0, 1], details dict)
    """
    crop = unknown_crop(unknown, 2 * radius)
    sub_image = np.ascontiguousarray(crop(image))
    sub_unknown = crop(unknown)
    sub_known_alpha = crop(known_alpha)
    flat_unknown = sub_unknown.ravel()

    laplacian = cf_laplacian(sub_image, epsilon=epsilon, radius=radius, is_known=~sub_unknown)
    rows = laplacian[flat_unknown]
    system = rows[:, flat_unknown].tocsr()
    rhs = -rows[:, ~flat_unknown].dot(sub_known_alpha.ravel()[~flat_unknown])

    if prior is not None and prior_weight is not None:
        weight = crop(prior_weight).ravel()[flat_unknown]
        system = (system + scipy.sparse.diags(weight)).tocsr()
        rhs = rhs + weight * crop(prior).ravel()[flat_unknown]

    iterations = [0]

    def count(*_args) -> None:
        iterations[0] += 1

    x0 = None if prior is None else np.clip(crop(prior).ravel()[flat_unknown], 0.0, 1.0)
    solution = cg(
        system,
        rhs,
        x0=x0,
        M=PRECONDITIONERS[preconditioner](system),
        rtol=tolerance,
        maxiter=max_iterations,
        callback=count,
    )
    alpha = known_alpha.astype(np.float64).copy()
    sub_alpha = crop(alpha)
    sub_alpha[sub_unknown] = np.clip(solution, 0.0, 1.0)
    return alpha, {"cg_iterations": iterations[0], "unknown_pixels": int(flat_unknown.sum())}
