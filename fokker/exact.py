"""Exact solutions of the mean-field equation (model.md §2), for tests and benchmarks.

- Constant activations (all sigmoid slopes 0) and ``Leak`` dynamics: every p_α is an
  Ornstein–Uhlenbeck density. With k = g + γA and c = (g E_L + γ B)/k, N(μ0, s0²) stays
  Gaussian with mean c + (μ0 − c) e^(−kt) and variance σ²/(2k) + (s0² − σ²/(2k)) e^(−2kt).
- Frozen activities m (or γ = 0) and any f: the stationary density is the Gibbs density
  p∞ ∝ exp(2U/σ²) with U' = v = f + γ (B − A x) (:func:`gibbs_density`).
"""
from __future__ import annotations

import numpy as np

from .grid import Grid
from .intrinsic import Leak


def constant_activities(net) -> np.ndarray:
    """m_k for a network whose activations are constant (slope-0 sigmoids); raises otherwise."""
    probe = net.activation_table(np.array([-10.0, 0.0, 10.0]))
    internal = ~net.is_external
    if np.any(np.ptp(probe[internal], axis=1) > 0):
        raise ValueError("exact OU solution needs constant activations (Sigmoid slope 0)")
    m = net.external_activities(0.0)
    m[internal] = probe[internal, 0]
    return m


def ou_moments(net, mean0, std0, t) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance (nt, P) of the exact OU solution from N(mean0, std0²) (Leak dynamics, constant m)."""
    if not all(isinstance(p.intrinsic, Leak) for p in net.populations):
        raise ValueError("exact OU solution needs Leak intrinsic dynamics")
    m = constant_activities(net)
    A, B = net.conductance(m), net.reversal_current(m)
    g = np.array([p.intrinsic.rate for p in net.populations])
    rest = np.array([p.intrinsic.rest for p in net.populations])
    k = g + net.gamma * A
    c = (g * rest + net.gamma * B) / k
    t = np.asarray(t, dtype=float)[:, None]
    v_inf = net.sigma**2 / (2 * k)
    mean = c + (np.asarray(mean0) - c) * np.exp(-k * t)
    var = v_inf + (np.asarray(std0) ** 2 - v_inf) * np.exp(-2 * k * t)
    return mean, var


def ou_density(net, grid: Grid, mean0, std0, t) -> np.ndarray:
    """Cell averages of the exact OU densities on ``grid``, shape (nt, P, nx)."""
    mean, var = ou_moments(net, mean0, std0, t)
    return np.array([[grid.gaussian(mu, np.sqrt(v)) for mu, v in zip(mrow, vrow)]
                     for mrow, vrow in zip(mean, var)])


def gibbs_density(net, grid: Grid, m: np.ndarray) -> np.ndarray:
    """Frozen-m stationary densities p∞ ∝ exp(2U/σ²) at the cell centres, U = F + γ (B x − A x²/2), (P, nx).

    Needs intrinsic dynamics with a ``potential`` (Leak, Cubic) and finite γ.
    """
    A, B = net.conductance(m), net.reversal_current(m)
    x = grid.centers
    out = np.empty((net.P, grid.nx))
    for a, pop in enumerate(net.populations):
        if not hasattr(pop.intrinsic, "potential"):
            raise ValueError(f"population {pop.name!r}: the Gibbs density needs an intrinsic with a potential")
        U = pop.intrinsic.potential(x) + net.gamma * (B[a] * x - 0.5 * A[a] * x**2)
        w = np.exp((U - U.max()) * 2.0 / pop.sigma**2)
        out[a] = w / grid.integrate(w)
    return out
