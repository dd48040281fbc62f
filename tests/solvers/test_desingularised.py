"""The desingularised solver, its γ = ∞ limit and the automatic frame (docs/theory/desingularised.md)."""
import math
import warnings

import numpy as np
import pytest

from fokker import Grid, presets
from solvers import solve, solve_desingularised
from solvers.remap import transfer

Y = Grid(-4.0, 4.0, 400)


@pytest.fixture(scope="module")
def pair_gamma_100():
    """The same problem in both frames at γ = 100: ei_single from N(0.35, (0.5 ε)²)."""
    net = presets.ei_single(100.0)
    eps = 0.1
    x_grid = Grid(-0.2, 0.8, 4000)
    t_eval = [0.05, 0.1, 0.3]
    ds = solve_desingularised(net, Y, Y.gaussian(0.0, 0.5), 0.35, t_span=(0.0, 0.3), dt=2e-4, t_eval=t_eval)
    ps = solve(net, x_grid, x_grid.gaussian(0.35, 0.5 * eps), t_span=(0.0, 0.3), dt=2e-4, t_eval=t_eval)
    return ds, ps, x_grid


def test_agrees_with_physical_solver_at_gamma_100(pair_gamma_100):
    ds, ps, x_grid = pair_gamma_100
    l1 = x_grid.integrate(np.abs(ds.to_physical(x_grid) - ps.p))
    assert np.max(l1) < 1e-3
    assert np.max(np.abs(ds.mean() - ps.mean())) < 1e-8
    assert np.max(np.abs(ds.std() / ps.std() - 1)) < 1e-6


def test_invariants_first_moment_and_mass(pair_gamma_100):
    ds, _, _ = pair_gamma_100
    assert np.max(np.abs(ds.y_grid.integrate(ds.q * ds.y_grid.centers))) < 1e-12
    assert np.max(np.abs(ds.mass() - 1.0)) < 1e-13
    assert ds.q.min() >= 0.0
    assert ds.epsilon == 0.1


def test_reference_values_of_the_independent_prototype():
    """√γ·std at γ = 10, 100, 1000 from the independent prototype: 0.324043, 0.325840, 0.326027."""
    got = []
    for gamma in (10.0, 100.0, 1000.0):
        ds = solve_desingularised(presets.ei_single(gamma), Y, Y.gaussian(0.0, 0.33), 0.27,
                                  t_span=(0.0, 4.0), dt=0.02, t_eval=[4.0])
        got.append(ds.std_y()[-1, 0])
    np.testing.assert_allclose(got, [0.324043, 0.325840, 0.326027], atol=2e-6)


@pytest.mark.parametrize("make", [presets.ei_single, presets.ei_pair])
def test_limit_equation_stationary_profile_and_balance(make):
    net = make(math.inf)
    bal = net.balance()[0]
    P = net.P
    q0 = np.stack([Y.gaussian(0.0, 0.6)] * P)
    ds = solve_desingularised(net, Y, q0 if P > 1 else q0[0], bal.voltage + 0.1, t_span=(0.0, 40.0), dt=0.05,
                              t_eval=[40.0])
    assert ds.time_unit == "tau" and ds.epsilon == 0.0 and any("tau" in n for n in ds.notes)
    np.testing.assert_allclose(ds.mu[-1], bal.voltage, atol=1e-8)
    for a in range(P):
        limit = Y.gaussian(0.0, net.sigma[a] / math.sqrt(2 * bal.conductance[a]))
        # the discrete stationary state is the exact Gibbs state at the centres: compare the moments
        assert abs(ds.std_y()[-1, a] / (net.sigma[a] / math.sqrt(2 * bal.conductance[a])) - 1) < 1e-8
        assert Y.integrate(np.abs(ds.q[-1, a] - limit)) < 1e-3


def test_cost_and_error_independent_of_gamma():
    """Fixed dt and y-grid: same step count; linear solves and error do not grow with γ.

    (γ = 100 resolves a genuine transient and needs a few more coupling iterations;
    from γ = 1e4 on the stages are quasi-static and cost the same.)"""
    q0 = Y.gaussian(0.0, 0.5)
    results = {}
    for gamma in (1e2, 1e4, 1e6, 1e8, 1e10):
        net = presets.ei_single(gamma)
        run = solve_desingularised(net, Y, q0, 0.35, t_span=(0.0, 1.0), dt=0.01, t_eval=[0.02, 0.1, 1.0])
        ref = solve_desingularised(net, Y, q0, 0.35, t_span=(0.0, 1.0), dt=0.00125, t_eval=[0.02, 0.1, 1.0])
        results[gamma] = (run.stats, np.max(np.abs(run.mu - ref.mu)))
    steps = {s["steps"] for s, _ in results.values()}
    solves = [s["linear_solves"] for s, _ in results.values()]
    assert len(steps) == 1
    assert max(solves) <= 1.2 * solves[0]
    assert max(solves[1:]) <= 1.15 * min(solves[1:])
    assert results[1e10][1] <= results[1e2][1]


