"""Property-based tests of solvers.solve: mass and positivity for random small problems.

Random networks (P ≤ 2 populations, 1–3 channels: sigmoid activations with random
s_max, slope and threshold, or constant external activities; random weights J ≥ 0,
σ, Leak or Cubic dynamics, γ = 0 or log-uniform in [0.1, 1e3]), random grids and random non-negative
initial densities (sums of bumps, possibly with empty cells): a few steps of every
method keep the mass at 1 to 1e-12 and every density ≥ 0 at every output time.

γ stays ≤ 1e3 because these grids are coarse: at γ = 1e6 – 1e8 a random 8-cell grid does not resolve
the balanced width σ/√(2γA) and the coupling may fail by design (CouplingError, "refine the grid"),
and trbdf2 loses mass ∝ γ dt · eps (1.1e-12 at γ = 1e6 with dt = 0.0625: the bug recorded as a
strict xfail in test_coupling.py).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fokker import Channel, Cubic, Grid, Leak, Network, Population, Sigmoid
from solvers import solve

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
MASS_TOL = 1e-12


@st.composite
def small_problem(draw):
    P = draw(st.integers(1, 2))
    names = ["E", "I"][:P]
    pops = [Population(n, draw(st.one_of(st.builds(Leak, st.floats(0.0, 3.0), st.floats(-1.0, 1.0)),
                                         st.builds(Cubic, st.floats(-0.5, 0.5)))),
                       draw(st.floats(0.2, 1.5))) for n in names]
    K = draw(st.integers(1, 3))
    chans = []
    for k in range(K):
        reversal = draw(st.floats(-1.0, 1.0))
        if draw(st.booleans()) or k == 0:
            chans.append(Channel(f"c{k}", reversal, Sigmoid(draw(st.floats(0.1, 2.0)), draw(st.floats(-8.0, 8.0)),
                                                            draw(st.floats(-1.0, 1.0))),
                                 source=draw(st.sampled_from(names))))
        else:
            chans.append(Channel(f"c{k}", reversal, source=None, activity=draw(st.floats(0.0, 2.0))))
    weights = draw(st.lists(st.lists(st.floats(0.0, 2.0), min_size=K, max_size=K), min_size=P, max_size=P))
    net = Network(pops, chans, weights, draw(st.one_of(st.just(0.0), st.floats(-1.0, 3.0).map(lambda e: 10.0**e))))
    half = draw(st.floats(1.5, 4.0))
    grid = Grid(-half, half, draw(st.integers(8, 80)))
    x = grid.centers
    p0 = []
    for _ in range(P):
        bumps = draw(st.lists(st.tuples(st.floats(-1.0, 1.0), st.floats(0.05, 1.0), st.floats(0.01, 1.0)),
                              min_size=1, max_size=3))
        p = sum(w * np.exp(-0.5 * ((x - c) / s) ** 2) for c, s, w in bumps)
        holes = draw(st.lists(st.integers(0, grid.nx - 1), max_size=3))
        p[holes] = 0.0
        if not p.sum() > 0:
            p[grid.nx // 2] = 1.0
        p0.append(p)
    dt = draw(st.floats(1e-3, 0.1))
    steps = draw(st.integers(1, 4))
    return net, grid, np.array(p0), dt, steps


@pytest.mark.parametrize("method", ["euler", "bdf2", "trbdf2"])
@settings(max_examples=100, **SETTINGS)
@given(problem=small_problem())
def test_mass_and_positivity_for_random_small_problems(method, problem):
    net, grid, p0, dt, steps = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # truncation / resolution warnings are expected here
        sol = solve(net, grid, p0, t_span=(0.0, steps * dt), dt=dt,
                    t_eval=np.linspace(0.0, steps * dt, steps + 1), method=method)
    mass = np.sum(sol.p, axis=-1) * grid.width
    assert np.all(np.abs(mass - 1.0) <= MASS_TOL), np.abs(mass - 1.0).max()
    assert sol.p.min() >= 0.0, sol.p.min()
    assert np.all(np.isfinite(sol.activity))
