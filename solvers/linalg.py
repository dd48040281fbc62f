"""Tridiagonal solves through LAPACK ``gtsv`` (scipy.linalg.lapack.dgtsv)."""
from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

_gtsv = lapack.dgtsv


def solve_tridiagonal(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve T x = rhs for one tridiagonal T (sub-, main and super-diagonal); inputs are overwritten."""
    *_, x, info = _gtsv(lower, diag, upper, rhs, overwrite_dl=1, overwrite_d=1, overwrite_du=1,
                        overwrite_b=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"tridiagonal solve failed (LAPACK gtsv info={info}): singular matrix")
    return x


def solve_each(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve one tridiagonal system per population; bands (P, ·), rhs (P, n) → (P, n).

    The bands are overwritten; rhs is not.
    """
    out = np.empty_like(rhs)
    for i in range(rhs.shape[0]):            # a loop over populations, not cells
        out[i] = solve_tridiagonal(lower[i], diag[i], upper[i], rhs[i].copy())
    return out


def solve_stage(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray,
                alpha: float) -> np.ndarray:
    """Solve (α I − a L) p = rhs (bands given) and restore the exact mass Σ p = Σ rhs / α.

    L has zero column sums, so the exact solution has mass Σ rhs / α. When a‖L‖ ≫ α
    (large γ dt) the matrix is nearly singular along the zero-flux state of L and the
    round-off of the solve lands in that direction, i.e. it is a pure mass error;
    rescaling to the exact mass removes it, leaving errors of order ε_mach ‖L‖ / |λ₂(L)|.
    """
    p = solve_each(lower, diag, upper, rhs)
    p *= (rhs.sum(axis=1) / (alpha * p.sum(axis=1)))[:, None]
    return p
