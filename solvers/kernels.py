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
  value and the solution are sums of non-negative terms: p ≥ 0 whenever rhs ≥ 0 (any α, a, z),
  with componentwise relative accuracy (no pivoting needed, no growth). Where the numpy path's
  LAPACK elimination loses digits (a‖L‖ ≫ α with several potential wells, errors up to
  ε‖L‖ / |λ₂|) this one stays exact to round-off.
- The mass restoration of ``solve_stage`` is kept (each row rescaled to Σ p = Σ rhs / α, skipped
  for a row whose solution sums to 0), so the stage conserves mass to round-off; both sums are
  compensated (Neumaier), so the restored mass is exact to an ulp and does not drift over many steps.
- Non-finite data raise FloatingPointError instead of returning NaN; wrong shapes or values
  raise ValueError naming the argument (checked inside the compiled code, so the checks cost
  nothing measurable).

Entry points: ``sg_solve_rows`` (the stage solve for given face drifts), ``sg_apply_rows`` (L p),
``physical_evaluate`` / ``physical_evaluate_1d`` (one coupling evaluation of the physical frame:
drift from γA, γB, stage solves, activities quadrature and first moments in one pass) and
``PhysicalStageKernel`` (a whole physical-frame stage: the secant–Newton coupling iteration of
``solvers.coupling.SecantNewton`` run in compiled code around that evaluation).

The kernels are compiled lazily on first use with ``cache=True`` (later processes load the
machine code from the cache); the wrappers pass C-contiguous float64 / int64 arrays only, so
each kernel has exactly one specialisation. fastmath is off: results match the numpy path to
round-off.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .coupling import MAX_HALVINGS, CouplingError, SecantNewton

__all__ = ["sg_solve_rows", "sg_apply_rows", "combine_rows", "physical_evaluate", "physical_evaluate_1d",
           "PhysicalStageKernel"]


_EXP_OVERFLOW = 709.79      # expm1(s) = inf for every s ≥ this (overflow starts at 709.7827…)


# -- compiled cores ---------------------------------------------------------------------------------------
@njit(cache=True)
def _face_weights(v: float, scale: float, coef: float) -> tuple[float, float]:
    """(coef·B(z), coef·B(−z)) for z = v·scale, both to full relative accuracy."""
    z = v * scale
    s = abs(z)
    if s == 0.0:
        b = 1.0
    elif s >= _EXP_OVERFLOW:
        b = 0.0                                    # e^|z| overflows: B(|z|) = 0 (saves the call)
    else:
        e = math.expm1(s)
        b = 0.0 if math.isinf(e) else s / e       # B(|z|)
    if z >= 0.0:
        return coef * b, coef * (b + s)            # B(z) = B(|z|), B(−z) = B(|z|) + |z|
    return coef * (b + s), coef * b


@njit(cache=True)
def _solve_row(v, D: float, h: float, alpha: float, a: float, rhs, out, wu, inv_d) -> None:
    """One row: out = (α I − a L) ⁻¹ rhs with mass restoration; wu, inv_d are scratch (n − 1,), (n,)."""
    factor = _solve_row_unscaled(v, D, h, alpha, a, rhs, out, wu, inv_d)
    if factor != 1.0:
        for i in range(rhs.shape[0]):
            out[i] *= factor


