"""Scharfetter–Gummel (exponential-fitting) finite-volume operator.

For ∂_t p = −∂_x J, J = v p − D ∂_x p on cells of width h with zero-flux ends,
the flux through the face between cells i and i+1 is

    J_{i+½} = (D / h) [ B(−z) p_i − B(z) p_{i+1} ],   z = v_{i+½} h / D,
    B(z) = z / (e^z − 1)   (Bernoulli function; B(−z) = B(z) + z),

and h dp_i/dt = J_{i−½} − J_{i+½}. The resulting tridiagonal operator L has
columns summing to zero (mass is conserved exactly), non-negative
off-diagonals (α I − a L is an M-matrix for α, a > 0, so implicit Euler keeps
p ≥ 0), a zero-flux kernel equal to the discrete Gibbs state
p_{i+1} / p_i = exp(v_{i+½} h / D), and it is second-order accurate for
smooth v (upwinding only where the cell Péclet number |z| is large).
"""
from __future__ import annotations

import numpy as np


def bernoulli(z: np.ndarray) -> np.ndarray:
    """B(z) = z / (e^z − 1), evaluated stably for every real z (B(0) = 1, B(+∞) = 0, B(−z) ≈ |z|).

    expm1 keeps full relative accuracy for small |z|; overflow for z > 709 gives B = 0.
    """
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.expm1(z)
        np.divide(z, out, out=out)          # z / inf = 0 for z > 709; 0 / 0 only at z = 0
    out[z == 0.0] = 1.0
    return out


def sg_bands(face_drift: np.ndarray, diffusion: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bands (lower, diag, upper) of L for each population.

    face_drift: (P, n−1) drift at interior faces; diffusion: (P,) D_α.
    Returns lower (P, n−1) = L[i+1, i], diag (P, n), upper (P, n−1) = L[i, i+1].
    """
    D = np.asarray(diffusion, dtype=float)[:, None]
    z = face_drift * (h / D)
    c = D / (h * h)
    b_plus = bernoulli(z)            # B(z): weight of p_{i+1} in J_{i+½}
    upper = c * b_plus
    lower = upper + c * z            # c B(−z) = c (B(z) + z)
    P, nf = face_drift.shape
    diag = np.zeros((P, nf + 1))
    diag[:, :-1] -= lower
    diag[:, 1:] -= upper
    return lower, diag, upper


def stage_bands(face_drift: np.ndarray, diffusion: np.ndarray, h: float, alpha: float,
                a: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bands of the stage matrix α I − a L directly (the hot path: no intermediate L)."""
    D = np.asarray(diffusion, dtype=float)[:, None]
    z = face_drift * (h / D)
    ca = (a / (h * h)) * D
    upper = bernoulli(z)
    upper *= -ca                     # −a c B(z)
    z *= ca
    lower = upper - z                # −a c B(−z)
    diag = np.full((z.shape[0], z.shape[1] + 1), alpha)
    diag[:, :-1] -= lower
    diag[:, 1:] -= upper
    return lower, diag, upper


def apply_bands(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, p: np.ndarray) -> np.ndarray:
    """L p for tridiagonal bands of shape (P, n−1), (P, n), (P, n−1)."""
    out = diag * p
    out[:, 1:] += lower * p[:, :-1]
    out[:, :-1] += upper * p[:, 1:]
    return out