def test_gamma_1e10_is_stable_and_at_balance():
    net = presets.ei_pair(1e10)
    bal = net.balance()[0]
    ds = solve_desingularised(net, Y, np.stack([Y.gaussian(0.0, 0.5)] * 2), bal.voltage + 0.05,
                              t_span=(0.0, 0.5), dt=0.01, t_eval=[0.5])
    np.testing.assert_allclose(ds.mu[-1], bal.voltage, atol=1e-9)
    np.testing.assert_allclose(ds.std_y()[-1], net.sigma / np.sqrt(2 * bal.conductance), rtol=1e-8)


def test_refuses_data_that_are_not_well_prepared():
    with pytest.raises(ValueError, match="not well prepared"):
        solve_desingularised(presets.ei_single(1e4), Y, Y.gaussian(0.0, 2.0), 0.3, t_span=(0.0, 1.0), dt=0.01)


@pytest.mark.parametrize("kwargs,match", [(dict(mean0=[0.1, 0.2]), "mean0"), (dict(mean0=math.nan), "mean0"),
                                          (dict(dt=-1.0), "dt"), (dict(t_span=(1.0, 0.0)), "t_span")])
def test_bad_inputs(kwargs, match):
    args = dict(mean0=0.3, t_span=(0.0, 1.0), dt=0.01) | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        solve_desingularised(presets.ei_single(1e4), Y, Y.gaussian(0.0, 0.5), **args)


def test_gamma_zero_refused_in_rescaled_frame_and_auto_falls_back_to_physical():
    with pytest.raises(ValueError, match="gamma > 0"):
        solve_desingularised(presets.ei_single(0.0), Y, Y.gaussian(0.0, 0.5), 0.0, t_span=(0.0, 1.0), dt=0.1)
    grid = Grid(-3.0, 3.0, 120)
    auto = solve(presets.ei_single(0.0), grid, grid.gaussian(0.0, 0.3), t_span=(0.0, 0.5), dt=0.05, frame="auto")
    phys = solve(presets.ei_single(0.0), grid, grid.gaussian(0.0, 0.3), t_span=(0.0, 0.5), dt=0.05)
    np.testing.assert_array_equal(auto.p, phys.p)
    assert any("gamma = 0" in n for n in auto.notes)


def test_to_physical_refused_at_gamma_inf():
    ds = solve_desingularised(presets.ei_single(math.inf), Y, Y.gaussian(0.0, 0.5), 0.3, t_span=(0.0, 0.1),
                              dt=0.05)
    with pytest.raises(ValueError, match="Dirac"):
        ds.to_physical(Grid(-1, 1, 10))


def test_auto_frame_gamma_1e8_from_wide_gaussian():
    """Acceptance: γ = 1e8 from std 0.2, std·√γ within 1e-3 of σ/√(2Ā) at t = 3."""
    net = presets.ei_single(1e8)
    bal = net.balance()[0]
    grid = Grid(-2.0, 2.0, 400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, grid.gaussian(0.0, 0.2), t_span=(0.0, 3.0), dt=0.01, frame="auto")
    limit = 0.5 / math.sqrt(2 * bal.conductance[0])
    assert abs(sol.std()[-1, 0] * 1e4 / limit - 1) < 1e-3
    assert abs(sol.mean()[-1, 0] - bal.voltage[0]) < 1e-6
    assert abs(sol.mass()[-1, 0] - 1) < 1e-12
    assert sol.frame == "auto" and sol.p.shape == (101, 1, 400)


def test_auto_frame_matches_physical_solver_at_moderate_gamma():
    net = presets.ei_single(50.0)
    grid = Grid(-1.5, 1.5, 3000)
    p0 = grid.gaussian(-0.3, 0.2)
    kw = dict(t_span=(0.0, 1.0), dt=1e-3, t_eval=[0.25, 1.0])
    auto = solve(net, grid, p0, frame="auto", **kw)
    phys = solve(net, grid, p0, **kw)
    np.testing.assert_allclose(auto.mean(), phys.mean(), atol=2e-5)
    np.testing.assert_allclose(auto.std(), phys.std(), rtol=2e-4)
    assert np.max(grid.integrate(np.abs(auto.p - phys.p))) < 2e-3