@njit(cache=True)
def _solve_row_unscaled(v, D: float, h: float, alpha: float, a: float, rhs, out, wu, inv_d) -> float:
    """out = (α I − a L) ⁻¹ rhs before the mass restoration; returns the restoring factor
    Σ rhs / (α Σ out) (1 for a row summing to 0), which the caller applies (fused with its next pass)."""
    n = rhs.shape[0]
    scale = h / D
    ca = (a / (h * h)) * D
    # forward elimination; wl_prev = a c B(−z_{i−1}) couples row i to p_{i−1}
    sigma = alpha
    wl_prev = 0.0
    y_prev = 0.0
    mass_rhs = 0.0
    mass_rhs_c = 0.0                               # compensation terms of the two sums (Neumaier)
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
        s = mass_rhs + rhs[i]
        if abs(mass_rhs) >= abs(rhs[i]):
            mass_rhs_c += (mass_rhs - s) + rhs[i]
        else:
            mass_rhs_c += (rhs[i] - s) + mass_rhs
        mass_rhs = s
        y_prev = y
        wl_prev = wl_i
    # back substitution
    x = out[n - 1] * inv_d[n - 1]
    out[n - 1] = x
    total = x
    total_c = 0.0
    for i in range(n - 2, -1, -1):
        x = (out[i] + wu[i] * x) * inv_d[i]
        out[i] = x
        s = total + x
        if abs(total) >= abs(x):
            total_c += (total - s) + x
        else:
            total_c += (x - s) + total
        total = s
    if not math.isfinite(total):
        raise FloatingPointError("non-finite stage solution: face_drift, diffusion or rhs is not finite")
    total += total_c
    if total == 0.0:
        return 1.0
    return (mass_rhs + mass_rhs_c) / (alpha * total)


@njit(cache=True)
def _check_scalars(h, alpha, a) -> None:
    if not (0.0 < h < math.inf):
        raise ValueError("h must be finite and > 0")
    if not (0.0 < alpha < math.inf):
        raise ValueError("alpha must be finite and > 0")
    if not (0.0 <= a < math.inf):
        raise ValueError("a must be finite and >= 0")


@njit(cache=True)
def _check_rows(face_drift, diffusion, cells) -> None:
    """face_drift (R, cells − 1), diffusion (R,) finite > 0, cells ≥ 2."""
    if cells < 2:
        raise ValueError("rhs (or p) must have at least 2 cells per row")
    R = face_drift.shape[0]
    if face_drift.shape[1] != cells - 1:
        raise ValueError("face_drift must have shape (R, n - 1) for rows of n cells")
    if diffusion.shape[0] != R:
        raise ValueError("diffusion must have shape (R,): one D per row")
    for r in range(R):
        if not (0.0 < diffusion[r] < math.inf):
            raise ValueError("diffusion must be finite and > 0 in every row")


# The compiled entry points write into arrays allocated by their Python wrappers: boxing an array
# allocated inside compiled code costs about a microsecond per returned array.
@njit(cache=True)
def _sg_solve_rows(face_drift, diffusion, h, alpha, a, rhs, out) -> None:
    R, n = rhs.shape
    _check_scalars(h, alpha, a)
    if face_drift.shape[0] != R:
        raise ValueError("face_drift must have shape (R, n - 1) for rhs of shape (R, n)")
    _check_rows(face_drift, diffusion, n)
    wu = np.empty(n - 1)
    inv_d = np.empty(n)
    for r in range(R):
        _solve_row(face_drift[r], diffusion[r], h, alpha, a, rhs[r], out[r], wu, inv_d)


@njit(cache=True)
def _sg_apply_rows(face_drift, diffusion, h, p, out) -> None:
    R, n = p.shape
    _check_scalars(h, 1.0, 0.0)
    if face_drift.shape[0] != R:
        raise ValueError("face_drift must have shape (R, n - 1) for p of shape (R, n)")
    _check_rows(face_drift, diffusion, n)
    out[...] = 0.0
    for r in range(R):
        D = diffusion[r]
        scale = h / D
        c = D / (h * h)
        for i in range(n - 1):
            wu, wl = _face_weights(face_drift[r, i], scale, c)
            flux = wl * p[r, i] - wu * p[r, i + 1]     # J_{i+½} / h
            out[r, i] -= flux
            out[r, i + 1] += flux


@njit(cache=True)
def _combine_rows(c1, y1, c0, y0, out) -> float:
    if y1.shape[0] != y0.shape[0] or y1.shape[1] != y0.shape[1]:
        raise ValueError("y1 and y0 must have the same shape")
    lowest = math.inf
    for r in range(y1.shape[0]):
        for i in range(y1.shape[1]):
            value = c1 * y1[r, i] + c0 * y0[r, i]
            out[r, i] = value
            lowest = min(lowest, value)
    return lowest


