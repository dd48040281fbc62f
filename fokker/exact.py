"""Exact solutions of the mean-field equation, for tests and benchmarks.

- Constant activations (all sigmoid slopes 0, constant external activities) and
  ``Leak`` dynamics: every p_α is an Ornstein–Uhlenbeck density. With
  A_α = Σ_k J_{αk} m_k, B_α = Σ_k J_{αk} m_k E_k, k_α = g_α + γ A_α and
  c_α = (g_α E_L,α + γ B_α)/k_α, the Gaussian N(μ0, s0²) stays Gaussian with

      mean(t) = c + (μ0 − c) e^(−k t),   var(t) = σ²/(2k) + (s0² − σ²/(2k)) e^(−2 k t).

- Frozen activities m (or γ = 0) and any f with an antiderivative F: the stationary
  density is the Gibbs density p∞ ∝ exp(2U/σ²) with U = F + γ (B x − A x²/2), U' = v
  (:func:`gibbs_density`).

These are *references* for the solvers and the model layer, so nothing here uses the
network's derived quantities (``Network.conductance``, ``reversal_current``,
``activation_table``, ``external_activities``) or ``Grid.gaussian``: A, B and m are
explicit sums over the raw channels (their reversal potentials, activations and
activities) and the weights J, and the cell averages of the Gaussians are computed
here from the error function.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc

from .grid import Grid
from .intrinsic import Leak

# where a channel's activation (or a callable external activity) is probed for being constant
_PROBE_VOLTAGES = np.array([-10.0, -3.0, -1.0, -0.3, 0.0, 0.3, 1.0, 3.0, 10.0])
_PROBE_TIMES = (0.0, 0.37, 1.0, 2.9, 10.0)


def _constant_value(name: str, values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    if not (np.all(np.isfinite(values)) and np.all(values == values[0])):
        raise ValueError(f"exact OU solution needs constant activations (Sigmoid slope 0) and constant "
                         f"external activities; channel {name!r} varies: {values}")
    return float(values[0])


def constant_activities(net) -> np.ndarray:
    """m_k (K,) of a network whose activations are constant (slope-0 sigmoids) and whose external
    activities are constant; raises ValueError otherwise."""
    m = np.empty(len(net.channels))
    for k, ch in enumerate(net.channels):
        if ch.source is None:
            a = ch.activity
            values = [a(t) for t in _PROBE_TIMES] if callable(a) else [a]
        else:
            values = np.broadcast_to(np.asarray(ch.activation(_PROBE_VOLTAGES), dtype=float),
                                     _PROBE_VOLTAGES.shape)
        m[k] = _constant_value(ch.name, values)
    return m


def _conductance_and_current(net, m) -> tuple[np.ndarray, np.ndarray]:
    """A_α = Σ_k J_{αk} m_k and B_α = Σ_k J_{αk} m_k E_k, summed channel by channel; (P,) each."""
    m = np.asarray(m, dtype=float)
    J = np.asarray(net.weights, dtype=float)
    A = np.zeros(J.shape[0])
    B = np.zeros(J.shape[0])
    for k, ch in enumerate(net.channels):
        A += J[:, k] * m[k]
        B += J[:, k] * m[k] * float(ch.reversal)
    return A, B


def ou_moments(net, mean0, std0, t) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance (nt, P) of the exact OU solution from N(mean0, std0²) (Leak dynamics, constant m)."""
    if not all(isinstance(p.intrinsic, Leak) for p in net.populations):
        raise ValueError("exact OU solution needs Leak intrinsic dynamics")
    A, B = _conductance_and_current(net, constant_activities(net))
    g = np.array([p.intrinsic.rate for p in net.populations])
    rest = np.array([p.intrinsic.rest for p in net.populations])
    sigma = np.array([p.sigma for p in net.populations])
    k = g + net.gamma * A
    c = (g * rest + net.gamma * B) / k
    t = np.asarray(t, dtype=float)[:, None]
    v_inf = sigma**2 / (2 * k)
    mean = c + (np.asarray(mean0) - c) * np.exp(-k * t)
    var = v_inf + (np.asarray(std0) ** 2 - v_inf) * np.exp(-2 * k * t)
    return mean, var


def _gaussian_cells(grid: Grid, mean: float, std: float) -> np.ndarray:
    """Cell averages of N(mean, std²) on ``grid``, renormalised to unit mass; (nx,).

    Each cell's mass is a difference of complementary error functions taken on the far side
    of the mean (both arguments of the same sign), so tail cells keep their relative accuracy.
    """
    a = (grid.faces[:-1] - mean) / (std * math.sqrt(2.0))
    b = (grid.faces[1:] - mean) / (std * math.sqrt(2.0))
    right = grid.centers >= mean
    mass = 0.5 * np.where(right, erfc(a) - erfc(b), erfc(-b) - erfc(-a))
    return mass / (np.sum(mass) * grid.width)


def ou_density(net, grid: Grid, mean0, std0, t) -> np.ndarray:
    """Cell averages of the exact OU densities on ``grid``, shape (nt, P, nx)."""
    mean, var = ou_moments(net, mean0, std0, t)
    return np.array([[_gaussian_cells(grid, mu, math.sqrt(v)) for mu, v in zip(mrow, vrow)]
                     for mrow, vrow in zip(mean, var)])


def gibbs_density(net, grid: Grid, m: np.ndarray) -> np.ndarray:
    """Frozen-m stationary densities p∞ ∝ exp(2U/σ²) at the cell centres, U = F + γ (B x − A x²/2), (P, nx).

    Needs intrinsic dynamics with a ``potential`` (Leak, Cubic) and finite γ.
    """
    A, B = _conductance_and_current(net, m)
    x = grid.centers
    out = np.empty((len(net.populations), grid.nx))
    for a, pop in enumerate(net.populations):
        if not hasattr(pop.intrinsic, "potential"):
            raise ValueError(f"population {pop.name!r}: the Gibbs density needs an intrinsic with a potential")
        U = pop.intrinsic.potential(x) + net.gamma * (B[a] * x - 0.5 * A[a] * x**2)
        w = np.exp((U - U.max()) * 2.0 / pop.sigma**2)
        out[a] = w / (np.sum(w) * grid.width)
    return out
