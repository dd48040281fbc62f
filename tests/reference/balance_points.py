"""Independent reference values of the presets' balance points (README: run
``python tests/reference/balance_points.py`` and paste its output into
tests/fokker/test_reference.py as ``REFERENCE``).

This script imports nothing from the project: only numpy and scipy. The presets'
numbers are retyped here from their docstrings and defaults, with an own sigmoid
S(x) = s_max / (1 + exp(−slope (x − threshold))). The root finding also differs from
the library's: a balance point solves, for every population α,

    F_α(x) = Σ_k J_{αk} s_k (E_k − x_α) = 0,   s_k = S_k(x_src(k))  (or a_k(t) if external).

- One population: every sign change of F on 400 001 samples of [min E, max E] is
  refined by Brent's method.
- Two populations with Dale's law (channel 'exc' from E, 'inh' from I, optional external
  'ext'): the E equation is solved for S_inh(x_I), the sigmoid is inverted to give x_I(x_E),
  and the I equation becomes one scalar function G(x_E) whose sign changes on 400 001
  samples of (E_inh, E_exc) are refined by Brent's method — all roots, no starting points.

Stability: every eigenvalue of the analytic Jacobian ∂F/∂x (written out term by term)
has a negative real part. Output: a Python literal, one entry per (preset, t), a list of
(voltage, conductance, stable) sorted by voltage.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

SAMPLES = 400_001


def sigmoid(s_max: float, slope: float, threshold: float):
    """(S, S') of s_max / (1 + exp(−slope (x − threshold)))."""
    def S(x):
        return s_max / (1.0 + np.exp(-slope * (np.asarray(x, dtype=float) - threshold)))

    def dS(x):
        s = 1.0 / (1.0 + np.exp(-slope * (np.asarray(x, dtype=float) - threshold)))
        return s_max * slope * s * (1.0 - s)
    return S, dS


# -- the presets' raw numbers (fokker/presets.py defaults) -------------------------------------------
E_EXC, E_INH = 1.0, -1.0
SINGLE = dict(exc=sigmoid(1.0, 4.0, 0.0), inh=sigmoid(1.0, 4.0, 0.5), J=(1.0, 1.5))
SI_SLOPE, SI_THRESHOLD = 4.0, 0.5           # the inhibitory sigmoid of the pair (s_max = 1), inverted below
BISTABLE = dict(exc=sigmoid(1.0, 6.0, 0.3), inh=sigmoid(1.0, 6.0, -0.3), J=(1.0, 0.2))
PAIR_J = ((1.0, 1.5), (1.5, 1.0))          # rows E, I; columns exc, inh
DRIVE_J = (1.0, 0.5)                       # J_{E,ext}, J_{I,ext}; E_ext = E_exc


def drive(t: float) -> float:
    """The default sinusoid: mean 0.5, amplitude 0.25, period 1."""
    return 0.5 + 0.25 * math.sin(2.0 * math.pi * t)


# -- one population ------------------------------------------------------------------------------
def single_points(exc, inh, J):
    (Se, dSe), (Si, dSi) = exc, inh

    def F(x):
        return J[0] * Se(x) * (E_EXC - x) + J[1] * Si(x) * (E_INH - x)

    def dF(x):
        return (J[0] * (dSe(x) * (E_EXC - x) - Se(x)) + J[1] * (dSi(x) * (E_INH - x) - Si(x)))

    xs = np.linspace(E_INH, E_EXC, SAMPLES)
    values = F(xs)
    roots = [brentq(F, xs[i], xs[i + 1], xtol=1e-15) for i in np.flatnonzero(values[:-1] * values[1:] < 0)]
    out = []
    for x in roots:
        A = float(J[0] * Se(x) + J[1] * Si(x))
        out.append(((float(x),), (A,), bool(dF(x) < 0)))
    return out


# -- two populations (Dale's law), optional external channel --------------------------------------
def pair_points(a_ext: float, J_ext):
    (Se, dSe), (Si, dSi) = SINGLE["exc"], SINGLE["inh"]
    (JEe, JEi), (JIe, JIi) = PAIR_J
    JEx, JIx = J_ext

    def x_inh(xE):
        """x_I making population E balanced at xE (NaN where S_inh cannot take the needed value)."""
        xE = np.asarray(xE, dtype=float)
        need = (JEe * Se(xE) * (E_EXC - xE) + JEx * a_ext * (E_EXC - xE)) / (JEi * (xE - E_INH))
        ok = (need > 0.0) & (need < 1.0)
        safe = np.where(ok, need, 0.5)
        return np.where(ok, SI_THRESHOLD + np.log(safe / (1.0 - safe)) / SI_SLOPE, np.nan)

    def G(xE):
        xI = x_inh(xE)
        return (JIe * Se(xE) * (E_EXC - xI) + JIi * Si(xI) * (E_INH - xI) + JIx * a_ext * (E_EXC - xI))

    xs = np.linspace(E_INH, E_EXC, SAMPLES)[1:-1]
    g = G(xs)                                   # NaN where x_I(x_E) does not exist
    change = np.flatnonzero(np.isfinite(g[:-1]) & np.isfinite(g[1:]) & (g[:-1] * g[1:] < 0))
    out = []
    for i in change:
        xE = brentq(lambda x: float(G(x)), xs[i], xs[i + 1], xtol=1e-15)
        xI = float(x_inh(xE))
        sE, sI = float(Se(xE)), float(Si(xI))
        A_E = JEe * sE + JEi * sI + JEx * a_ext
        A_I = JIe * sE + JIi * sI + JIx * a_ext
        jac = np.array([[JEe * dSe(xE) * (E_EXC - xE) - A_E, JEi * dSi(xI) * (E_INH - xE)],
                        [JIe * dSe(xE) * (E_EXC - xI), JIi * dSi(xI) * (E_INH - xI) - A_I]], dtype=float)
        stable = bool(np.all(np.linalg.eigvals(jac).real < 0))
        out.append(((float(xE), float(xI)), (float(A_E), float(A_I)), stable))
    return out


def reference() -> dict:
    table = {("ei_single", 0.0): single_points(**SINGLE),
             ("ei_bistable", 0.0): single_points(**BISTABLE),
             ("ei_pair", 0.0): pair_points(0.0, (0.0, 0.0))}
    for t in (0.0, 0.125, 0.25, 0.5, 0.75):
        table[("driven", t)] = pair_points(drive(t), DRIVE_J)
    return table


def main() -> None:
    fmt = lambda v: "(" + ", ".join(f"{x:.13g}" for x in v) + ("," if len(v) == 1 else "") + ")"
    print("REFERENCE = {")
    for key, points in reference().items():
        body = ", ".join(f"({fmt(x)}, {fmt(A)}, {stable})" for x, A, stable in points)
        print(f"    {key!r}: [{body}],")
    print("}")


if __name__ == "__main__":
    main()
