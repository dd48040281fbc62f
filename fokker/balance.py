"""Balance points: the γ → ∞ fixed points of model.md §3.

With concentrated populations (S̄_k = S_k(x̄_src(k)), or a_k(t) if external) the
balance voltages solve the net-current equations

    F_α(x̄) = Σ_k J_{αk} S̄_k(x̄) (E_k − x̄_α) = 0,   α = 1..P,

i.e. x̄_α = Σ_k J_{αk} S̄_k E_k / Σ_k J_{αk} S̄_k. Each x̄_α is a convex combination
of the reversal potentials reaching α, so every root lies in the box
[min E, max E] over those channels. On the fast time τ = γ t the concentrated
network follows dx/dτ = F(x), so a root is *stable* when every eigenvalue of
the Jacobian ∂F/∂x has a negative real part (for P = 1: F decreases through it).

P = 1: every sign change of F on a fine sample of the box is refined by Brent's
method (and tangential double roots by minimising F²), so all roots in the
bracket are returned. P > 1: scipy.optimize.root (hybrid Powell, analytic
Jacobian) from a lattice of starting points in the box, deduplicated.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

RESIDUAL_TOL = 1e-10


@dataclass(frozen=True)
class BalancePoint:
    """One balance point.

    voltage: x̄ (P,); conductance: Ā = Σ_k J S̄_k (P,); activity: S̄ (K,);
    stable: all eigenvalues of ∂F/∂x have negative real part;
    eigenvalues: those eigenvalues (P,); residual: max_α |F_α(x̄)|.
    """

    voltage: np.ndarray
    conductance: np.ndarray
    activity: np.ndarray
    stable: bool
    eigenvalues: np.ndarray
    residual: float


def net_current(net, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """F_α(x) = B_α − A_α x_α with the activities of populations concentrated at x; shape (P,)."""
    m = net.activity_at_voltages(x, t)
    return net.reversal_current(m) - net.conductance(m) * x


def _activity_gain(net, x: np.ndarray, t: float, around: np.ndarray) -> np.ndarray:
    """Σ_k J_{αk} (E_k − around_α) S_k'(x_β) [src(k) = β], shape (P, P)."""
    coeff = net.weights * (net.reversal[None, :] - around[:, None]) * net.slope_at_voltages(x)[None, :]
    return coeff @ net.source_matrix                            # (P, K) @ (K, P)