@njit(cache=True)
def _check_sources(source, P) -> None:
    for j in range(source.shape[0]):
        if not (0 <= source[j] < P):
            raise ValueError("source must hold population indices in [0, P)")


@njit(cache=True)
def _check_evaluation(f_faces, gA, gB, x_faces, diffusion, h, alpha, a, rhs, quadrature, source,
                      row_weights) -> None:
    P, R, n = rhs.shape
    K = source.shape[0]
    _check_scalars(h, alpha, a)
    if n < 2:
        raise ValueError("rhs must have at least 2 cells per row")
    if f_faces.shape[0] != P or f_faces.shape[1] != R or f_faces.shape[2] != n - 1:
        raise ValueError("f_faces must have shape (P, R, n - 1) for rhs of shape (P, R, n)")
    if gA.shape[0] != P or gB.shape[0] != P or diffusion.shape[0] != P:
        raise ValueError("gA, gB and diffusion must have shape (P,)")
    if x_faces.shape[0] != n - 1:
        raise ValueError("x_faces must have shape (n - 1,)")
    if quadrature.shape[0] != K or quadrature.shape[1] != n:
        raise ValueError("quadrature must have shape (K, n) for source of shape (K,)")
    if row_weights.shape[0] != R:
        raise ValueError("row_weights must have shape (R,)")
    _check_sources(source, P)
    for al in range(P):
        if not (0.0 < diffusion[al] < math.inf):
            raise ValueError("diffusion must be finite and > 0 for every population")


@njit(cache=True)
def _centres(x_faces, h):
    n = x_faces.shape[0] + 1
    x = np.empty(n)
    x[0] = x_faces[0] - 0.5 * h
    for i in range(1, n - 1):
        x[i] = 0.5 * (x_faces[i - 1] + x_faces[i])
    x[n - 1] = x_faces[n - 2] + 0.5 * h
    return x


@njit(cache=True)
def _evaluate_into(f_faces, gA, gB, x_faces, diffusion, h, alpha, a, rhs, quadrature, source, row_weights,
                   x, out, m, xbar, v, wu, inv_d) -> None:
    """The fused evaluation into preallocated out (P, R, n), m (K,), xbar (P,); v, wu, inv_d scratch."""
    P, R, n = rhs.shape
    K = source.shape[0]
    m[:] = 0.0
    xbar[:] = 0.0
    mine = np.empty(K, dtype=np.int64)          # the channels whose source is the current population
    sums = np.empty(K)
    for al in range(P):
        for r in range(R):
            for i in range(n - 1):
                v[i] = (gB[al] - gA[al] * x_faces[i]) + f_faces[al, r, i]
            row = out[al, r]
            factor = _solve_row_unscaled(v, diffusion[al], h, alpha, a, rhs[al, r], row, wu, inv_d)
            # one pass: the mass restoration, the first moment and the activities of the row
            Ka = 0
            for j in range(K):
                if source[j] == al:
                    mine[Ka] = j
                    sums[Ka] = 0.0
                    Ka += 1
            s = 0.0
            for i in range(n):
                value = row[i] * factor
                row[i] = value
                s += x[i] * value
                for jj in range(Ka):
                    sums[jj] += quadrature[mine[jj], i] * value
            w = row_weights[r]
            xbar[al] += w * h * s
            for jj in range(Ka):
                m[mine[jj]] += w * sums[jj]


@njit(cache=True)
def _physical_evaluate(f_faces, gA, gB, x_faces, diffusion, h, alpha, a, rhs, quadrature, source,
                       row_weights):
    _check_evaluation(f_faces, gA, gB, x_faces, diffusion, h, alpha, a, rhs, quadrature, source, row_weights)
    P, R, n = rhs.shape
    out = np.empty((P, R, n))
    m = np.empty(source.shape[0])
    xbar = np.empty(P)
    _evaluate_into(f_faces, gA, gB, x_faces, diffusion, h, alpha, a, rhs, quadrature, source, row_weights,
                   _centres(x_faces, h), out, m, xbar, np.empty(n - 1), np.empty(n - 1), np.empty(n))
    return out, m, xbar


