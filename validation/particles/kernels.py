"""Fused numba kernels of the particle step for FitzHugh–Nagumo populations.

One pass per block computes f(x, w) = x − κ x³ − w + I and the voltage update (and, when the
sweep writes X, the recovery update), instead of a dozen numpy temporaries. The arithmetic
is the one documented in :mod:`validation.particles.simulate` and
:mod:`validation.particles.centred`; the loops are sequential over a block (deterministic, so
results do not depend on the number of threads) and release the GIL.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def fhn_sums(x: np.ndarray, w: np.ndarray, cubic: float, current: float) -> tuple[float, float]:
    """(Σ x_i, Σ f(x_i, w_i)) over a block, f = x − κ x³ − w + I (sequential sums)."""
    sx = 0.0
    sf = 0.0
    for i in range(x.size):
        xi = x[i]
        sx += xi
        sf += xi - cubic * (xi * xi * xi) - w[i] + current
    return sx, sf


@njit(cache=True, nogil=True)
def fhn_step(x: np.ndarray, w: np.ndarray, noise: np.ndarray, s: float, out: np.ndarray, e: float, phi: float,
             drive: float, centred: bool, cubic: float, current: float, recover: bool, e_w: float, q: float,
             shift: float) -> tuple[float, float, float]:
    """out ← the voltage step of a block; W ← e_w W + q (out + shift) in place when ``recover``.

    noise: standard normals ξ (or already scaled noise with s = 1); s_w ξ' is added by the caller.
    Voltage step, f evaluated at the start-of-step (x, w), out may be x itself (in place):
    centred:  out = e x + (φ f(x, w) + s ξ + κ)        (drive = κ, the mean-centred offset),
    plain:    out = e x + (φ (f(x, w) + drive) + s ξ)   (drive = γ B).
    Returns the start-of-step (Σ x_i, Σ f(x_i, w_i), Σ noise_i) (sequential sums).
    The four branch combinations are separate loops so that each one vectorises.
    """
    sx = 0.0
    sf = 0.0
    sn = 0.0
    n = x.size
    if centred and recover:
        for i in range(n):
            xi = x[i]
            f = xi - cubic * (xi * xi * xi) - w[i] + current
            sx += xi
            sf += f
            sn += noise[i]
            v = e * xi + (phi * f + s * noise[i] + drive)
            out[i] = v
            w[i] = e_w * w[i] + q * (v + shift)
    elif centred:
        for i in range(n):
            xi = x[i]
            f = xi - cubic * (xi * xi * xi) - w[i] + current
            sx += xi
            sf += f
            sn += noise[i]
            out[i] = e * xi + (phi * f + s * noise[i] + drive)
    elif recover:
        for i in range(n):
            xi = x[i]
            f = xi - cubic * (xi * xi * xi) - w[i] + current
            sx += xi
            sf += f
            sn += noise[i]
            v = e * xi + (phi * (f + drive) + s * noise[i])
            out[i] = v
            w[i] = e_w * w[i] + q * (v + shift)
    else:
        for i in range(n):
            xi = x[i]
            f = xi - cubic * (xi * xi * xi) - w[i] + current
            sx += xi
            sf += f
            sn += noise[i]
            out[i] = e * xi + (phi * (f + drive) + s * noise[i])
    return sx, sf, sn
