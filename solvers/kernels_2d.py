"""Compiled (numba) kernels of the two-variable solver: coupling evaluations whose Scharfetter–Gummel
face weights reuse exponentials computed once per run.

The voltage step of ``solvers.two_variable`` solves, for every population α and w-row r,

    (α I − a L) p = rhs,   face drift v_{r,i} = f_{r,i} + c_i,   c_i = γB_α − γA_α x_{i+½},

with the Scharfetter–Gummel weights B(±z), z = v h / D, B(z) = z / (e^z − 1) (see ``solvers.kernels``
for the operator, the cancellation-free elimination and the mass restoration, reproduced here
exactly). Only c depends on the coupling scalars, and only through the face index i: the
exponential factorises,

    e^z − 1 = (e^{z_f} − 1) e^{z_c} + (e^{z_c} − 1),   z_f = f h / D,   z_c = c h / D,

so expm1(±z_f) is computed once per run for the R·(n−1) faces (the intrinsic drift f does not
change), and each coupling evaluation needs exponentials of the n−1 values z_c per population only,
not one expm1 per face and row. When z_f and z_c have the same sign the two terms are positive and
the sum has full relative accuracy; where they nearly cancel (|terms| > CANCELLATION · |sum|: faces
next to a zero of the drift) and where |z_f| or |z_c| exceeds FACTOR_LIMIT (no overflow of the
product), the face falls back to expm1(|z|) directly (``solvers.kernels._face_weights``). The
weights therefore agree with ``kernels.sg_solve_rows``'s to a few ulps times CANCELLATION (relative):
the solution is the same to round-off, p ≥ 0 for rhs ≥ 0, the mass restored exactly.

Cost: one coupling evaluation is an elimination plus one division per face (about half of
``kernels.sg_solve_rows``, whose cost is half expm1), the activities and mean voltages summed in
the same pass over each solved row.

Entry point: :class:`SplitRows` (built once per frame from the intrinsic face drift) with
``evaluate`` (one coupling evaluation) and ``apply`` (the explicit rate L p with the same weights).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .kernels import _centres, _check_sources, _face_weights

__all__ = ["SplitRows", "tilt_limit", "FACTOR_LIMIT", "CANCELLATION"]

FACTOR_LIMIT = 300.0      # |z_f|, |z_c| above this: direct expm1 (the product e^{z_f} e^{z_c} cannot overflow)
CANCELLATION = 8.0        # (|term 1| + |term 2|) / |sum| above this: direct expm1 (error ≤ a few ulps × this)


BLOCK = 8                 # rows eliminated together: their recursions are independent (vectorised)


@njit(cache=True)
def _intrinsic_exponentials(f_faces, scale):
    """(z_f, e^{z_f}, expm1(z_f)) with z_f = f · scale_α in blocks of rows, (P, nblocks, n−1, BLOCK)
    (row r = BLOCK · block + b; padding rows hold z_f = 0; NaN exponentials where |z_f| > FACTOR_LIMIT)."""
    P, R, m = f_faces.shape
    nblocks = (R + BLOCK - 1) // BLOCK
    zf = np.zeros((P, nblocks, m, BLOCK))
    ef = np.ones((P, nblocks, m, BLOCK))
    mf = np.zeros((P, nblocks, m, BLOCK))
    for al in range(P):
        s = scale[al]
        for r in range(R):
            k, b = r // BLOCK, r % BLOCK
            for i in range(m):
                z = f_faces[al, r, i] * s
                if not math.isfinite(z):
                    raise ValueError("f_faces must be finite")
                zf[al, k, i, b] = z
                if abs(z) <= FACTOR_LIMIT:
                    mf[al, k, i, b] = math.expm1(z)
                    ef[al, k, i, b] = math.exp(z)
                else:
                    mf[al, k, i, b] = np.nan
                    ef[al, k, i, b] = np.nan
    return zf, ef, mf


@njit(cache=True)
def _coupling_exponentials(gA, gB, x_faces, scale, zc, ec, mc) -> None:
    """z_c = (γB − γA x_f) · scale, e^{z_c} and expm1(z_c) (NaN where |z_c| > FACTOR_LIMIT), (P, n−1)."""
    for al in range(zc.shape[0]):
        for i in range(zc.shape[1]):
            z = (gB[al] - gA[al] * x_faces[i]) * scale[al]
            zc[al, i] = z
            if abs(z) <= FACTOR_LIMIT:
                mc[al, i] = math.expm1(z)
                ec[al, i] = math.exp(z)
            else:
                mc[al, i] = np.nan
                ec[al, i] = np.nan


@njit(cache=True, error_model="numpy")
def _block_weights(zf, ef, mf, zc, ec, mc, coef, WU, WL) -> None:
    """coef · B(z), coef · B(−z) (n−1, BLOCK) at every face of a block of rows, z = z_f + z_c.

    With E = e^z = e^{z_f} e^{z_c} and E − 1 = (e^{z_f} − 1) e^{z_c} + (e^{z_c} − 1):
    B(z) = z / (E − 1) and B(−z) = B(z) E, products and quotients of same-signed numbers (full
    relative accuracy for either sign of z) unless the two terms of E − 1 cancel or an
    exponential is beyond FACTOR_LIMIT (NaN: the test fails); those faces are redone by
    ``kernels._face_weights`` (expm1(|z|) directly) in a second pass, so the first one vectorises.
    """
    m = zf.shape[0]
    for i in range(m):
        e, c = ec[i], mc[i]
        for b in range(BLOCK):
            t = mf[i, b] * e
            w = coef * ((zf[i, b] + zc[i]) / (t + c))
            WU[i, b] = w
            WL[i, b] = w * (ef[i, b] * e)
    for i in range(m):
        c = mc[i]
        for b in range(BLOCK):
            t = mf[i, b] * ec[i]
            em = t + c
            if not (em != 0.0 and abs(t) + abs(c) <= CANCELLATION * abs(em)):
                WU[i, b], WL[i, b] = _face_weights(zf[i, b] + zc[i], 1.0, coef)


@njit(cache=True)
def _eliminate_block(WU, WL, alpha: float, Y, INV, total, total_c, mass, mass_c) -> None:
    """Y[:, b] ← (α I − a L_b)⁻¹ Y[:, b] for the rows b of a block, with the mass restoration.

    WU[i, b] = a c B(z), WL[i, b] = a c B(−z) at face i of row b; Y (n, nb) holds the right-hand
    sides on entry. The cancellation-free elimination of ``solvers.kernels._solve_row``
    (pivot d_i = σ_i + a c B(−z_i), σ_i = α + a c B(z_{i−1}) σ_{i−1} / d_{i−1}, all sums of
    positive terms) and its compensated (Neumaier) sums, run for the nb rows in lockstep: the
    inner loops over b are independent, so their divisions overlap instead of forming one
    latency-bound chain per row.
    """
    n, nb = Y.shape
    sigma = np.empty(nb)
    for b in range(nb):
        sigma[b] = alpha
        mass[b] = Y[0, b]
        mass_c[b] = 0.0
        INV[0, b] = 1.0 / (alpha + WL[0, b])
    for i in range(1, n):
        last = i == n - 1
        for b in range(nb):
            ratio = INV[i - 1, b]
            sg = alpha + WU[i - 1, b] * sigma[b] * ratio
            sigma[b] = sg
            r = Y[i, b]
            Y[i, b] = r + WL[i - 1, b] * Y[i - 1, b] * ratio
            INV[i, b] = 1.0 / (sg + (0.0 if last else WL[i, b]))
            m = mass[b]
            s = m + r
            if abs(m) >= abs(r):
                mass_c[b] += (m - s) + r
            else:
                mass_c[b] += (r - s) + m
            mass[b] = s
    for b in range(nb):
        x = Y[n - 1, b] * INV[n - 1, b]
        Y[n - 1, b] = x
        total[b] = x
        total_c[b] = 0.0
    for i in range(n - 2, -1, -1):
        for b in range(nb):
            x = (Y[i, b] + WU[i, b] * Y[i + 1, b]) * INV[i, b]
            Y[i, b] = x
            t = total[b]
            s = t + x
            if abs(t) >= abs(x):
                total_c[b] += (t - s) + x
            else:
                total_c[b] += (x - s) + t
            total[b] = s
    for b in range(nb):
        t = total[b]
        if not math.isfinite(t):
            raise FloatingPointError("non-finite stage solution: the drift, diffusion or rhs is not finite")
        t += total_c[b]
        total[b] = (mass[b] + mass_c[b]) / (alpha * t) if t != 0.0 else 1.0


@njit(cache=True)
def _evaluate(zf, ef, mf, scale, diffusion, h, gA, gB, x_faces, alpha, a, rhs, quadrature, source, row_weights):
    P, R, n = rhs.shape
    if not (0.0 < alpha < math.inf) or not (0.0 <= a < math.inf):
        raise ValueError("alpha must be finite and > 0, a finite and >= 0")
    if zf.shape[0] != P or zf.shape[1] * BLOCK < R or zf.shape[1] * BLOCK >= R + BLOCK or zf.shape[2] != n - 1:
        raise ValueError("rhs must have shape (P, R, n) matching the intrinsic face drift (P, R, n - 1)")
    if gA.shape[0] != P or gB.shape[0] != P:
        raise ValueError("gA and gB must have shape (P,)")
    K = source.shape[0]
    if quadrature.shape[0] != K or quadrature.shape[1] != n:
        raise ValueError("quadrature must have shape (K, n) for source of shape (K,)")
    if row_weights.shape[0] != R:
        raise ValueError("row_weights must have shape (R,)")
    _check_sources(source, P)
    zc, ec, mc = np.empty((P, n - 1)), np.empty((P, n - 1)), np.empty((P, n - 1))
    _coupling_exponentials(gA, gB, x_faces, scale, zc, ec, mc)
    x = _centres(x_faces, h)
    out = np.empty((P, R, n))
    m = np.zeros(K)
    xbar = np.zeros(P)
    WU, WL = np.empty((n - 1, BLOCK)), np.empty((n - 1, BLOCK))
    Y, INV = np.zeros((n, BLOCK)), np.empty((n, BLOCK))
    factor, total_c, mass, mass_c = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
    for al in range(P):
        coef = (a / (h * h)) * diffusion[al]
        for k in range(zf.shape[1]):
            r0 = k * BLOCK
            nb = min(BLOCK, R - r0)
            _block_weights(zf[al, k], ef[al, k], mf[al, k], zc[al], ec[al], mc[al], coef, WU, WL)
            for b in range(nb):
                src_row = rhs[al, r0 + b]
                for i in range(n):
                    Y[i, b] = src_row[i]
            if nb < BLOCK:
                Y[:, nb:] = 0.0
            _eliminate_block(WU, WL, alpha, Y, INV, factor, total_c, mass, mass_c)
            for b in range(nb):
                row = out[al, r0 + b]
                fb = factor[b]
                s = 0.0
                for i in range(n):
                    v = Y[i, b] * fb
                    row[i] = v
                    s += x[i] * v
                w = row_weights[r0 + b]
                xbar[al] += w * h * s
                for j in range(K):
                    if source[j] == al:
                        s = 0.0
                        for i in range(n):
                            s += quadrature[j, i] * row[i]
                        m[j] += w * s
    return out, m, xbar


@njit(cache=True)
def _apply(zf, ef, mf, scale, diffusion, h, gA, gB, x_faces, p):
    P, R, n = p.shape
    if zf.shape[0] != P or zf.shape[1] * BLOCK < R or zf.shape[1] * BLOCK >= R + BLOCK or zf.shape[2] != n - 1:
        raise ValueError("p must have shape (P, R, n) matching the intrinsic face drift (P, R, n - 1)")
    zc, ec, mc = np.empty((P, n - 1)), np.empty((P, n - 1)), np.empty((P, n - 1))
    _coupling_exponentials(gA, gB, x_faces, scale, zc, ec, mc)
    out = np.zeros((P, R, n))
    WU, WL = np.empty((n - 1, BLOCK)), np.empty((n - 1, BLOCK))
    for al in range(P):
        coef = diffusion[al] / (h * h)
        for k in range(zf.shape[1]):
            r0 = k * BLOCK
            _block_weights(zf[al, k], ef[al, k], mf[al, k], zc[al], ec[al], mc[al], coef, WU, WL)
            for b in range(min(BLOCK, R - r0)):
                q, o = p[al, r0 + b], out[al, r0 + b]
                for i in range(n - 1):
                    flux = WL[i, b] * q[i] - WU[i, b] * q[i + 1]
                    o[i] -= flux
                    o[i + 1] += flux
    return out


def _floats(name: str, value, ndim: int) -> np.ndarray:
    out = np.ascontiguousarray(value, dtype=np.float64)
    if out.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {out.shape}")
    return out


class SplitRows:
    """The row stages of a frame whose face drift is f_faces[α, r] + γB_α − γA_α x_faces.

    f_faces : (P, R, n−1) intrinsic face drift per population and row (fixed for the run);
    x_faces : (n−1,) interior faces, uniform spacing h > 0; diffusion : (P,) D_α > 0.
    ``evaluate`` and ``apply`` equal ``kernels.physical_evaluate`` and ``kernels.sg_apply_rows`` of the
    same drift to round-off (module docstring) at about half the cost of one ``sg_solve_rows``.
    """

    def __init__(self, f_faces: np.ndarray, x_faces: np.ndarray, diffusion: np.ndarray, h: float) -> None:
        f_faces = _floats("f_faces", f_faces, 3)
        self.x_faces = _floats("x_faces", x_faces, 1)
        self.diffusion = _floats("diffusion", diffusion, 1)
        self.h = float(h)
        if not 0.0 < self.h < math.inf:
            raise ValueError(f"h must be finite and > 0, got {h!r}")
        P, R, m = f_faces.shape
        if self.x_faces.shape != (m,):
            raise ValueError(f"x_faces must have shape ({m},) for f_faces of shape {f_faces.shape}")
        if self.diffusion.shape != (P,) or not np.all((self.diffusion > 0) & np.isfinite(self.diffusion)):
            raise ValueError(f"diffusion must have shape ({P},) with finite values > 0")
        self.shape = (P, R, m + 1)
        self.scale = self.h / self.diffusion
        self.zf, self.ef, self.mf = _intrinsic_exponentials(f_faces, self.scale)     # (P, blocks, n−1, BLOCK)

    def evaluate(self, gA: np.ndarray, gB: np.ndarray, alpha: float, a: float, rhs: np.ndarray,
                 quadrature: np.ndarray, source: np.ndarray,
                 row_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(p (P, R, n), m (K,), xbar (P,)) as ``kernels.physical_evaluate`` for this drift.

        rhs (P, R, n) C-contiguous float64; quadrature (K, n); source (K,) int64; row_weights (R,).
        """
        if rhs.shape != self.shape:
            raise ValueError(f"rhs must have shape {self.shape}, got {rhs.shape}")
        return _evaluate(self.zf, self.ef, self.mf, self.scale, self.diffusion, self.h, gA, gB, self.x_faces,
                         float(alpha), float(a), rhs, quadrature, source, row_weights)

    def apply(self, gA: np.ndarray, gB: np.ndarray, p: np.ndarray) -> np.ndarray:
        """L p (P, R, n) for the drift of γA, γB (P,); p (P, R, n) C-contiguous float64."""
        if p.shape != self.shape:
            raise ValueError(f"p must have shape {self.shape}, got {p.shape}")
        return _apply(self.zf, self.ef, self.mf, self.scale, self.diffusion, self.h, gA, gB, self.x_faces, p)


