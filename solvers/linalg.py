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


def solve_m_matrix(row_sums: np.ndarray, off: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """x solving T x = rhs for the small M-matrix T = diag(d) − W given its row sums, without cancellation.

    row_sums : (P,) σ_i = Σ_j T_ij > 0.   off : (P, P) W ≥ 0, T_ij = −W_ij for i ≠ j (the diagonal of
    ``off`` is ignored).   rhs : (P,).
    Elimination of the Grassmann–Taksar–Heyman form: every pivot d_k = σ_k + Σ_{j>k} W_kj is a sum of
    non-negative terms (the row sums are updated, never recomputed as differences), so the computed
    T⁻¹ is accurate entrywise to a few ulps however large ‖W‖ / min σ is; x then carries an error of
    order ε Σ_j (T⁻¹)_ij |rhs_j|, i.e. round-off of x itself along nearly neutral directions (rows of T
    whose sums are ≪ ‖W‖). A loop over the P unknowns, P small.
    """
    W = np.array(off, dtype=float)
    np.fill_diagonal(W, 0.0)
    sigma = np.array(row_sums, dtype=float)
    r = np.array(rhs, dtype=float)
    P = r.size
    pivots = np.empty(P)
    for k in range(P):                              # eliminate unknown k from the rows below
        pivots[k] = sigma[k] + W[k, k + 1:].sum()
        below = slice(k + 1, P)
        factor = W[below, k] / pivots[k]
        sigma[below] += factor * sigma[k]
        W[below, below] += np.outer(factor, W[k, below])
        r[below] += factor * r[k]
    x = np.empty(P)
    for k in range(P - 1, -1, -1):
        x[k] = (r[k] + W[k, k + 1:] @ x[k + 1:]) / pivots[k]
    return x