def net_current_jacobian(net, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """∂F_α/∂x_β = Σ_k J_{αk} (E_k − x_α) S_k'(x_β) [src(k) = β] − δ_{αβ} A_α; shape (P, P)."""
    x = np.asarray(x, dtype=float)
    A = net.conductance(net.activity_at_voltages(x, t))
    return _activity_gain(net, x, t, x) - np.diag(A)


def fast_growth_rate(net, x: np.ndarray, t: float = 0.0) -> float:
    """Largest real part of the eigenvalues of ∂F/∂x at x: the rate (per unit of τ = γ t) at which the
    concentrated network leaves x along its least stable direction (negative where all are stable)."""
    jac = net_current_jacobian(net, x, t)
    return float(jac[0, 0]) if net.P == 1 else float(np.max(np.linalg.eigvals(jac).real))


def balance_map_jacobian(net, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """∂x*_α/∂x_β of the balance map x*(x) of concentrated populations; shape (P, P)."""
    x = np.asarray(x, dtype=float)
    m = net.activity_at_voltages(x, t)
    return _activity_gain(net, x, t, net.balance_voltage(m)) / net.conductance(m)[:, None]


def _bracket(net, t: float) -> tuple[np.ndarray, np.ndarray]:
    m = net.external_activities(t)
    m[~net.is_external] = 1.0                       # internal activities are > 0
    reaching = (net.weights > 0) & (m[None, :] > 0)
    empty = ~reaching.any(axis=1)
    if np.any(empty):
        names = [net.population_names[i] for i in np.flatnonzero(empty)]
        raise ValueError(f"populations {names} receive no synaptic input at t={t} (all weights or "
                         "external activities are zero): their balance voltage is undefined")
    E = np.where(reaching, net.reversal[None, :], np.nan)
    return np.nanmin(E, axis=1), np.nanmax(E, axis=1)


def _point(net, x: np.ndarray, t: float) -> BalancePoint:
    m = net.activity_at_voltages(x, t)
    eig = np.linalg.eigvals(net_current_jacobian(net, x, t))
    return BalancePoint(voltage=x, conductance=net.conductance(m), activity=m,
                        stable=bool(np.all(eig.real < 0)), eigenvalues=eig,
                        residual=float(np.max(np.abs(net_current(net, x, t)))))


def _roots_scalar(net, t: float, lo: float, hi: float, samples: int = 4097) -> list[float]:
    pad = 1e-9 * max(1.0, hi - lo)
    xs = np.linspace(lo - pad, hi + pad, samples)
    m = net.activation_table(xs) + net.external_activities(t)[:, None]      # (K, samples)
    F = (net.weights[0] * net.reversal) @ m - (net.weights[0] @ m) * xs      # F(x) on all samples at once
    g = lambda x: net_current(net, np.array([x]), t)[0]
    roots = [float(x) for x, f in zip(xs, F) if f == 0.0]
    for i in np.flatnonzero(F[:-1] * F[1:] < 0):
        roots.append(optimize.brentq(g, xs[i], xs[i + 1], xtol=1e-15, rtol=4 * np.finfo(float).eps))
    # tangential (double) roots: a local extremum of F that touches zero between samples
    dF = np.diff(F)
    for i in np.flatnonzero(dF[:-1] * dF[1:] < 0) + 1:
        res = optimize.minimize_scalar(lambda x: g(x) ** 2, bounds=(xs[i - 1], xs[i + 1]),
                                       method="bounded", options={"xatol": 1e-14})
        if abs(g(res.x)) <= RESIDUAL_TOL:
            roots.append(float(res.x))
    return roots


def _roots_system(net, t: float, lo: np.ndarray, hi: np.ndarray, max_starts: int = 512) -> list[np.ndarray]:
    P = net.P
    per_dim = max(2, int(np.floor(max_starts ** (1.0 / P))))
    if per_dim**P <= max_starts:
        axes = [np.linspace(lo[a], hi[a], per_dim) for a in range(P)]
        starts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, P)
    else:                                             # large P: a fixed quasi-random design
        starts = lo + (hi - lo) * np.random.default_rng(0).random((max_starts, P))
    def gap(x):                                   # x*(x) − x: bounded and O(1)-scaled in the box
        return net.balance_voltage(net.activity_at_voltages(x, t)) - x

    def gap_jac(x):
        return balance_map_jacobian(net, x, t) - np.eye(P)

    slack = 1e-9 * (1.0 + np.abs(hi - lo))
    roots = []
    for x0 in starts:
        sol = optimize.root(gap, x0, jac=gap_jac, method="hybr", options={"xtol": 1e-14})
        x = sol.x
        if (np.all(np.isfinite(x)) and np.all(x >= lo - slack) and np.all(x <= hi + slack)
                and np.max(np.abs(net_current(net, x, t))) <= RESIDUAL_TOL):
            roots.append(x)
    return roots


def balance_points(net, t: float = 0.0) -> list[BalancePoint]:
    """All balance points of ``net`` at time t, sorted by voltage (lexicographically for P > 1)."""
    lo, hi = _bracket(net, t)
    if net.P == 1:
        candidates = [np.array([r]) for r in _roots_scalar(net, t, lo[0], hi[0])]
    else:
        candidates = _roots_system(net, t, lo, hi)
    unique: list[np.ndarray] = []
    for x in sorted(candidates, key=lambda v: tuple(v)):
        if not any(np.max(np.abs(x - u)) < 1e-8 * (1.0 + np.max(np.abs(u))) for u in unique):
            unique.append(np.asarray(x, dtype=float))
    return [_point(net, x, t) for x in unique]