TILT_ITERATIONS = 60


@njit(cache=True)
def _tilted(c, x, centre, kappa, lo_i, hi_i, o) -> tuple[float, float, float]:
    """o = c e^{κ (x − centre) − max}, and (Σ o, mean, variance) of o over the cells lo_i … hi_i."""
    top = -math.inf
    for i in range(lo_i, hi_i + 1):
        if c[i] > 0.0:
            top = max(top, kappa * (x[i] - centre))
    s0 = 0.0
    s1 = 0.0
    for i in range(lo_i, hi_i + 1):
        v = c[i] * math.exp(kappa * (x[i] - centre) - top) if c[i] > 0.0 else 0.0
        o[i] = v
        s0 += v
        s1 += v * x[i]
    mean = s1 / s0
    s2 = 0.0
    for i in range(lo_i, hi_i + 1):
        d = x[i] - mean
        s2 += o[i] * d * d
    return s0, mean, s2 / s0


@njit(cache=True)
def _tilt_limit(rows, x, floor, out):
    """Kernel of :func:`tilt_limit`: returns the number of rows changed and the largest unmatched mean."""
    R, n = rows.shape
    changed = 0
    worst = 0.0
    for r in range(R):
        q, o = rows[r], out[r]
        negative = False
        for i in range(n):
            o[i] = q[i]
            if q[i] < 0.0:
                negative = True
        if not negative:
            continue
        changed += 1
        mass = 0.0
        first = 0.0
        negative_mass = 0.0
        for i in range(n):
            mass += q[i]
            first += x[i] * q[i]
            o[i] = max(q[i], 0.0)
            negative_mass -= min(q[i], 0.0)
        if negative_mass <= floor[r] and mass > 0.0:        # clip and rescale: the mean moves by ≤ floor · spread
            kept = mass + negative_mass
            for i in range(n):
                o[i] *= mass / kept
            continue
        lo_i, hi_i = n, -1
        for i in range(n):
            if o[i] > 0.0:
                lo_i = min(lo_i, i)
                hi_i = i
        if not mass > 0.0 or hi_i < 0:
            for i in range(n):
                o[i] = 0.0
            continue
        target = first / mass
        c = o.copy()
        spread = x[hi_i] - x[lo_i]
        centre = 0.5 * (x[hi_i] + x[lo_i])
        kappa = 0.0
        if spread > 0.0 and x[lo_i] < target < x[hi_i]:
            for _ in range(TILT_ITERATIONS):
                s0, mean, var = _tilted(c, x, centre, kappa, lo_i, hi_i, o)
                miss = target - mean
                if abs(miss) <= 1e-14 * spread or not var > 0.0:
                    break
                step = miss / var                      # Newton: d mean / d κ = variance
                cap = 20.0 / spread
                kappa += min(max(step, -cap), cap)
        s0, mean, var = _tilted(c, x, centre, kappa, lo_i, hi_i, o)
        worst = max(worst, abs(target - mean))
        factor = mass / s0
        for i in range(lo_i, hi_i + 1):
            o[i] *= factor
    return changed, worst


