"""Compiled (numba) hot path of the finite-volume stages: Scharfetter–Gummel assembly fused with
a cancellation-free Thomas solve, and the fused coupling evaluation of the physical frame.

Every kernel works on a batch of R independent rows (1D: one row per population; a 2D solver:
one row per population and cell of the second variable). For a row with face drifts v_{i+½}
(i = 0 … n−2), diffusion D and cell width h, the stage equation of an implicit method is

    (α I − a L) p = rhs,   h (L p)_i = J_{i−½} − J_{i+½},   J_{−½} = J_{n−½} = 0,
    J_{i+½} = (D / h) [ B(−z) p_i − B(z) p_{i+1} ],   z = v_{i+½} h / D,   B(z) = z / (e^z − 1),

the Scharfetter–Gummel operator of ``solvers.fluxes`` (second order for smooth drift, exact
discrete Gibbs kernel p_{i+1} / p_i = e^z, columns of L summing to zero). Differences from the
numpy path (``solvers.fluxes.stage_bands`` + ``solvers.linalg.solve_stage``), all in accuracy:

- B is evaluated at |z| only (expm1, B(0) = 1, overflow → 0, as ``solvers.fluxes.bernoulli``)
  and B(−|z|) = B(|z|) + |z|, so both face weights keep full relative accuracy for every z
  (numpy forms c·(B(z) + z), which cancels to 0 for z ≲ −37; in the max norm the two agree).
- The elimination is cancellation-free (Grassmann–Taksar–Heyman form): the stage matrix has
  off-diagonals −a c B(±z) ≤ 0 and every column sums to α > 0 (the columns of L sum to zero),
  so it is a column diagonally dominant M-matrix. Gaussian elimination without pivoting keeps
  that structure: after eliminating rows 0 … i−1 the remaining column i sums to
  σ_i = α + a c B(z_{i−1}) σ_{i−1} / d_{i−1} ≥ α, and its pivot is d_i = σ_i + a c B(−z_i).
  Computing d_i this way (sums of positive terms only) instead of as a difference makes every
  pivot exact to a few ulps however large a‖L‖ / α is, and for rhs ≥ 0 every intermediate
  value and the solution are sums of non-negative terms: p ≥ 0 always, with componentwise
  relative accuracy (no pivoting needed, no growth).
- The mass restoration of ``solve_stage`` is kept (each row rescaled to Σ p = Σ rhs / α, skipped
  for a row whose solution sums to 0), so the stage conserves mass to round-off.

The kernels are compiled lazily on first use with ``cache=True`` (later processes load the
machine code from the cache); the wrappers pass C-contiguous float64 / int64 arrays only, so
each kernel has exactly one specialisation. fastmath is off: results match the numpy path to
round-off.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["sg_solve_rows", "sg_apply_rows", "physical_evaluate", "physical_evaluate_1d",
           "shifted_quadrature"]


# -- compiled cores ---------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _face_weights(v: float, scale: float, coef: float) -> tuple[float, float]:
    """(coef·B(z), coef·B(−z)) for z = v·scale, both to full relative accuracy."""
    z = v * scale
    s = abs(z)
    if s == 0.0:
        b = 1.0
    else:
        e = math.expm1(s)
        b = 0.0 if math.isinf(e) else s / e       # B(|z|); e^|z| overflow → 0
    if z >= 0.0:
        return coef * b, coef * (b + s)            # B(z) = B(|z|), B(−z) = B(|z|) + |z|
    return coef * (b + s), coef * b


@njit(cache=True)
def _solve_row(v, D: float, h: float, alpha: float, a: float, rhs, out, wu, inv_d) -> None:
    """One row: out = (α I − a L) ⁻¹ rhs with mass restoration; wu, inv_d are scratch (n − 1,), (n,)."""
    n = rhs.shape[0]
    scale = h / D
    ca = (a / (h * h)) * D
    # forward elimination; wl_prev = a c B(−z_{i−1}) couples row i to p_{i−1}
    sigma = alpha
    wl_prev = 0.0
    y_prev = 0.0
    mass_rhs = 0.0
    for i in range(n):
        if i < n - 1:
            wu_i, wl_i = _face_weights(v[i], scale, ca)
            wu[i] = wu_i
        else:
            wl_i = 0.0
        if i > 0:
            ratio = inv_d[i - 1]
            sigma = alpha + wu[i - 1] * sigma * ratio
            y = rhs[i] + wl_prev * y_prev * ratio
        else:
            y = rhs[0]
        d = sigma + wl_i
        inv_d[i] = 1.0 / d
        out[i] = y
        mass_rhs += rhs[i]
        y_prev = y
        wl_prev = wl_i
    # back substitution
    x = out[n - 1] * inv_d[n - 1]
    out[n - 1] = x
    total = x
    for i in range(n - 2, -1, -1):
        x = (out[i] + wu[i] * x) * inv_d[i]
        out[i] = x
        total += x
    if total != 0.0:
        factor = mass_rhs / (alpha * total)
        for i in range(n):
            out[i] *= factor


@njit(cache=True)
def _sg_solve_rows(face_drift, diffusion, h, alpha, a, rhs):
    R, n = rhs.shape
    out = np.empty((R, n))
    wu = np.empty(max(n - 1, 1))
    inv_d = np.empty(n)
    for r in range(R):
        _solve_row(face_drift[r], diffusion[r], h, alpha, a, rhs[r], out[r], wu, inv_d)
    return out


@njit(cache=True)
def _sg_apply_rows(face_drift, diffusion, h, p):
    R, n = p.shape
    out = np.zeros((R, n))
    for r in range(R):
        D = diffusion[r]
        scale = h / D
        c = D / (h * h)
        for i in range(n - 1):
            wu, wl = _face_weights(face_drift[r, i], scale, c)
            flux = wl * p[r, i] - wu * p[r, i + 1]     # J_{i+½} / h
            out[r, i] -= flux
            out[r, i + 1] += flux
    return out


@njit(cache=True)
def _physical_evaluate(f_faces, gA, gB, x_faces, diffusion, h, alpha, a, rhs, quadrature, source,
                       row_weights):
    P, R, n = rhs.shape
    K = source.shape[0]
    out = np.empty((P, R, n))
    m = np.zeros(K)
    xbar = np.zeros(P)
    v = np.empty(max(n - 1, 1))
    wu = np.empty(max(n - 1, 1))
    inv_d = np.empty(n)
    x = np.empty(n)
    x[0] = x_faces[0] - 0.5 * h
    for i in range(1, n - 1):
        x[i] = 0.5 * (x_faces[i - 1] + x_faces[i])
    x[n - 1] = x_faces[n - 2] + 0.5 * h
    for al in range(P):
        for r in range(R):
            for i in range(n - 1):
                v[i] = (gB[al] - gA[al] * x_faces[i]) + f_faces[al, r, i]
            row = out[al, r]
            _solve_row(v, diffusion[al], h, alpha, a, rhs[al, r], row, wu, inv_d)
            w = row_weights[r]
            s = 0.0
            for i in range(n):
                s += x[i] * row[i]
            xbar[al] += w * h * s
            for j in range(K):
                if source[j] == al:
                    s = 0.0
                    for i in range(n):
                        s += quadrature[j, i] * row[i]
                    m[j] += w * s
    return out, m, xbar


@njit(cache=True)
def _shifted_quadrature(values, weights, source):
    K, n = values.shape
    R = weights.shape[1]
    m = np.zeros(K)
    for j in range(K):
        al = source[j]
        for r in range(R):
            s = 0.0
            for i in range(n):
                s += values[j, i] * weights[al, r, i]
            m[j] += s
    return m


# -- checked entry points -----------------------------------------------------------------------------------
def _float_array(name: str, value, ndim: int) -> np.ndarray:
    out = np.ascontiguousarray(value, dtype=np.float64)
    if out.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {out.shape}")
    return out


def _positive(name: str, value, allow_zero: bool = False) -> float:
    out = float(value)
    if not (out >= 0.0 if allow_zero else out > 0.0) or math.isinf(out):
        raise ValueError(f"{name} must be finite and {'≥' if allow_zero else '>'} 0, got {value!r}")
    return out


def _shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")


def _stage_scalars(h, alpha, a) -> tuple[float, float, float]:
    return _positive("h", h), _positive("alpha", alpha), _positive("a", a, allow_zero=True)


def sg_solve_rows(face_drift: np.ndarray, diffusion: np.ndarray, h: float, alpha: float, a: float,
                  rhs: np.ndarray) -> np.ndarray:
    """Solve (α I − a L) p = rhs row by row, L the Scharfetter–Gummel operator with zero-flux ends.

    face_drift : (R, n−1) float, drift v at the interior faces of each row.
    diffusion : (R,) float > 0, D of each row.
    h : cell width > 0;  alpha : α > 0;  a : a ≥ 0 (stage coefficients).
    rhs : (R, n) float.
    Returns p (R, n) float64 with Σ_i p = Σ_i rhs / α per row (mass restored to round-off) and
    p ≥ 0 where rhs ≥ 0; equal to ``solve_stage(*stage_bands(...), rhs, alpha)`` to round-off
    (see the module docstring for the elimination and why no pivoting is needed). Cost: one
    expm1 and about ten flops per cell; n ≥ 2.
    """
    rhs = _float_array("rhs", rhs, 2)
    R, n = rhs.shape
    if n < 2:
        raise ValueError(f"rhs must have at least 2 cells per row, got shape {rhs.shape}")
    face_drift = _float_array("face_drift", face_drift, 2)
    _shape("face_drift", face_drift, (R, n - 1))
    diffusion = _float_array("diffusion", diffusion, 1)
    _shape("diffusion", diffusion, (R,))
    if not np.all(diffusion > 0.0):
        raise ValueError("diffusion must be > 0 in every row")
    return _sg_solve_rows(face_drift, diffusion, *_stage_scalars(h, alpha, a), rhs)


def sg_apply_rows(face_drift: np.ndarray, diffusion: np.ndarray, h: float, p: np.ndarray) -> np.ndarray:
    """L p row by row (shapes as in ``sg_solve_rows``): the explicit rate of the same operator.

    Equal to ``apply_bands(*sg_bands(face_drift, diffusion, h), p)`` to round-off; Σ_i (L p)_i = 0
    exactly up to the summation round-off (each face flux is added to one cell and taken from the other).
    """
    p = _float_array("p", p, 2)
    R, n = p.shape
    face_drift = _float_array("face_drift", face_drift, 2)
    _shape("face_drift", face_drift, (R, n - 1))
    diffusion = _float_array("diffusion", diffusion, 1)
    _shape("diffusion", diffusion, (R,))
    if not np.all(diffusion > 0.0):
        raise ValueError("diffusion must be > 0 in every row")
    return _sg_apply_rows(face_drift, diffusion, _positive("h", h), p)


def physical_evaluate(f_faces: np.ndarray, gA: np.ndarray, gB: np.ndarray, x_faces: np.ndarray,
                      diffusion: np.ndarray, h: float, alpha: float, a: float, rhs: np.ndarray,
                      quadrature: np.ndarray, source: np.ndarray,
                      row_weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One coupling evaluation of the physical frame, fused: drift, stage solves, activities, means.

    For every population α and row r the face drift is v = f_faces[α, r] + γB_α − γA_α x_faces,
    p[α, r] solves (α I − a L(v)) p = rhs[α, r] as in ``sg_solve_rows``, and

        m_j    = Σ_r w_r Σ_i quadrature[j, i] p[source[j], r, i],
        xbar_α = Σ_r w_r Σ_i x_i p[α, r, i] h,   x_i the cell centres (midpoints of the faces).

    f_faces : (P, R, n−1) face averages of the intrinsic drift f per population and row.
    gA, gB : (P,) γ A_α and γ B_α.
    x_faces : (n−1,) interior face positions (uniform spacing h).
    diffusion : (P,) D_α > 0.   h, alpha, a : as in ``sg_solve_rows``.
    rhs : (P, R, n).   quadrature : (K, n) S_k(x_i) h of the internal channels.
    source : (K,) integer population index of each internal channel, in [0, P).
    row_weights : (R,) w_r (default 1; e.g. the cell width of the second variable in 2D).
    Returns (p (P, R, n), m (K,), xbar (P,)), float64.
    """
    rhs = _float_array("rhs", rhs, 3)
    P, R, n = rhs.shape
    if n < 2:
        raise ValueError(f"rhs must have at least 2 cells per row, got shape {rhs.shape}")
    f_faces = _float_array("f_faces", f_faces, 3)
    _shape("f_faces", f_faces, (P, R, n - 1))
    gA, gB = _float_array("gA", gA, 1), _float_array("gB", gB, 1)
    _shape("gA", gA, (P,))
    _shape("gB", gB, (P,))
    x_faces = _float_array("x_faces", x_faces, 1)
    _shape("x_faces", x_faces, (n - 1,))
    diffusion = _float_array("diffusion", diffusion, 1)
    _shape("diffusion", diffusion, (P,))
    if not np.all(diffusion > 0.0):
        raise ValueError("diffusion must be > 0 for every population")
    quadrature = _float_array("quadrature", quadrature, 2)
    source = np.ascontiguousarray(source, dtype=np.int64)
    _shape("source", source, (quadrature.shape[0],))
    _shape("quadrature", quadrature, (source.size, n))
    if source.size and not (0 <= source.min() and source.max() < P):
        raise ValueError(f"source must hold population indices in [0, {P}), got {source}")
    weights = np.ones(R) if row_weights is None else _float_array("row_weights", row_weights, 1)
    _shape("row_weights", weights, (R,))
    return _physical_evaluate(f_faces, gA, gB, x_faces, diffusion, *_stage_scalars(h, alpha, a), rhs,
                              quadrature, source, weights)