@njit(cache=True)
def _residual_norm(r, scale) -> float:
    out = 0.0
    for j in range(r.shape[0]):
        out = max(out, abs(r[j]) / scale[j])
    return out


@njit(cache=True)
def _converged(r, tol, scale) -> bool:
    for j in range(r.shape[0]):
        if not abs(r[j]) <= tol * scale[j]:
            return False
    return True


@njit(cache=True)
def _solve_small(matrix, rhs):
    """x with matrix x = rhs by Gaussian elimination with partial pivoting; ok = False if singular."""
    K = rhs.shape[0]
    lu = matrix.copy()
    x = rhs.copy()
    for c in range(K):
        piv = c
        for i in range(c + 1, K):
            if abs(lu[i, c]) > abs(lu[piv, c]):
                piv = i
        if lu[piv, c] == 0.0 or not math.isfinite(lu[piv, c]):
            return x, False
        if piv != c:
            for j in range(K):
                lu[c, j], lu[piv, j] = lu[piv, j], lu[c, j]
            x[c], x[piv] = x[piv], x[c]
        for i in range(c + 1, K):
            f = lu[i, c] / lu[c, c]
            for j in range(c, K):
                lu[i, j] -= f * lu[c, j]
            x[i] -= f * x[c]
    for c in range(K - 1, -1, -1):
        s = x[c]
        for j in range(c + 1, K):
            s -= lu[c, j] * x[j]
        x[c] = s / lu[c, c]
    return x, True


@njit(cache=True)
def _all_finite(r) -> bool:
    for j in range(r.shape[0]):
        if not math.isfinite(r[j]):
            return False
    return True


@njit(cache=True)
def _broyden_update(jacobian, dr, du) -> None:
    """Broyden's good update J ← J + (Δr − J du) duᵀ / duᵀdu, in place (plain loops: K is small)."""
    K = du.shape[0]
    dd = 0.0
    for j in range(K):
        dd += du[j] * du[j]
    for i in range(K):
        jd = 0.0
        for j in range(K):
            jd += jacobian[i, j] * du[j]
        c = dr[i] - jd
        for j in range(K):
            jacobian[i, j] += c * du[j] / dd


@njit(cache=True)
def _stage_residual(u, out, m_hat, f_faces, x_faces, diffusion, h, quadrature, source, internal, weights, reversal,
                    gamma, row_weights, alpha, a, rhs, x, m_full, gA, gB, xbar, v, wu, inv_d):
    """r = u − m̂(u): activities m (u for the internal channels), γA, γB, then the fused evaluation."""
    for j in range(u.shape[0]):
        m_full[internal[j]] = u[j]
    for al in range(gA.shape[0]):
        sa = 0.0
        sb = 0.0
        for k in range(m_full.shape[0]):
            sa += m_full[k] * weights[al, k]
            sb += (m_full[k] * reversal[k]) * weights[al, k]
        gA[al] = gamma * sa
        gB[al] = gamma * sb
    _evaluate_into(f_faces, gA, gB, x_faces, diffusion, h, alpha, a, rhs, quadrature, source, row_weights,
                   x, out, m_hat, xbar, v, wu, inv_d)
    return u - m_hat


# status codes of _physical_stage
_CONVERGED, _NON_FINITE, _TOO_MANY, _SINGULAR, _NO_DESCENT = 0, 1, 2, 3, 4


