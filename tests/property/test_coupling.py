"""The coupling tolerance and the invariants, through the public solvers only, at EVERY output time.

- ``solve(..., tol)`` converges each stage to |m − ∫ S p| ≤ tol: the reported activities are
  re-computed here from ``sol.p`` with an own quadrature (Σ_i S_k(x_i) p_i h); results at tol
  and tol/1000 agree to a few tol (measured: at most 1.04 tol over the cases below; a
  convergence test 1000× too loose gives 39–729 tol), and a nonlinear stationary state reaches
  the activity root m* = ∫ S p_Gibbs(m*) found independently (scipy.optimize.fsolve on the
  exact discrete Gibbs densities of fokker.exact).
- mass to round-off and q ≥ 0 at every output time, and in the rescaled frame the first moment
  ∫ y q dy held to 1e-3·tol (or its round-off 4e-14·max|y|), as solve_desingularised documents.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import fsolve

from fokker import Grid, presets
from fokker.exact import gibbs_density
from solvers import solve, solve_desingularised

TOL = 1e-8
AGREEMENT = 5.0          # |m(tol) − m(tol/1000)| ≤ AGREEMENT · tol at every output time


def quadrature_activities(net, grid: Grid, p: np.ndarray, t: float) -> np.ndarray:
    """m_k = Σ_i S_k(x_i) p_src(k),i h for internal channels, a_k(t) for external ones (loops over channels)."""
    m = np.empty(len(net.channels))
    for k, ch in enumerate(net.channels):
        if ch.source is None:
            m[k] = ch.activity(t) if callable(ch.activity) else ch.activity
        else:
            src = net.population_names.index(ch.source)
            m[k] = float(np.sum(ch.activation(grid.centers) * p[src]) * grid.width)
    return m


def resolving_grid(net, cells_per_width: float = 12.0, widths: float = 12.0) -> Grid:
    """A grid centred on the balance points with the balanced width σ/√(2γĀ) resolved."""
    (point,) = net.balance()
    width = np.max(net.sigma / np.sqrt(2.0 * net.gamma * point.conductance))
    lo, hi = point.voltage.min() - widths * width, point.voltage.max() + widths * width
    return Grid(float(lo), float(hi), int(math.ceil((hi - lo) / width * cells_per_width)))


CASES = [("ei_single", 1e2, "bdf2"), ("ei_pair", 30.0, "trbdf2"), ("driven", 30.0, "bdf2"),
         ("ei_single", 1e4, "euler"), ("driven", 1e6, "trbdf2")]


@pytest.mark.parametrize("name,gamma,method", CASES, ids=[f"{n}-{g:g}-{m}" for n, g, m in CASES])
def test_activities_converged_to_tol_and_agree_with_tol_over_1000(name, gamma, method):
    net = presets.PRESETS[name](gamma)
    if gamma <= 100:
        grid = Grid(-1.5, 1.5, 600)
        p0 = np.stack([grid.gaussian(-0.4 + 0.3 * a, 0.15) for a in range(net.P)])
        t1, dt = 0.5, 0.02
    else:                                   # hard regime: start a few widths off the balance point
        grid = resolving_grid(net, widths=20.0)
        (point,) = net.balance()
        w = net.sigma / np.sqrt(2.0 * gamma * point.conductance)
        p0 = np.stack([grid.gaussian(point.voltage[a] + 3 * w[a], 1.5 * w[a]) for a in range(net.P)])
        t1, dt = 50.0 / gamma, 2.0 / gamma
    t_eval = np.linspace(0.0, t1, 26)
    runs = [solve(net, grid, p0, t_span=(0.0, t1), dt=dt, t_eval=t_eval, tol=tol, method=method)
            for tol in (TOL, TOL / 1000)]
    for run, tol in zip(runs, (TOL, TOL / 1000)):
        for i, t in enumerate(run.t):
            np.testing.assert_allclose(run.activity[i], quadrature_activities(net, grid, run.p[i], t),
                                       rtol=0, atol=tol)
    gap = np.max(np.abs(runs[0].activity - runs[1].activity), axis=1)       # every output time
    assert np.all(gap <= AGREEMENT * TOL), gap / TOL


@pytest.mark.parametrize("gamma", [10.0, 1e4])
@pytest.mark.parametrize("method", ["euler", "bdf2", "trbdf2"])
def test_stationary_state_reaches_the_independently_found_activity_root(gamma, method):
    """The discrete stationary state is the discrete Gibbs state of its own activities, so its m is the
    root of m = Σ S p_Gibbs(m) h, solved here by fsolve (residual ~1e-16)."""
    net = presets.ei_single(gamma)
    grid = resolving_grid(net, cells_per_width=10.0, widths=15.0) if gamma > 100 else Grid(-1.5, 1.5, 300)

    def residual(m):
        return m - quadrature_activities(net, grid, gibbs_density(net, grid, m), 0.0)

    (point,) = net.balance()
    m_star = fsolve(residual, point.activity, xtol=1e-14, full_output=True)[0]   # checked below
    assert np.max(np.abs(residual(m_star))) < 1e-14
    t1 = 30.0 / gamma * 10.0
    span = grid.upper - grid.lower
    sol = solve(net, grid, grid.gaussian(point.voltage[0] - 0.15 * span, 0.08 * span),
                t_span=(0.0, t1), dt=t1 / 300, t_eval=[t1], tol=TOL, method=method)
    assert np.max(np.abs(sol.activity[-1] - m_star)) <= TOL


MASS_TOL = 1e-12
@pytest.mark.parametrize("method,gamma", [
    ("euler", 1e2), ("euler", 1e6), ("euler", 1e10), ("bdf2", 1e2), ("bdf2", 1e6), ("bdf2", 1e10),
    ("trbdf2", 1e2), ("trbdf2", 1e6), ("trbdf2", 1e10)])
def test_rescaled_frame_mass_positivity_and_first_moment_at_every_output_time(method, gamma):
    net = presets.driven(gamma) if gamma < 1e8 else presets.ei_pair(gamma)
    y = Grid(-4.0, 4.0, 400)
    ds = solve_desingularised(net, y, np.stack([y.gaussian(0.0, 0.5)] * 2), [0.3, 0.45], t_span=(0.0, 0.5),
                              dt=0.01, t_eval=np.linspace(0.0, 0.5, 51), tol=TOL, method=method)
    first_moment = np.abs(np.sum(ds.q * y.centers, axis=-1) * y.width)                  # (nt, P)
    assert np.all(first_moment <= 1.1e-3 * TOL + 4e-14 * max(abs(y.lower), abs(y.upper))), first_moment.max()
    assert ds.q.min() >= 0.0
    mass = np.sum(ds.q, axis=-1) * y.width
    assert np.all(np.abs(mass - 1.0) <= MASS_TOL), np.abs(mass - 1.0).max()


@pytest.mark.parametrize("method", ["euler", "bdf2", "trbdf2"])
@pytest.mark.parametrize("gamma", [1e2, 1e4])
def test_physical_frame_mass_and_positivity_at_every_output_time(method, gamma):
    net = presets.driven(gamma)
    grid = Grid(-1.5, 1.5, 600) if gamma <= 100 else resolving_grid(presets.driven(gamma, drive=0.5), widths=40.0)
    p0 = np.stack([grid.gaussian(grid.centers.mean() + 0.05 * (grid.upper - grid.lower) * (a - 0.5),
                                 0.1 * (grid.upper - grid.lower)) for a in range(2)])
    t1 = 0.5 if gamma <= 100 else 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # the drive moves x̄(t) near the grid's ends at γ = 1e4
        sol = solve(net, grid, p0, t_span=(0.0, t1), dt=t1 / 100, t_eval=np.linspace(0.0, t1, 101), method=method)
    assert sol.p.min() >= 0.0
    mass = np.sum(sol.p, axis=-1) * grid.width
    assert np.all(np.abs(mass - 1.0) <= MASS_TOL), np.abs(mass - 1.0).max()