def physical_evaluate_1d(f_faces: np.ndarray, gA: np.ndarray, gB: np.ndarray, x_faces: np.ndarray,
                         diffusion: np.ndarray, h: float, alpha: float, a: float, rhs: np.ndarray,
                         quadrature: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``physical_evaluate`` for one row per population: f_faces (P, n−1), rhs (P, n) → p (P, n), m, xbar."""
    f_faces = np.asarray(f_faces, dtype=np.float64)
    rhs = np.asarray(rhs, dtype=np.float64)
    if f_faces.ndim != 2 or rhs.ndim != 2:
        raise ValueError(f"f_faces and rhs must be 2-d (P, n−1) and (P, n), got {f_faces.shape}, {rhs.shape}")
    p, m, xbar = physical_evaluate(f_faces[:, None, :], gA, gB, x_faces, diffusion, h, alpha, a,
                                   rhs[:, None, :], quadrature, source)
    return p[:, 0, :], m, xbar


def shifted_quadrature(values: np.ndarray, weights: np.ndarray, source: np.ndarray) -> np.ndarray:
    """m_j = Σ_r Σ_i values[j, i] · weights[source[j], r, i]: activities from per-channel samples.

    For the desingularised frame, values[j] = S_j(μ_src + ε y_i) h (activations evaluated at the
    shifted points, one row per channel, computed by the caller since S may be any callable) and
    weights = q (P, R, n) (or q[:, None, :] in 1D): one pass, no (K, P) intermediate.
    """
    values = _float_array("values", values, 2)
    weights = _float_array("weights", weights, 3)
    source = np.ascontiguousarray(source, dtype=np.int64)
    _shape("source", source, (values.shape[0],))
    if weights.shape[2] != values.shape[1]:
        raise ValueError(f"values (K, n) and weights (P, R, n) must share n, got {values.shape}, {weights.shape}")
    if source.size and not (0 <= source.min() and source.max() < weights.shape[0]):
        raise ValueError(f"source must hold population indices in [0, {weights.shape[0]}), got {source}")
    return _shifted_quadrature(values, weights, source)
