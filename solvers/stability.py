"""Stability certificates of firing-rate networks (docs/theory/rates.md).

* :func:`lds_certificate`: max over diagonal P ≥ 0, trace P = n, of
  λ_min(½(PA + AᵀP)) — the LDS margin; > 0 iff A is Lyapunov diagonally stable.
  Solved by a hand-written log-barrier interior-point method (default) or by
  an SDP through cvxpy.
* :func:`principal_minor_2x2`, :func:`metzler_majorant_test`,
  :func:`jacobian_spectrum`, :func:`gamma_star`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla

from threadpoolctl import threadpool_limits

from fokker import checks
from fokker.rates import RateNetwork

from .rates import _network, _rates, _square


# ====================================================================== stability certificates
@dataclass(frozen=True)
class LDSCertificate:
    """Result of the LDS search for A.

    ``margin`` = max over diagonal P ≥ 0 with trace P = n of λ_min(½(PA + AᵀP)); > 0 iff A is LDS.
    ``weights`` = diag(P) at the optimum (mean 1); ``upper`` the solver's estimate of the optimum
    from above (barrier: t + ν/s, a bound only at exact centrality; cvxpy: its t), ``method``/``solver``
    how it was computed, ``iterations``, ``wall_time`` (s), ``stats`` (scale ‖A‖₂, convergence flags).
    """

    margin: float
    weights: np.ndarray
    method: str
    solver: str = ""
    upper: float = float("nan")
    iterations: int = 0
    wall_time: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def certified(self) -> bool:
        """True when the margin is positive: A is LDS with P = diag(weights)."""
        return self.margin > 0


def lds_value(A, weights) -> float:
    """λ_min(½(PA + AᵀP)) for P = diag(weights) (no normalisation)."""
    A = _square("A", A)
    p = checks.finite_array("weights", weights, shape=(A.shape[0],))
    PA = p[:, None] * A
    return float(np.linalg.eigvalsh(0.5 * (PA + PA.T))[0])


def _barrier_lds(A: np.ndarray, tol: float, decide_sign: bool = False, max_newton: int = 2000) -> dict:
    """Log-barrier interior-point method for  max t  s.t.  S(p) − tI ⪰ 0, p ≥ 0, Σp = n.

    S(p) = ½(diag(p)A + Aᵀdiag(p)). For barrier parameter s it minimises
    φ_s(p, t) = −s t − log det(S(p) − tI) − Σ log p_i  on Σp = n by Newton's method with the
    exact Hessian: with Y = (S(p) − tI)⁻¹, B = AY, C = AYAᵀ,
        ∂²(−log det)/∂p_i∂p_j = ½(B_ij B_ji + Y_ij C_ij),  ∂/∂p_i = −B_ii,
        ∂²/∂t² = tr Y²,  ∂²/∂p_i∂t = −(BY)_ii,  ∂/∂t = tr Y.
    The duality gap of a central point is ν/s with ν = 2n; s grows ×3 until ν/s < tol (longer
    steps, e.g. ×20, left iterates jammed near the cone boundary with tiny Newton steps).
    With ``decide_sign`` it stops as soon as λ_min(S(p)) > 0 (certified) or t + 2ν/s < 0 (not LDS).
    """
    n = A.shape[0]
    nu = 2.0 * n
    I = np.eye(n)

    def S(p: np.ndarray) -> np.ndarray:
        PA = p[:, None] * A
        return 0.5 * (PA + PA.T)

    def phi(p: np.ndarray, t: float, s: float) -> float:
        if np.any(p <= 0):
            return np.inf
        try:
            c = np.linalg.cholesky(S(p) - t * I)
        except np.linalg.LinAlgError:
            return np.inf
        return -s * t - 2.0 * np.sum(np.log(np.diag(c))) - np.sum(np.log(p))

    p = np.ones(n)
    t = float(np.linalg.eigvalsh(S(p))[0]) - 1.0
    s = nu / 1.0
    newton = 0
    decided = None
    stalled = 0
    mu = 3.0   # a short step along the central path: with ×20 the iterates jammed against the cone (n = 200)
    while True:
        for _ in range(100):
            X = S(p) - t * I
            c, low = sla.cho_factor(X, lower=True, check_finite=False)
            Y = sla.cho_solve((c, low), I, check_finite=False)
            B = A @ Y
            C = B @ A.T
            H = np.empty((n + 1, n + 1))
            H[:n, :n] = 0.5 * (B * B.T + Y * C) + np.diag(1.0 / p**2)
            H[:n, n] = H[n, :n] = -np.einsum("ij,ji->i", B, Y)
            H[n, n] = float(np.sum(Y * Y))
            g = np.concatenate([-np.diag(B) - 1.0 / p, [np.trace(Y) - s]])
            K = np.zeros((n + 2, n + 2))
            K[: n + 1, : n + 1] = H
            K[:n, n + 1] = K[n + 1, :n] = 1.0
            rhs = np.concatenate([-g, [n - p.sum()]])
            try:
                sol = np.linalg.solve(K, rhs)
            except np.linalg.LinAlgError:
                sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
            dp, dt = sol[:n], sol[n]
            lam2 = float(-(g[:n] @ dp + g[n] * dt))
            newton += 1
            if lam2 <= 1e-9 or newton >= max_newton:
                break
            f0 = phi(p, t, s)
            alpha = 1.0
            while alpha > 1e-14:
                f1 = phi(p + alpha * dp, t + alpha * dt, s)
                if f1 <= f0 - 0.25 * alpha * lam2:
                    break
                alpha *= 0.5
            if alpha <= 1e-14:
                break
            p = p + alpha * dp
            t = t + alpha * dt
        else:
            stalled += 1          # the centring loop ran out of iterations

        if decide_sign:
            if np.linalg.eigvalsh(S(p))[0] > 0:
                decided = True
                break
            if t + 2 * nu / s < 0:
                decided = False
                break
        if nu / s < tol or newton >= max_newton:
            break
        s *= mu
    p = p * (n / p.sum())              # exact normalisation trace P = n (Newton keeps it to ~1e-9)
    margin = float(np.linalg.eigvalsh(S(p))[0])
    return {"margin": margin, "weights": p, "upper": t + nu / s, "iterations": newton, "decided": decided,
            "converged": stalled == 0 and newton < max_newton}


def _cvxpy_lds(A: np.ndarray, solver: str | None, tol: float) -> dict:
    """The same problem as an SDP in cvxpy: max t s.t. ½(PA + AᵀP) − tI ⪰ 0, p ≥ 0, Σp = n."""
    import cvxpy as cp

    n = A.shape[0]
    p = cp.Variable(n, nonneg=True)
    t = cp.Variable()
    M = cp.diag(p) @ A
    Sym = cp.Variable((n, n), symmetric=True)
    cons = [Sym == 0.5 * (M + M.T), Sym - t * np.eye(n) >> 0, cp.sum(p) == n]
    prob = cp.Problem(cp.Maximize(t), cons)
    solver = solver or ("CLARABEL" if n <= 60 else "SCS")
    opts: dict = {}
    if solver == "SCS":
        opts = {"eps_abs": tol, "eps_rel": tol, "max_iters": 200000}
    elif solver == "CLARABEL":
        opts = {"tol_gap_abs": max(tol, 1e-9), "tol_gap_rel": max(tol, 1e-9), "tol_feas": max(tol, 1e-9)}
    prob.solve(solver=solver, **opts)
    if p.value is None:
        raise RuntimeError(f"lds_certificate: cvxpy/{solver} returned status {prob.status}")
    w = np.maximum(np.asarray(p.value, dtype=float), 0.0)
    w *= n / w.sum()
    return {"margin": lds_value(A, w), "weights": w, "upper": float(t.value), "iterations":
            int(prob.solver_stats.num_iters or 0), "solver": solver, "status": prob.status}


def lds_certificate(A, *, method: str = "barrier", solver: str | None = None, tol: float = 1e-10) -> LDSCertificate:
    """Lyapunov diagonal stability certificate of a square matrix A.

    Normalisation: P = diag(weights) ≥ 0 with trace P = n (mean weight 1), so P = I gives
    λ_min of the symmetric part of A. ``margin`` = λ_min(½(PA + AᵀP)) evaluated at the
    returned weights (so it is achieved exactly by the certificate) and is within ``tol``·‖A‖
    of the optimum; margin > 0 iff A is LDS. ``method``: "barrier" (hand-written interior
    point, default) or "cvxpy" (SDP; ``solver`` "CLARABEL" for n ≤ 60 else "SCS", or any
    installed cvxpy solver).
    """
    A = _square("A", A)
    tol = checks.positive("tol", tol)
    scale = float(np.linalg.norm(A, 2)) or 1.0
    start = time.perf_counter()
    if method == "barrier":
        with threadpool_limits(limits=1, user_api="blas"):
            r = _barrier_lds(A / scale, tol)
        r["solver"] = "log-barrier Newton"
    elif method == "cvxpy":
        r = _cvxpy_lds(A / scale, solver, tol)
    else:
        raise ValueError(f"method must be 'barrier' or 'cvxpy', got {method!r}")
    wall = time.perf_counter() - start
    return LDSCertificate(margin=lds_value(A, r["weights"]), weights=r["weights"], method=method,
                          solver=r["solver"], upper=scale * r["upper"], iterations=r["iterations"],
                          wall_time=wall, stats={"scale": scale, **{k: v for k, v in r.items()
                                                                    if k in ("status", "decided", "converged")}})


def is_lds(A, *, tol: float = 1e-10) -> bool:
    """Sign of the LDS margin, with early termination of the barrier method."""
    A = _square("A", A)
    scale = float(np.linalg.norm(A, 2)) or 1.0
    with threadpool_limits(limits=1, user_api="blas"):
        r = _barrier_lds(A / scale, tol, decide_sign=True)
    return bool(r["decided"]) if r["decided"] is not None else r["margin"] > 0


def principal_minor_2x2(A) -> bool:
    """2×2 criterion: A is LDS iff a₁₁ > 0, a₂₂ > 0 and det A > 0 (all principal minors positive)."""
    A = _square("A", A)
    if A.shape != (2, 2):
        raise ValueError(f"principal_minor_2x2 needs a 2x2 matrix, got shape {A.shape}")
    return bool(A[0, 0] > 0 and A[1, 1] > 0 and np.linalg.det(A) > 0)


@dataclass(frozen=True)
class MetzlerTest:
    """ℓ∞ contraction test: ``abscissa`` = α(W̃) (W̃: off-diagonal entries of W replaced by |w_ij|); ``contracts`` iff α < 1."""

    abscissa: float
    contracts: bool


def metzler_majorant_test(W) -> MetzlerTest:
    """α(W̃) < 1 with W̃_ii = w_ii, W̃_ij = |w_ij| (i ≠ j): then I − W̃ is a nonsingular M-matrix, so
    I − W is LDS and the network contracts in a weighted ℓ∞ norm. Sign-blind, hence weaker than LDS."""
    W = _square("W", W)
    Wt = np.abs(W)
    np.fill_diagonal(Wt, np.diag(W))
    alpha = float(np.max(np.linalg.eigvals(Wt).real))
    return MetzlerTest(abscissa=alpha, contracts=alpha < 1.0)


def jacobian_spectrum(net: RateNetwork, x) -> np.ndarray:
    """Eigenvalues of the Jacobian T⁻¹(−I + diag(φ'(Wx + u)) W) at x (sorted by decreasing real part)."""
    net = _network(net)
    x = _rates(net, x)
    Jm = (-np.eye(net.n) + net.dphi(net.drive(x))[:, None] * net.W) / net.tau[:, None]
    ev = np.linalg.eigvals(Jm)
    return ev[np.argsort(-ev.real)]


@dataclass(frozen=True)
class GammaStar:
    """γ* = sup{γ : I − γJ is LDS} bracketed in [lower, upper] (lower certified LDS); ``value`` = geometric mean."""

    value: float
    lower: float
    upper: float
    evaluations: int


def gamma_star(J, *, rtol: float = 1e-3, gamma_max: float = 1e8, tol: float = 1e-10) -> GammaStar:
    """γ* by bisection (in log γ) on the sign of the LDS margin of I − γJ.

    The set {γ ≥ 0 : I − γJ LDS} is an interval [0, γ*) (convex combination with γ = 0),
    bracketed initially by 1/α(J̃) ≤ γ* (ℓ∞ Metzler test) and γ* ≤ 1/ρ(J_EE) when J has a
    nonnegative principal block (found from the columns' signs), otherwise by doubling.
    ``J`` may be a matrix or a RateNetwork (its W).
    """
    J = _square("J", J.W if isinstance(J, RateNetwork) else J)
    rtol = checks.positive("rtol", rtol)
    n = J.shape[0]
    I = np.eye(n)
    alpha = metzler_majorant_test(J).abscissa
    lo = 1.0 / alpha if alpha > 0 else gamma_max
    evals = 0
    if alpha <= 0:
        return GammaStar(value=math.inf, lower=gamma_max, upper=math.inf, evaluations=0)
    exc = np.all(J >= 0, axis=0)                    # columns that are excitatory
    hi = math.inf
    if np.any(exc):
        rho = float(np.max(np.abs(np.linalg.eigvals(J[np.ix_(exc, exc)]))))
        if rho > 0:
            hi = 1.0 / rho
    # safety: make sure lo is LDS and hi is not
    while True:
        evals += 1
        if is_lds(I - lo * J, tol=tol):
            break
        lo *= 0.5
    if math.isinf(hi):
        hi = 2 * lo
        while True:
            evals += 1
            if not is_lds(I - hi * J, tol=tol):
                break
            lo, hi = hi, 2 * hi
            if hi > gamma_max:
                return GammaStar(value=math.inf, lower=lo, upper=math.inf, evaluations=evals)
    while hi / lo > 1 + rtol:
        mid = math.sqrt(lo * hi)
        evals += 1
        if is_lds(I - mid * J, tol=tol):
            lo = mid
        else:
            hi = mid
    return GammaStar(value=math.sqrt(lo * hi), lower=lo, upper=hi, evaluations=evals)
