"""Exact Ornstein–Uhlenbeck solution of model.md §2 for constant activations and Leak intrinsics."""
from __future__ import annotations

import numpy as np


def ou_moments(net, mean0, std0, t):
    """mean(t), var(t) of each population, shapes (nt, P), for λ = 0 sigmoids and Leak dynamics."""
    m = net.activity_at_voltages(np.zeros(net.P), 0.0)        # constant activations
    A, B = net.conductance(m), net.reversal_current(m)
    g = np.array([pop.intrinsic.rate for pop in net.populations])
    EL = np.array([pop.intrinsic.rest for pop in net.populations])
    k = g + net.gamma * A
    c = (g * EL + net.gamma * B) / k
    t = np.asarray(t)[:, None]
    v_inf = net.sigma**2 / (2 * k)
    mean = c + (np.asarray(mean0) - c) * np.exp(-k * t)
    var = v_inf + (np.asarray(std0) ** 2 - v_inf) * np.exp(-2 * k * t)
    return mean, var


def ou_density(net, grid, mean0, std0, t):
    """Cell averages of the exact Gaussian densities, shape (nt, P, nx)."""
    mean, var = ou_moments(net, mean0, std0, t)
    return np.array([[grid.gaussian(mu, np.sqrt(v)) for mu, v in zip(mrow, vrow)]
                     for mrow, vrow in zip(mean, var)])