def test_auto_frame_picks_the_basin_of_the_bistable_network():
    net = presets.ei_bistable(1e6)
    low, _, high = net.balance()
    grid = Grid(-1.5, 1.5, 300)
    for start, target in ((-0.5, low), (0.5, high)):
        sol = solve(net, grid, grid.gaussian(start, 0.1), t_span=(0.0, 1.0), dt=0.01, t_eval=[1.0], frame="auto")
        assert abs(sol.mean()[-1, 0] - target.voltage[0]) < 1e-3


def test_transfer_conserves_mass_and_positivity():
    src = Grid(-5.0, 5.0, 200)
    q = src.gaussian(0.3, 0.7)
    dst = Grid(-3.0, 4.0, 333)
    p = transfer(q, src, dst, shift=0.1, scale=0.5)
    assert p.min() >= 0
    assert abs(dst.integrate(p) - 1) < 1e-12
    assert abs(dst.mean(p) - (0.1 + 0.5 * 0.3)) < 1e-5


@pytest.mark.parametrize("offset,target", [(1e-3, 2), (-1e-3, 0)])
def test_large_steps_do_not_hold_the_network_at_an_unstable_balance_point(offset, target):
    """γ dt = 1e4: an L-stable step would damp the growing mode (1/(1 − λh) < 1) and stay at the
    unstable root; the growth-rate substeps let the network leave towards the right stable root."""
    net = presets.ei_bistable(1e6)
    roots = net.balance()
    unstable = roots[1]
    assert not unstable.stable
    wide = Grid(-16.0, 16.0, 640)              # the low state is wide: Ā ≈ 0.015, σ/√(2Ā) ≈ 2.9
    ds = solve_desingularised(net, wide, wide.gaussian(0.0, 0.5), unstable.voltage + offset, t_span=(0.0, 0.5),
                              dt=0.01, t_eval=[0.5])
    assert abs(ds.mu[-1, 0] - roots[target].voltage[0]) < 1e-3
    assert ds.stats["substeps"] > 0


def test_basin_of_bistable_network_is_monotone_in_the_initial_mean():
    net = presets.ei_bistable(1e4)
    low, _, high = net.balance()
    grid = Grid(-1.5, 1.5, 300)
    finals = [solve(net, grid, grid.gaussian(m0, 0.1), t_span=(0.0, 1.0), dt=0.01, t_eval=[1.0],
                    frame="auto").mean()[-1, 0] for m0 in (0.0, 0.04, 0.06, 0.08, 0.1, 0.3)]
    reached = [int(abs(f - high.voltage[0]) < 1e-2) - int(abs(f - low.voltage[0]) < 1e-2) for f in finals]
    assert all(r != 0 for r in reached)
    assert reached == sorted(reached)


@pytest.mark.parametrize("method", ["bdf2", "trbdf2"])
def test_auto_frame_is_second_order_in_dt_through_the_initial_layer(method):
    """γ = 1e4 from N(0.2, 0.05²): the layer (re-gridded twice) is integrated by one run that carries
    the method's history across each change of grid (made at the same times for every dt), so the
    mean converges as dt² inside (t = 1e-4) and after (t = 4e-4) the layer, and so does the std.
    Restarting the method at every re-grid would make the layer first order."""
    net = presets.ei_single(1e4)
    grid = Grid(-1.0, 1.0, 200)
    kw = dict(t_span=(0.0, 4e-4), t_eval=[1e-4, 4e-4], method=method, frame="auto", tol=1e-13, auto_cells=400)
    p0 = grid.gaussian(0.2, 0.05)
    ref = solve(net, grid, p0, dt=5e-7, **kw)
    runs = [solve(net, grid, p0, dt=dt, **kw) for dt in (4e-6, 2e-6)]
    assert ref.stats["grids"] == runs[0].stats["grids"] == runs[1].stats["grids"] == 3
    mean_errors = [np.abs(r.mean() - ref.mean())[:, 0] for r in runs]
    std_errors = [np.abs(r.std() - ref.std())[-1, 0] for r in runs]
    assert np.all(np.log2(mean_errors[0] / mean_errors[1]) > 1.7), mean_errors
    assert np.log2(std_errors[0] / std_errors[1]) > 1.7, std_errors