@njit(cache=True)
def _physical_stage(f_faces, x_faces, diffusion, h, quadrature, source, internal, weights, reversal, gamma,
                    row_weights, external, alpha, a, rhs, u0, jacobian, has_jacobian, tol, scale, typical,
                    max_evaluations, max_halvings, p_out, small_out):
    """The secant–Newton iteration of ``solvers.coupling.SecantNewton`` on r(u) = u − m̂(u) with the
    fused evaluation, entirely compiled. Writes p into ``p_out`` (P, R, n) and (u, r, m̂, x̄, u − J⁻¹r)
    into ``small_out`` (4K + P,), x̄ the mean voltages of p and u − J⁻¹r the quasi-Newton estimate of
    the root (``SecantNewton.newton_estimate``), and updates ``jacobian`` in place; returns
    (status, evaluations, jacobian updates, has_jacobian). Outputs go into arrays the caller owns
    because boxing a new array on return costs about a microsecond each."""
    _check_evaluation(f_faces, np.empty(rhs.shape[0]), np.empty(rhs.shape[0]), x_faces, diffusion, h, alpha,
                      a, rhs, quadrature, source, row_weights)
    P, R, n = rhs.shape
    K = u0.shape[0]
    x = _centres(x_faces, h)
    v, wu, inv_d = np.empty(n - 1), np.empty(n - 1), np.empty(n)
    gA, gB = np.empty(P), np.empty(P)
    m_full = external.copy()
    m_hats = np.empty((3, K))
    xbars = np.empty((3, P))
    buffers = np.empty((3, P, R, n))        # accepted, trial and finite-difference evaluations
    cur, new, tmp = 0, 1, 2

    u = u0.copy()
    r = _stage_residual(u, buffers[cur], m_hats[cur], f_faces, x_faces, diffusion, h,
                                  quadrature, source, internal, weights, reversal, gamma, row_weights, alpha, a,
                                  rhs, x, m_full, gA, gB, xbars[cur], v, wu, inv_d)
    evaluations, updates, used = 1, 0, 1
    fresh = False
    status = _CONVERGED
    while not _converged(r, tol, scale):
        if not _all_finite(r):
            status = _NON_FINITE
            break
        if used > max_evaluations:
            status = _TOO_MANY
            break
        if not has_jacobian:
            for j in range(K):
                step = 1e-7 * max(abs(u[j]), typical[j])
                w = u.copy()
                w[j] += step
                jacobian[:, j] = (_stage_residual(w, buffers[tmp], m_hats[tmp], f_faces, x_faces, diffusion, h,
                                  quadrature, source, internal, weights, reversal, gamma, row_weights, alpha, a,
                                  rhs, x, m_full, gA, gB, xbars[tmp], v, wu, inv_d) - r) / step
            evaluations += K
            used += K
            updates += 1
            has_jacobian = True
            fresh = True
        du, ok = _solve_small(jacobian, r)
        if not ok:
            has_jacobian = False
            if fresh:
                status = _SINGULAR
                break
            continue
        du = -du
        r_new = _stage_residual(u + du, buffers[new], m_hats[new], f_faces, x_faces, diffusion, h,
                                  quadrature, source, internal, weights, reversal, gamma, row_weights, alpha, a,
                                  rhs, x, m_full, gA, gB, xbars[new], v, wu, inv_d)
        evaluations += 1
        used += 1
        norm = _residual_norm(r, scale)
        if fresh and _residual_norm(r_new, scale) > norm:
            descended = False
            for _ in range(max_halvings):
                du *= 0.5
                r_new = _stage_residual(u + du, buffers[new], m_hats[new], f_faces, x_faces, diffusion, h,
                                  quadrature, source, internal, weights, reversal, gamma, row_weights, alpha, a,
                                  rhs, x, m_full, gA, gB, xbars[new], v, wu, inv_d)
                evaluations += 1
                used += 1
                if _residual_norm(r_new, scale) < norm:
                    descended = True
                    break
            if not descended:
                status = _NO_DESCENT
                break
        # Broyden's good update: J ← J + (Δr − J du) duᵀ / duᵀdu
        _broyden_update(jacobian, r_new - r, du)
        if _residual_norm(r_new, scale) > 0.5 * norm:
            has_jacobian = False
        fresh = False
        u = u + du
        r = r_new
        cur, new = new, cur
    if p_out.shape != rhs.shape or small_out.shape[0] != 4 * K + P:
        raise ValueError("p_out must have the shape of rhs and small_out the length 4K + P")
    p_out[...] = buffers[cur]
    small_out[:K] = u
    small_out[K:2 * K] = r
    small_out[2 * K:3 * K] = m_hats[cur]
    small_out[3 * K:3 * K + P] = xbars[cur]
    small_out[3 * K + P:] = u
    if status == _CONVERGED and has_jacobian:
        du, ok = _solve_small(jacobian, r)
        if ok:
            small_out[3 * K + P:] = u - du
    return status, evaluations, updates, has_jacobian