def tilt_limit(rows: np.ndarray, x: np.ndarray, floor: np.ndarray | None = None) -> tuple[np.ndarray, int, float]:
    """Positivity limiter of stage right-hand sides that keeps every row's mass *and* first moment.

    A row q (n,) with negative entries is replaced by c_i e^{κ x_i} / Z, c = max(q, 0), with Z
    restoring the mass Σ q and κ (Newton: d mean / d κ = the tilted variance > 0, so the tilted
    mean is monotone in κ) restoring the mean Σ x q / Σ q. The exponential tilt of a Gaussian
    profile is its exact translation, so the correction is the smooth one a moving density needs;
    the plain clip-and-rescale limiter instead shifts each row's mean (and hence the mean voltage x̄)
    by the clipped trailing or leading part. A row with Σ q ≤ 0 (round-off tails) becomes 0; a mean
    outside the support of c cannot be matched (it is reported in ``worst``). A row whose negative
    part Σ max(−q, 0) is at most ``floor`` (R,) is only clipped and rescaled: its first moment then
    moves by at most floor × (x_max − x_min) (default floor 0: every row with a negative entry is
    tilted).

    rows (R, n) float64 C-contiguous, x (n,) cell centres. Returns (limited rows, rows changed,
    worst unmatched mean |Σ x o / Σ o − Σ x q / Σ q| over the changed rows).
    """
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    out = np.empty_like(rows)
    floor = np.zeros(rows.shape[0]) if floor is None else np.ascontiguousarray(floor, dtype=np.float64)
    if floor.shape != (rows.shape[0],):
        raise ValueError(f"floor must have shape ({rows.shape[0]},), got {floor.shape}")
    changed, worst = _tilt_limit(rows, np.ascontiguousarray(x, dtype=np.float64), floor, out)
    return out, int(changed), float(worst)
