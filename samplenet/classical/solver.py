"""Preconditioned conjugate gradients that always return an answer.

pymatting's ``cg`` raises ``ValueError`` when it runs out of iterations and
throws the iterate away; its ``ichol`` prints and retries, and raises when
no diagonal shift helps.  A visitor's odd trimap must still get a matte, so
:func:`solve_spd` wraps both: it keeps the iterate with the smallest
residual, stops after a budget of iterations that grows with the number of
unknowns, falls back to a Jacobi preconditioner when incomplete Cholesky
fails, and says in its report what happened.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse
from pymatting import cg, ichol, jacobi


@dataclass
class SolveReport:
    """What the solver did; ``note`` is set when the answer is not a
    converged solution (budget spent, preconditioner fallback)."""

    iterations: int
    budget: int
    converged: bool
    relative_residual: float
    preconditioner: str
    note: str | None = None


def iteration_budget(unknowns: int, per_side: float, cap: int) -> int:
    """Iterations allowed for ``unknowns`` variables.

    Conjugate gradients on a diffusion-like system needs about as many
    iterations as information has to travel pixels across the unknown
    region, i.e. about its side length ``sqrt(unknowns)``; ``per_side``
    iterations per pixel of side (at least 50), never more than ``cap``.
    """
    return int(min(cap, max(50, math.ceil(per_side * math.sqrt(max(unknowns, 1))))))


def _preconditioner(system: scipy.sparse.csr_matrix, kind: str) -> tuple[Callable, str, str | None]:
    if kind == "ichol":
        try:
            return ichol(system.tocsc()), "ichol", None
        except ValueError as exc:  # not positive definite enough even with shifts
            return jacobi(system), "jacobi", f"incomplete Cholesky failed ({exc}); used a Jacobi preconditioner"
    return jacobi(system), "jacobi", None


def solve_spd(
    system: scipy.sparse.spmatrix | Callable[[np.ndarray], np.ndarray],
    rhs: np.ndarray,
    *,
    x0: np.ndarray | None = None,
    budget: int,
    tolerance: float,
    preconditioner: str = "ichol",
    preconditioner_matrix: scipy.sparse.spmatrix | None = None,
) -> tuple[np.ndarray, SolveReport]:
    """Solve ``system x = rhs`` (symmetric positive definite) by
    preconditioned conjugate gradients.

    Args:
        system: the matrix, or a function applying it (then
            ``preconditioner_matrix`` must be given).
        rhs: right-hand side.
        x0: starting point (a good one saves most of the iterations).
        budget: maximum iterations; when spent, the iterate with the
            smallest residual is returned and the report says so.
        tolerance: stop when ``|r| <= tolerance * |rhs|``.
        preconditioner: ``"ichol"`` or ``"jacobi"``.
        preconditioner_matrix: the sparse matrix to build the
            preconditioner from (default: ``system``).
    """
    base = system if preconditioner_matrix is None else preconditioner_matrix
    base = scipy.sparse.csr_matrix(base)
    apply_m, used, note = _preconditioner(base, preconditioner)
    x_start = np.zeros_like(rhs) if x0 is None else np.asarray(x0, dtype=np.float64).copy()
    norm_b = float(np.linalg.norm(rhs)) or 1.0
    apply_a = system if callable(system) else system.dot
    start_residual = float(np.linalg.norm(rhs - apply_a(x_start)))

    best = {"x": x_start, "residual": start_residual, "iterations": 0}
    count = [0]

    def keep_best(_a, x, _b, _norm_b, _r, norm_r) -> None:
        count[0] += 1
        if norm_r < best["residual"]:
            best["x"] = x.copy()
            best["residual"] = float(norm_r)

    converged = True
    try:
        solution = cg(system, rhs, x0=x_start, M=apply_m, rtol=tolerance, maxiter=budget, callback=keep_best)
        residual = float(np.linalg.norm(rhs - apply_a(solution)))
    except ValueError:  # budget spent: keep the best iterate
        converged = False
        solution, residual = best["x"], best["residual"]
        budget_note = (
            f"the solver stopped after its budget of {budget} iterations with relative residual "
            f"{residual / norm_b:.1e} (asked {tolerance:.0e}); the best iterate was returned"
        )
        note = budget_note if note is None else f"{note}; {budget_note}"
    report = SolveReport(
        iterations=count[0],
        budget=budget,
        converged=converged,
        relative_residual=residual / norm_b,
        preconditioner=used,
        note=note,
    )
    return solution, report
