"""The native physical-frame solver against exact solutions and its invariants."""
import math
import warnings

import numpy as np
import pytest

from fokker import Cubic, Grid, Sigmoid, presets
from solvers import ResolutionWarning, TruncationWarning, solve

from fokker.exact import constant_activities, gibbs_density, ou_density, ou_moments

FLAT = dict(exc=Sigmoid(1.0, 0.0, 0.0), inh=Sigmoid(1.0, 0.0, 0.0))   # constant activations


def ou_single(gamma=1.0):
    return presets.ei_single(gamma, **FLAT)


def ou_pair(gamma=1.0):
    return presets.ei_pair(gamma, sigma=(0.5, 0.7), **FLAT)


def l1_error(sol, exact):
    return float(np.max(sol.grid.integrate(np.abs(sol.p - exact))))


@pytest.mark.parametrize("make,mean0,std0", [(ou_single, -1.0, 0.4), (ou_pair, [-1.0, 0.8], [0.4, 0.3])])
def test_ou_exact_solution_l1_below_1e3(make, mean0, std0):
    net = make(1.0)
    grid = Grid(-3.5, 3.5, 700)
    p0 = np.array([grid.gaussian(m, s) for m, s in zip(np.atleast_1d(mean0), np.atleast_1d(std0))])
    sol = solve(net, grid, p0 if net.P > 1 else p0[0], t_span=(0.0, 1.0), dt=0.005, method="bdf2")
    exact = ou_density(net, grid, mean0, std0, sol.t)
    assert l1_error(sol, exact) < 1e-3
    mean, var = ou_moments(net, mean0, std0, sol.t)
    assert np.max(np.abs(sol.mean() - mean)) < 1e-4
    assert np.max(np.abs(sol.std() - np.sqrt(var))) < 1e-3


def observed_orders(errors):
    e = np.asarray(errors)
    return np.log2(e[:-1] / e[1:])


def test_second_order_in_space():
    """Resolved smooth problem, time error negligible (TR-BDF2, small dt): L1 error ∝ h²."""
    net = ou_single(1.0)
    errors = []
    for nx in (50, 100, 200):
        grid = Grid(-3.0, 3.0, nx)
        sol = solve(net, grid, grid.gaussian(-1.0, 0.4), t_span=(0.0, 0.5), dt=5e-4,
                    t_eval=[0.5], method="trbdf2")
        errors.append(l1_error(sol, ou_density(net, grid, -1.0, 0.4, sol.t)))
    orders = observed_orders(errors)
    assert np.all((orders > 1.8) & (orders < 2.3)), (errors, orders)


@pytest.mark.parametrize("method,order", [("euler", 1), ("bdf2", 2), ("trbdf2", 2)])
def test_order_in_time(method, order):
    """Errors against a fine-step reference on the same grid (space error cancels)."""
    net = presets.ei_single(5.0)           # nonlinear coupling through the sigmoids
    grid = Grid(-2.5, 2.5, 200)
    p0 = grid.gaussian(-0.8, 0.3)
    run = lambda dt: solve(net, grid, p0, t_span=(0.0, 0.4), dt=dt, t_eval=[0.4], method=method).p[-1]
    reference = solve(net, grid, p0, t_span=(0.0, 0.4), dt=2.5e-5, t_eval=[0.4], method="trbdf2").p[-1]
    errors = [grid.integrate(np.abs(run(dt) - reference)).max() for dt in (0.02, 0.01, 0.005)]
    orders = observed_orders(errors)
    assert np.all(np.abs(orders - order) < 0.25), (errors, orders)


def test_frozen_activity_stationary_state_is_discrete_gibbs_with_cubic_drift():
    """Constant activations: the stationary density is exp(2U/σ²), U' = v, exactly at the cell centres."""
    net = presets.ei_single(1.0, intrinsic=Cubic(current=0.3), **FLAT)
    grid = Grid(-3.0, 3.0, 300)
    sol = solve(net, grid, grid.gaussian(0.0, 0.5), t_span=(0.0, 400.0), dt=2.0, t_eval=[400.0], method="euler")
    gibbs = gibbs_density(net, grid, constant_activities(net))[0]
    assert np.max(np.abs(sol.p[-1, 0] - gibbs)) / gibbs.max() < 1e-12


@pytest.mark.parametrize("method", ["euler", "bdf2", "trbdf2"])
def test_mass_conserved_to_1e12_over_1000_steps_and_no_negative_density(method):
    net = presets.ei_single(100.0)
    grid = Grid(-2.0, 2.0, 400)
    sol = solve(net, grid, grid.gaussian(-1.0, 0.3), t_span=(0.0, 1.0), dt=1e-3, method=method)
    assert sol.stats["steps"] == 1000
    assert np.max(np.abs(sol.mass() - 1.0)) < 1e-12
    assert sol.p.min() >= 0.0