# -- entry points: conversions here, every other check inside the compiled code (no per-call numpy) ----------
def _floats(name: str, value, ndim: int) -> np.ndarray:
    out = np.ascontiguousarray(value, dtype=np.float64)
    if out.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {out.shape}")
    return out


def _positive_finite(name: str, value) -> float:
    out = float(value)
    if not 0.0 < out < math.inf:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return out


def _indices(name: str, value) -> np.ndarray:
    out = np.asarray(value)
    if out.ndim != 1 or (out.size and out.dtype.kind not in "iu"):
        raise TypeError(f"{name} must be a 1-d integer array, got {out.dtype} of shape {out.shape}")
    return np.ascontiguousarray(out, dtype=np.int64)


def sg_solve_rows(face_drift: np.ndarray, diffusion: np.ndarray, h: float, alpha: float, a: float,
                  rhs: np.ndarray) -> np.ndarray:
    """Solve (α I − a L) p = rhs row by row, L the Scharfetter–Gummel operator with zero-flux ends.

    face_drift : (R, n−1) float, drift v at the interior faces of each row.
    diffusion : (R,) float > 0, D of each row.
    h : cell width > 0;  alpha : α > 0;  a : a ≥ 0 (stage coefficients).
    rhs : (R, n) float, n ≥ 2.
    Returns p (R, n) float64 with Σ_i p = Σ_i rhs / α per row (mass restored to round-off) and
    p ≥ 0 where rhs ≥ 0; equal to ``solve_stage(*stage_bands(...), rhs, alpha)`` to round-off
    where that is accurate, and exact to round-off where it is not (a‖L‖ ≫ α with several
    potential wells; see the module docstring). Cost: one expm1 and about fifteen flops per cell.
    Raises ValueError naming the argument for a wrong shape or value.
    """
    rhs = _floats("rhs", rhs, 2)
    out = np.empty_like(rhs)
    _sg_solve_rows(_floats("face_drift", face_drift, 2), _floats("diffusion", diffusion, 1), float(h),
                   float(alpha), float(a), rhs, out)
    return out


def sg_apply_rows(face_drift: np.ndarray, diffusion: np.ndarray, h: float, p: np.ndarray) -> np.ndarray:
    """L p row by row (shapes as in ``sg_solve_rows``): the explicit rate of the same operator.

    Equal to ``apply_bands(*sg_bands(face_drift, diffusion, h), p)`` to round-off; Σ_i (L p)_i = 0
    up to the summation round-off (each face flux is added to one cell and taken from the other).
    """
    p = _floats("p", p, 2)
    out = np.empty_like(p)
    _sg_apply_rows(_floats("face_drift", face_drift, 2), _floats("diffusion", diffusion, 1), float(h), p, out)
    return out


