"""Firing-rate networks: simulation, equilibria and the game between neurons (docs/theory/rates.md).

Network: T ẋ = −x + Φ(W x + u) (see :class:`fokker.rates.RateNetwork`).

* :func:`simulate_rates` integrates the ODE with ``scipy.integrate.solve_ivp``.
* :func:`equilibria` lists every fixed point x = Φ(Wx + u) of a piecewise-linear
  network with n ≤ 12 by enumerating active sets, and otherwise finds one by
  Lemke's method for LCP(I − W, −u) (ReLU; convergent when I − W is a P-matrix,
  which LDS implies) or by Newton from the ODE's end state (clipped / callable).
* :func:`energies`, :func:`best_responses`, :func:`nash_check`: neuron i minimises
  Eⁱ(x) = ½(1 − w_ii) x_i² − x_i (Σ_{j≠i} w_ij x_j + u_i) + g(x_i) over x_i.

Stability certificates (LDS, Metzler majorant, γ*) are in :mod:`solvers.stability`.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from fokker import checks
from fokker.rates import RateNetwork
MAX_ENUMERATE = 12


# ====================================================================== input helpers
def _network(net: object) -> RateNetwork:
    if not isinstance(net, RateNetwork):
        raise TypeError(f"net must be a fokker.RateNetwork, got {type(net).__name__}")
    return net


def _square(name: str, A: object) -> np.ndarray:
    A = checks.finite_array(name, A)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {A.shape}")
    return A


def _rates(net: RateNetwork, x: object, name: str = "x") -> np.ndarray:
    x = checks.finite_array(name, x)
    if x.shape != (net.n,):
        raise ValueError(f"{name} must have shape ({net.n},) to match the network, got {x.shape}")
    return x


# ====================================================================== simulation
@dataclass(frozen=True)
class RateTrajectory:
    """Solution of T ẋ = −x + Φ(Wx + u): ``t`` (nt,), ``x`` (nt, n) — or (nt, m, n) for m initial states."""

    t: np.ndarray
    x: np.ndarray
    network: RateNetwork
    success: bool
    message: str
    nfev: int


def simulate_rates(net: RateNetwork, x0, t_span: Sequence[float], t_eval=None, *, method: str = "LSODA",
                   rtol: float = 1e-8, atol: float = 1e-10) -> RateTrajectory:
    """Integrate T ẋ = −x + Φ(Wx + u) from x0 over t_span with ``scipy.integrate.solve_ivp``.

    ``x0`` is (n,) or a batch (m, n) of initial states integrated together (then ``.x`` is (nt, m, n)).
    ``t_eval`` defaults to 101 equal times. LSODA switches to a stiff method by itself, which
    the strong-coupling family W = γJ needs for large γ.
    """
    from scipy.integrate import solve_ivp          # imported here: only the rate ODE needs it (0.2 s)
    net = _network(net)
    x0 = checks.finite_array("x0", x0)
    if x0.ndim not in (1, 2) or x0.shape[-1] != net.n:
        raise ValueError(f"x0 must have shape ({net.n},) or (m, {net.n}), got {x0.shape}")
    t0, t1 = checks.time_span(t_span)
    t = checks.output_times(t_eval, t0, t1)
    checks.positive("rtol", rtol)
    checks.positive("atol", atol)
    shape = x0.shape
    W, u, tau = net.W, net.u, net.tau

    def f(_t: float, y: np.ndarray) -> np.ndarray:
        X = y.reshape(shape)
        return ((-X + net.phi(X @ W.T + u)) / tau).ravel()

    def jac(_t: float, y: np.ndarray) -> np.ndarray:
        X = y.reshape(-1, net.n)
        blocks = [(-np.eye(net.n) + net.dphi(xr @ W.T + u)[:, None] * W) / tau[:, None] for xr in X]
        return sla.block_diag(*blocks)

    kwargs = {"jac": jac} if method in ("LSODA", "BDF", "Radau") and x0.size <= 400 else {}
    sol = solve_ivp(f, (t0, t1), x0.ravel(), method=method, t_eval=t, rtol=rtol, atol=atol, **kwargs)
    if sol.status < 0:
        raise RuntimeError(f"simulate_rates: solve_ivp failed: {sol.message}")
    x = sol.y.T.reshape((len(sol.t),) + shape)
    return RateTrajectory(t=sol.t, x=x, network=net, success=bool(sol.success), message=str(sol.message),
                          nfev=int(sol.nfev))


# ====================================================================== equilibria
def fixed_point_residual(net: RateNetwork, x) -> float:
    """‖x − Φ(Wx + u)‖∞."""
    net = _network(net)
    x = _rates(net, x)
    return float(np.max(np.abs(x - net.phi(net.drive(x)))))


def _enumerate_piecewise_linear(net: RateNetwork, tol: float) -> list[np.ndarray]:
    """All fixed points of a ReLU / clipped-ReLU network by enumerating regions.

    Each neuron is off (x_i = 0), linear (x_i = z_i) or saturated (x_i = h, clipped only).
    For a linear set A and a saturated set S the fixed point solves
    (I − W_AA) x_A = u_A + h W_AS 1; a candidate is kept if x = Φ(Wx + u) to ``tol``.
    Candidates are solved in batches (all linear sets of one size at once, through an SVD so
    singular sets are detected); a singular region can carry a continuum of equilibria, which
    is warned about and not listed.
    """
    n = net.n
    W, u = net.W, net.u
    h = net.saturation
    levels = (0.0,) if math.isinf(h) else (0.0, h)
    found: list[np.ndarray] = []
    singular = 0
    scale = 1.0 + np.max(np.abs(u)) + (0.0 if math.isinf(h) else h * np.max(np.abs(W)))
    for k in range(n + 1):
        m = math.comb(n, k)
        act = np.array(list(itertools.combinations(range(n), k)), dtype=int).reshape(m, k)
        mask = np.zeros((m, n), dtype=bool)
        mask[np.arange(m)[:, None], act] = True
        rest = np.array([np.flatnonzero(~row) for row in mask], dtype=int).reshape(m, n - k)
        # fixed (non-linear) neurons take one of the levels: all combinations
        r = len(levels) ** (n - k)
        fixed_vals = np.array(list(itertools.product(levels, repeat=n - k)), dtype=float).reshape(r, n - k)
        X = np.zeros((m, r, n))
        X[np.arange(m)[:, None, None], np.arange(r)[None, :, None], rest[:, None, :]] = fixed_vals[None, :, :]
        if k > 0:
            M = np.eye(k)[None] - W[act[:, :, None], act[:, None, :]]            # (m, k, k)
            rhs = u[act][:, :, None] + np.einsum("mkj,mrj->mkr", W[act], X)        # (m, k, r)
            U, s, Vt = np.linalg.svd(M)
            ok = s[:, -1] > 1e-11 * np.maximum(s[:, 0], 1.0)
            singular += int(np.count_nonzero(~ok))
            s_safe = np.where(s > 0, s, 1.0)
            xa = np.einsum("mji,mj,mjr->mir", Vt, 1.0 / s_safe, np.einsum("mji,mjr->mir", U, rhs))
            X[np.arange(m)[:, None, None], np.arange(r)[None, :, None], act[:, None, :]] = np.transpose(xa, (0, 2, 1))
            X = X[ok]
        X = X.reshape(-1, n)
        res = np.max(np.abs(X - net.phi(X @ W.T + u)), axis=1)
        good = X[res <= tol * scale]
        found.extend(net.phi(good @ W.T + u))   # one Picard step polishes onto the exact fixed point
    if singular:
        checks.warn(f"equilibria: {singular} singular active set(s) (det(I − W_AA) = 0): a continuum of "
                      "equilibria may exist there and is not listed", RuntimeWarning)
    return _unique(found, 1e3 * tol * scale)


def _unique(points: list[np.ndarray], tol: float) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for p in sorted(points, key=lambda v: tuple(np.round(v, 9))):
        if not any(np.max(np.abs(p - q)) <= tol for q in out):
            out.append(np.asarray(p, dtype=float))
    return out


@dataclass(frozen=True)
class LCPResult:
    """Solution z of w = Mz + q, z ≥ 0, w ≥ 0, zᵀw = 0, and the number of pivots."""

    z: np.ndarray
    w: np.ndarray
    pivots: int


def solve_lcp(M, q, *, max_pivots: int | None = None) -> LCPResult:
    """Lemke's complementary pivoting method for LCP(M, q) with covering vector 1.

    Terminates with a solution for P-matrices (every principal minor > 0), hence for every
    M that is LDS; ray termination raises ``RuntimeError``. The final active set is
    re-solved directly, so the residuals are at rounding level.
    """
    M = _square("M", M)
    n = M.shape[0]
    q = checks.finite_array("q", q, shape=(n,))
    if np.all(q >= 0):
        return LCPResult(z=np.zeros(n), w=q.copy(), pivots=0)
    max_pivots = 50 * n + 100 if max_pivots is None else checks.integer("max_pivots", max_pivots, low=1)
    # tableau rows: w − M z − 1 z0 = q ; columns w (0..n-1), z (n..2n-1), z0 (2n), rhs (2n+1)
    T = np.hstack([np.eye(n), -M, -np.ones((n, 1)), q[:, None]])
    basis = np.arange(n)
    z0 = 2 * n

    def pivot(row: int, col: int) -> None:
        T[row] /= T[row, col]
        others = np.arange(n) != row
        T[others] -= np.outer(T[others, col], T[row])
        basis[row] = col

    row = int(np.argmin(q))
    leaving = int(basis[row])
    pivot(row, z0)
    entering = leaving + n if leaving < n else leaving - n
    pivots = 1
    eps = 1e-12 * max(1.0, np.max(np.abs(M)))
    while True:
        if pivots > max_pivots:
            raise RuntimeError(f"solve_lcp: no solution after {max_pivots} pivots (cycling?)")
        col = T[:, entering]
        pos = col > eps
        if not np.any(pos):
            raise RuntimeError("solve_lcp: ray termination (LCP may have no solution; M is not a P-matrix)")
        ratios = np.full(n, np.inf)
        ratios[pos] = T[pos, -1] / col[pos]
        rmin = ratios.min()
        ties = np.flatnonzero(ratios <= rmin + 1e-12 * max(1.0, abs(rmin)))
        row = int(ties[0])
        for tr in ties:               # prefer z0 leaving: then we are done
            if basis[tr] == z0:
                row = int(tr)
        leaving = int(basis[row])
        pivot(row, entering)
        pivots += 1
        if leaving == z0:
            break
        entering = leaving + n if leaving < n else leaving - n
    z = np.zeros(n)
    zb = basis >= n
    zb &= basis < 2 * n
    z[basis[zb] - n] = np.maximum(T[zb, -1], 0.0)
    active = z > 0
    if np.any(active):   # polish: solve M_AA z_A = −q_A exactly
        z_act = np.linalg.solve(M[np.ix_(active, active)], -q[active])
        if np.all(z_act > 0):
            z = np.zeros(n)
            z[active] = z_act
    return LCPResult(z=z, w=M @ z + q, pivots=pivots)


def _newton_fixed_point(net: RateNetwork, x: np.ndarray, tol: float, max_iter: int = 100) -> np.ndarray:
    """Semismooth Newton on F(x) = x − Φ(Wx + u) with generalised Jacobian I − diag(φ'(z)) W."""
    for _ in range(max_iter):
        z = net.drive(x)
        F = x - net.phi(z)
        if np.max(np.abs(F)) <= tol:
            return x
        Jf = np.eye(net.n) - net.dphi(z)[:, None] * net.W
        x = x - np.linalg.solve(Jf, F)
    return x


def equilibria(net: RateNetwork, *, method: str = "auto", tol: float = 1e-9) -> list[np.ndarray]:
    """Equilibria (fixed points x = Φ(Wx + u), the Nash equilibria of the neuron game).

    method:
      * "enumerate" (default when n ≤ 12 and Φ is ReLU/clipped): *all* equilibria, by active sets;
      * "lcp" (ReLU, default for n > 12): one equilibrium, Lemke's method on LCP(I − W, −u);
      * "newton": one equilibrium, semismooth Newton from the end state of a long simulation
        (default for n > 12 with a clipped or callable Φ, or n ≤ 12 with a callable Φ).
    Every returned x satisfies ‖x − Φ(Wx + u)‖∞ ≤ ``tol`` (relative to the input scale).
    """
    net = _network(net)
    tol = checks.positive("tol", tol)
    if method == "auto":
        if net.piecewise_linear and net.n <= MAX_ENUMERATE:
            method = "enumerate"
        elif net.activation == "relu":
            method = "lcp"
        else:
            method = "newton"
    if method == "enumerate":
        if not net.piecewise_linear:
            raise ValueError("method='enumerate' needs a piecewise-linear activation ('relu' or 'clipped')")
        if net.n > MAX_ENUMERATE:
            raise ValueError(f"method='enumerate' is limited to n <= {MAX_ENUMERATE} neurons, got n = {net.n}")
        return _enumerate_piecewise_linear(net, tol)
    if method == "lcp":
        if net.activation != "relu":
            raise ValueError("method='lcp' needs activation='relu'")
        x = solve_lcp(np.eye(net.n) - net.W, -net.u).z
    elif method == "newton":
        traj = simulate_rates(net, np.zeros(net.n), (0.0, 200.0 * float(np.max(net.tau))), t_eval=[0.0, 200.0 * float(np.max(net.tau))])
        x = _newton_fixed_point(net, traj.x[-1], tol)
    else:
        raise ValueError(f"method must be 'auto', 'enumerate', 'lcp' or 'newton', got {method!r}")
    res = fixed_point_residual(net, x)
    if res > tol * (1.0 + np.max(np.abs(net.u))):
        raise RuntimeError(f"equilibria({method}): fixed-point residual {res:.3g} above tol {tol:g}")
    return [x]


# ====================================================================== the game
def _self_and_others(net: RateNetwork, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(1 − w_ii, s_i) with s_i = Σ_{j≠i} w_ij x_j + u_i."""
    d = np.diag(net.W)
    s = net.W @ x - d * x + net.u
    return 1.0 - d, s


def _g(net: RateNetwork, x: np.ndarray) -> np.ndarray:
    """Convex g with φ = prox_g: indicator of [0, h] for ReLU (h = ∞) and clipped (h = 1)."""
    h = net.saturation
    inside = (x >= 0) & (x <= h)
    return np.where(inside, 0.0, np.inf)


def energies(net: RateNetwork, x) -> np.ndarray:
    """Per-neuron energies Eⁱ(x) = ½(1 − w_ii) x_i² − x_i (Σ_{j≠i} w_ij x_j + u_i) + g(x_i), shape (n,).

    Defined for ReLU (g = indicator of x ≥ 0) and clipped ReLU (indicator of [0, 1]).
    """
    net = _network(net)
    if not net.piecewise_linear:
        raise ValueError("energies are implemented for activation 'relu' or 'clipped' (g known in closed form)")
    x = _rates(net, x)
    a, s = _self_and_others(net, x)
    return 0.5 * a * x**2 - x * s + _g(net, x)


def best_responses(net: RateNetwork, x) -> np.ndarray:
    """BR_i(x) = argmin over x_i of Eⁱ with the others fixed, shape (n,).

    ReLU/clipped: [s_i/(1 − w_ii)] clipped to [0, h] when 1 − w_ii > 0, else the better
    end point (+inf for ReLU if the energy is unbounded below). Callable φ: the unique root of
    y = φ(w_ii y + s_i) (needs w_ii < 1), by vectorised bisection.
    """
    net = _network(net)
    x = _rates(net, x)
    a, s = _self_and_others(net, x)
    if net.piecewise_linear:
        h = net.saturation
        convex = a > 0
        br = np.clip(np.where(convex, s / np.where(convex, a, 1.0), 0.0), 0.0, h)
        if np.any(~convex):
            if math.isinf(h):
                end = np.where((a < 0) | (s > 0), np.inf, 0.0)
            else:
                end = np.where(0.5 * a * h**2 - h * s < 0, h, 0.0)
            br = np.where(convex, br, end)
        return br
    if np.any(a <= 0):
        i = int(np.argmax(a <= 0))
        raise ValueError(f"best response with a callable φ needs w_ii < 1; w[{i}, {i}] = {net.W[i, i]}")
    d = 1.0 - a

    def G(y: np.ndarray) -> np.ndarray:   # strictly increasing in y
        return y - net.phi(d * y + s)

    lo = np.full(net.n, -1.0)
    hi = np.full(net.n, 1.0)
    for _ in range(200):
        bad_lo = G(lo) > 0
        bad_hi = G(hi) < 0
        if not (bad_lo.any() or bad_hi.any()):
            break
        lo = np.where(bad_lo, 2 * lo, lo)
        hi = np.where(bad_hi, 2 * hi, hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        up = G(mid) > 0
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
        if np.max(hi - lo) <= 1e-15 * (1 + np.max(np.abs(mid))):
            break
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class NashReport:
    """``is_nash``; ``max_gain`` = max_i [Eⁱ(x) − Eⁱ(BR_i, x₋ᵢ)] (nan for a callable φ); ``max_deviation`` = ‖x − BR(x)‖∞."""

    is_nash: bool
    max_gain: float
    max_deviation: float


def nash_check(net: RateNetwork, x, tol: float = 1e-9) -> NashReport:
    """Is x a Nash equilibrium: can no neuron lower its own energy by changing its own rate (to ``tol``)?"""
    net = _network(net)
    x = _rates(net, x)
    tol = checks.positive("tol", tol)
    br = best_responses(net, x)
    dev = float(np.max(np.abs(x - br)))
    if not net.piecewise_linear:
        return NashReport(is_nash=dev <= tol, max_gain=float("nan"), max_deviation=dev)
    e_now = energies(net, x)
    a, s = _self_and_others(net, x)
    with np.errstate(invalid="ignore"):
        e_br = np.where(np.isinf(br), -np.inf, 0.5 * a * np.where(np.isinf(br), 0, br)**2 - np.where(np.isinf(br), 0, br) * s)
    gain = float(np.max(e_now - e_br))
    scale = 1.0 + float(np.max(np.abs(x))) ** 2 + float(np.max(np.abs(s)))
    return NashReport(is_nash=bool(gain <= tol * scale), max_gain=gain, max_deviation=dev)
