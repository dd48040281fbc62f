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