def combine_rows(c1: float, y1: np.ndarray, c0: float, y0: np.ndarray) -> tuple[np.ndarray, float]:
    """(c1 y1 + c0 y0, its smallest entry) for two (R, n) arrays in one compiled pass (bitwise equal to
    numpy's ``c1 * y1 + c0 * y0``: the same two products and one sum per entry, no fused multiply-add)."""
    y1 = _floats("y1", y1, 2)
    out = np.empty_like(y1)
    lowest = _combine_rows(float(c1), y1, float(c0), _floats("y0", y0, 2), out)
    return out, lowest


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
    Returns (p (P, R, n), m (K,), xbar (P,)), float64. Per-call overhead ≈ 4 µs (argument
    unboxing); the checks run inside the compiled code.
    """
    rhs = _floats("rhs", rhs, 3)
    weights = np.ones(rhs.shape[1]) if row_weights is None else _floats("row_weights", row_weights, 1)
    return _physical_evaluate(_floats("f_faces", f_faces, 3), _floats("gA", gA, 1), _floats("gB", gB, 1),
                              _floats("x_faces", x_faces, 1), _floats("diffusion", diffusion, 1), float(h),
                              float(alpha), float(a), rhs, _floats("quadrature", quadrature, 2),
                              _indices("source", source), weights)


def physical_evaluate_1d(f_faces: np.ndarray, gA: np.ndarray, gB: np.ndarray, x_faces: np.ndarray,
                         diffusion: np.ndarray, h: float, alpha: float, a: float, rhs: np.ndarray,
                         quadrature: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``physical_evaluate`` for one row per population: f_faces (P, n−1), rhs (P, n) → p (P, n), m, xbar."""
    f_faces = _floats("f_faces", f_faces, 2)
    rhs = _floats("rhs", rhs, 2)
    p, m, xbar = physical_evaluate(f_faces[:, None, :], gA, gB, x_faces, diffusion, h, alpha, a,
                                   rhs[:, None, :], quadrature, source)
    return p[:, 0, :], m, xbar


def _stage_failure(status: int, r: np.ndarray, u: np.ndarray, c: SecantNewton) -> CouplingError:
    """The CouplingError of a failed compiled stage, worded as ``SecantNewton.solve`` words it."""
    if status == _NON_FINITE:
        return CouplingError(f"non-finite coupling residual {r} at u = {u}")
    if status == _TOO_MANY:
        return CouplingError(f"coupling did not converge in {c.max_evaluations} evaluations: residual "
                             f"{float(np.max(np.abs(r) / c.scale)):.3e} > tol {c.tol:.1e} "
                             "(reduce dt, or check the network for a bifurcation)")
    if status == _SINGULAR:
        return CouplingError("singular coupling Jacobian")
    return CouplingError("coupling Newton step increased the residual even when halved "
                         f"{MAX_HALVINGS} times; reduce dt")