def test_lands_exactly_on_output_times_and_default_is_101_times():
    net = presets.ei_single(10.0)
    grid = Grid(-2.0, 2.0, 100)
    sol = solve(net, grid, grid.gaussian(0.0, 0.3), t_span=(0.0, 1.0), dt=0.03)
    assert sol.t.shape == (101,) and sol.t[-1] == 1.0
    sol = solve(net, grid, grid.gaussian(0.0, 0.3), t_span=(0.0, 1.0), dt=0.03, t_eval=[0.0, 0.1234, 0.7])
    np.testing.assert_array_equal(sol.t, [0.0, 0.1234, 0.7])
    assert sol.p.shape == (3, 1, 100) and sol.activity.shape == (3, 2)
    assert sol.mean().shape == sol.std().shape == sol.mass().shape == sol.balance_voltage.shape == (3, 1)


def test_large_gamma_ou_resolved_grid():
    """γ = 1e6: the stationary width σ/√(2k) ≈ 3e-4 on a grid that resolves it, exact OU moments."""
    gamma = 1e6
    net = ou_single(gamma)
    mean, var = ou_moments(net, -0.1, 0.01, np.array([0.0, 0.05]))
    c, s = mean[-1, 0], math.sqrt(var[-1, 0])
    grid = Grid(c - 40 * s, c + 40 * s, 400)
    p0 = grid.gaussian(c - 8 * s, 3 * s)
    mean, var = ou_moments(net, c - 8 * s, 3 * s, np.array([0.05]))
    sol = solve(net, grid, p0, t_span=(0.0, 0.05), dt=1e-3, t_eval=[0.05])
    assert abs(sol.mean()[-1, 0] - mean[0, 0]) < 1e-3 * s
    assert abs(sol.std()[-1, 0] / math.sqrt(var[0, 0]) - 1) < 1e-3


@pytest.mark.parametrize("gamma", [1e4, 1e6, 1e8])
def test_coupling_converges_at_large_gamma(gamma):
    """Nonlinear coupling at large γ: a few evaluations per step, mean at the balance voltage."""
    net = presets.ei_single(gamma)
    bal = net.balance()[0]
    s = 0.5 / math.sqrt(2 * gamma * bal.conductance[0])
    grid = Grid(bal.voltage[0] - 30 * s, bal.voltage[0] + 30 * s, 300)
    sol = solve(net, grid, grid.gaussian(bal.voltage[0] + 5 * s, 2 * s), t_span=(0.0, 0.02),
                dt=1e-3, t_eval=[0.02])
    assert sol.stats["evaluations"] / sol.stats["steps"] < 3.0
    x_star = sol.balance_voltage[-1, 0]
    assert abs(x_star - bal.voltage[0]) < 0.05 * s + 10.0 / gamma
    assert abs(sol.mean()[-1, 0] - x_star) < 0.05 * s + 10.0 / gamma


def test_warns_on_truncation_and_underresolution():
    net = presets.ei_single(1e4)
    grid = Grid(-1.0, 1.0, 50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solve(net, grid, np.ones(50), t_span=(0.0, 0.01), dt=1e-3, t_eval=[0.0, 0.01])
    kinds = {w.category for w in caught}
    assert ResolutionWarning in kinds and TruncationWarning in kinds
    assert sum(w.category is ResolutionWarning for w in caught) == 1


def test_p0_with_other_mass_is_normalised_with_a_note():
    net = presets.ei_single(10.0)
    grid = Grid(-2.0, 2.0, 100)
    sol = solve(net, grid, 3.0 * grid.gaussian(0.0, 0.3), t_span=(0.0, 0.1), dt=0.01)
    assert abs(sol.mass()[0, 0] - 1.0) < 1e-14
    assert any("normalised" in note for note in sol.notes)


def test_external_time_dependent_drive_tracks_balance():
    net = presets.driven(100.0)
    grid = Grid(-1.5, 1.5, 600)
    p0 = np.stack([grid.gaussian(0.0, 0.2), grid.gaussian(0.2, 0.2)])
    sol = solve(net, grid, p0, t_span=(0.0, 1.0), dt=2e-3, t_eval=[0.5, 0.75, 1.0])
    for k, t in enumerate(sol.t):
        assert np.allclose(sol.activity[k, 2], 0.5 + 0.25 * math.sin(2 * math.pi * t))
        assert np.all(np.abs(sol.mean()[k] - sol.balance_voltage[k]) < 0.05)


def test_to_xarray_roundtrip():
    net = presets.ei_pair(10.0)
    grid = Grid(-2.0, 2.0, 80)
    sol = solve(net, grid, np.stack([grid.gaussian(0, 0.3)] * 2), t_span=(0.0, 0.1), dt=0.01, t_eval=[0.0, 0.1])
    ds = sol.to_xarray()
    assert ds["p"].shape == (2, 2, 80)
    assert list(ds["population"].values) == ["E", "I"]
    np.testing.assert_allclose(ds["mean"].values, sol.mean())


def test_coupling_failure_on_an_unresolving_grid_says_why():
    """γ = 1e10 on a grid with h ≫ σ/√(2γA): the error names the resolution, not only dt."""
    from solvers.coupling import CouplingError
    net = presets.ei_single(1e10)
    grid = Grid(-2.0, 2.0, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(CouplingError, match="refine the grid or use frame='auto'"):
            solve(net, grid, grid.gaussian(0.0, 0.3), t_span=(0.0, 0.1), dt=0.01)