class PhysicalStageKernel:
    """One implicit stage of the physical frame with its coupling solved in compiled code.

    Solves α p − a L(m) p = rhs with m_j = Σ_r w_r Σ_i quadrature[j, i] p[source[j], r, i] for the
    internal channels (``internal`` their indices among all K channels; the others take the
    ``external`` values a_k(t)), γA = γ J m, γB = γ J (m ∘ E), by exactly the iteration of
    ``coupling`` (a ``solvers.coupling.SecantNewton``: finite-difference Jacobian, Broyden
    updates, backtracking, the same tolerances) around the fused evaluation of
    ``physical_evaluate`` — one compiled call per stage instead of one Python evaluation per
    iteration. The Jacobian lives in ``coupling.jacobian`` (kept across stages, reset by setting
    it to None) and ``coupling.evaluations`` / ``coupling.jacobian_updates`` are counted as by
    ``SecantNewton.solve``; failures raise the same ``CouplingError``. Small linear systems use
    Gaussian elimination with partial pivoting (as LAPACK gesv), so iterates equal those of the
    Python iteration to round-off. A non-finite density (non-finite data) raises
    FloatingPointError from the stage solve.

    f_faces (P, R, n−1), x_faces (n−1,), diffusion (P,), h: as in ``physical_evaluate``;
    quadrature (Ki, n), source (Ki,), internal (Ki,) channel indices in [0, K);
    weights (P, K) the coupling matrix J; reversal (K,) E_k; gamma ≥ 0 finite; row_weights (R,).
    """

    def __init__(self, coupling: SecantNewton, f_faces: np.ndarray, x_faces: np.ndarray, diffusion: np.ndarray,
                 h: float, quadrature: np.ndarray, source: np.ndarray, internal: np.ndarray, weights: np.ndarray,
                 reversal: np.ndarray, gamma: float, row_weights: np.ndarray | None = None) -> None:
        self.coupling = coupling
        self.f_faces = _floats("f_faces", f_faces, 3)
        self.x_faces = _floats("x_faces", x_faces, 1)
        self.diffusion = _floats("diffusion", diffusion, 1)
        self.h = _positive_finite("h", h)
        self.quadrature = _floats("quadrature", quadrature, 2)
        self.source = _indices("source", source)
        self.internal = _indices("internal", internal)
        self.weights = _floats("weights", weights, 2)
        self.reversal = _floats("reversal", reversal, 1)
        self.gamma = float(gamma)
        if not 0.0 <= self.gamma < math.inf:
            raise ValueError(f"gamma must be finite and >= 0, got {gamma!r}")
        P, R = self.f_faces.shape[:2]
        K = self.reversal.size
        self.row_weights = np.ones(R) if row_weights is None else _floats("row_weights", row_weights, 1)
        if self.weights.shape != (P, K):
            raise ValueError(f"weights must have shape (P, K) = {(P, K)}, got {self.weights.shape}")
        if self.internal.shape != self.source.shape or (self.internal.size and not (
                0 <= self.internal.min() and self.internal.max() < K)):
            raise ValueError(f"internal must hold {self.source.size} channel indices in [0, {K})")
        Ki = self.internal.size
        if coupling.scale.shape != (Ki,) or coupling.typical.shape != (Ki,):
            raise ValueError(f"coupling.scale and coupling.typical must have shape ({Ki},)")
        self._jacobian = np.zeros((Ki, Ki))           # updated in place; shared as coupling.jacobian
        self.means = np.zeros(P)                      # x̄ of the last converged stage
        self._Ki = Ki                                 # u, r, m̂, x̄, u − J⁻¹r: blocks of Ki, Ki, Ki, P, Ki
        self.next_guess = np.zeros(Ki)                # u − J⁻¹r of the last converged stage

    def solve(self, rhs: np.ndarray, alpha: float, a: float, external: np.ndarray,
              u_guess: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(u, r, p (P, R, n), m̂ (Ki,)) of the converged stage, starting from u_guess (Ki,); the mean
        voltages x̄ (P,) of p are left in ``self.means`` and the quasi-Newton estimate u − J⁻¹r of the
        root (``SecantNewton.newton_estimate``) in ``self.next_guess``."""
        external = _floats("external", external, 1)
        if external.shape != self.reversal.shape:
            raise ValueError(f"external must have shape {self.reversal.shape}, got {external.shape}")
        u0 = _floats("u_guess", u_guess, 1)
        if u0.shape != (self.internal.size,):
            raise ValueError(f"u_guess must have shape ({self.internal.size},), got {u0.shape}")
        return self.solve_checked(_floats("rhs", rhs, 3), float(alpha), float(a), external, u0)

    def solve_checked(self, rhs: np.ndarray, alpha: float, a: float, external: np.ndarray,
                      u_guess: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`solve` for arguments already known to be C-contiguous float64 arrays of the right
        dimensions and floats (a frame's own stage data): no conversions, the compiled code still
        checks every shape and value."""
        c = self.coupling
        has = c.jacobian is not None
        jacobian = self._jacobian
        if has and c.jacobian is not jacobian:        # set from outside: take a copy into the buffer
            jacobian[...] = c.jacobian
        p = np.empty_like(rhs)
        P = rhs.shape[0]
        small = np.empty(4 * self.internal.size + P)
        status, evaluations, updates, has = _physical_stage(
            self.f_faces, self.x_faces, self.diffusion, self.h, self.quadrature, self.source, self.internal,
            self.weights, self.reversal, self.gamma, self.row_weights, external, alpha, a, rhs, u_guess,
            jacobian, has, float(c.tol), c.scale, c.typical, int(c.max_evaluations), MAX_HALVINGS, p, small)
        K = self._Ki
        u, r, m_hat = small[:K], small[K:2 * K], small[2 * K:3 * K]
        self.means, self.next_guess = small[3 * K:3 * K + P], small[3 * K + P:]
        c.evaluations += evaluations
        c.jacobian_updates += updates
        c.jacobian = jacobian if has else None
        if status != _CONVERGED:
            raise _stage_failure(status, r, u, c)
        return u, r, p, m_hat
