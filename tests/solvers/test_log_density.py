"""The log-density solver solve_log against the SG density solver, exact solutions and its invariants."""
import math
import warnings

import numpy as np
import pytest

from fokker import Cubic, Grid, Sigmoid, presets
from fokker.exact import constant_activities, ou_moments
from solvers import LogSolution, solve, solve_log
from solvers.fluxes import apply_bands, bernoulli, sg_bands
from solvers.log_density import LogDensityFrame, log_bernoulli

FLAT = dict(exc=Sigmoid(1.0, 0.0, 0.0), inh=Sigmoid(1.0, 0.0, 0.0))   # constant activations


def observed_orders(errors):
    e = np.asarray(errors)
    return np.log2(e[:-1] / e[1:])


def balanced_grid(gamma, half_width, nx):
    """ei_single at γ on [x̄ − half_width, x̄ + half_width]; returns (net, grid, x̄, σ/√(2γĀ))."""
    net = presets.ei_single(gamma)
    bal = net.balance()[0]
    s = 0.5 / math.sqrt(2.0 * gamma * bal.conductance[0])
    return net, Grid(bal.voltage[0] - half_width, bal.voltage[0] + half_width, nx), bal.voltage[0], s


def test_log_bernoulli_matches_log_of_bernoulli_and_its_asymptotes():
    z = np.array([-50.0, -1.0, -1e-2, -1.1e-3, -9e-4, -1e-9, 0.0, 1e-9, 9e-4, 1.1e-3, 1e-2, 1.0, 50.0])
    np.testing.assert_allclose(log_bernoulli(z), np.log(bernoulli(z)), rtol=0, atol=1e-15)
    big = np.array([800.0, -800.0, 1e6, -1e6])            # B underflows or is large: log B exact
    np.testing.assert_allclose(log_bernoulli(big), [math.log(800) - 800, math.log(800), math.log(1e6) - 1e6,
                                                    math.log(1e6)], rtol=1e-15)


@pytest.mark.parametrize("gamma", [1.0, 100.0, 1e4])
def test_semi_discretisation_is_scharfetter_gummel_in_log_variables(gamma):
    """G(log p) = (L p) / p for the SG operator L of solvers.solve, to round-off of its terms."""
    s = 0.5 / math.sqrt(2.0 * gamma * presets.ei_single(gamma).balance()[0].conductance[0])
    net, grid, xbar, s = balanced_grid(gamma, 15 * s, 300)
    p = (grid.gaussian(xbar + 2 * s, 1.5 * s) + 0.3 * grid.gaussian(xbar - s, 0.7 * s)) / 1.3   # p > 1e-200
    frame = LogDensityFrame(net, grid, 1e-10)
    m = frame.physical.activities(p[None], 0.0)
    G = frame.rate(frame.initial_state(np.log(p)[None], 0.0), 0.0)[0][0]
    bands = sg_bands(frame.physical.drift(m), net.diffusion, grid.width)
    Lp = apply_bands(*bands, p[None])[0]
    scale = np.abs(bands[1][0])                             # the outflow rate, the size of each term
    assert np.max(np.abs(G - Lp / p) / scale) < 1e-12


@pytest.mark.parametrize("gamma,half_width,T", [(1.0, 3.0, 1.0), (100.0, 0.3, 0.05), (1e4, 0.05, 5e-4)])
def test_agrees_with_solve_to_the_order_of_the_time_discretisation(gamma, half_width, T):
    """Same grid, method and steps: the difference of log p where p > 1e-200 max is the time error.

    The two schemes share the semi-discretisation, so |log p_log − log p_SG| is the difference of
    two second-order time errors: it must shrink by ≈ 4 when dt halves (between 3 and 5).
    """
    net, grid, xbar, s = balanced_grid(gamma, half_width, 300 if gamma == 1.0 else 600)
    p0 = grid.gaussian(-0.5, 0.4) if gamma == 1.0 else grid.gaussian(xbar + 3 * s, 2 * s)
    differences = []
    for dt in (T / 50, T / 100):
        lg = solve_log(net, grid, p0, t_span=(0.0, T), dt=dt, t_eval=[T / 2, T], method="trbdf2")
        sg = solve(net, grid, p0, t_span=(0.0, T), dt=dt, t_eval=[T / 2, T], method="trbdf2")
        region = sg.p > 1e-200 * sg.p.max(axis=-1, keepdims=True)
        differences.append(np.max(np.abs(lg.log_p - np.log(np.where(region, sg.p, 1.0)))[region]))
        np.testing.assert_allclose(lg.mean(), sg.mean(), rtol=0, atol=1e-3 * s)
    ratio = differences[0] / differences[1]
    assert differences[1] < 0.1 and 3.0 < ratio < 5.0, (differences, ratio)


@pytest.mark.parametrize("gamma", [1.0, 1e4, 1e8])
def test_frozen_activity_stationary_state_is_the_discrete_gibbs_potential(gamma):
    """Constant activations, Cubic drift: stationary u = 2U/(γσ²) + const at the cell centres, U' = v.

    At γ = 1e8 the state spans log p down to −5e9, far below the underflow of p.
    """
    net = presets.ei_single(gamma, intrinsic=Cubic(current=0.3), **FLAT)
    grid = Grid(-3.0, 3.0, 300)
    x = grid.centers
    m = constant_activities(net)
    U = net.populations[0].intrinsic.potential(x) + gamma * (net.reversal_current(m)[0] * x
                                                             - 0.5 * net.conductance(m)[0] * x**2)
    gibbs_u = 2.0 * U / (gamma * 0.5**2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                    # γ ≥ 1e4: the grid does not resolve the width
        lg = solve_log(net, grid, log_p0=-0.5 * (x / 0.5) ** 2, t_span=(0.0, 80.0), dt=2.0, t_eval=[80.0],
                       method="euler")
    offset = lg.u[-1, 0] - gibbs_u
    assert np.ptp(offset) < 1e-13 * np.ptp(gibbs_u), np.ptp(offset) / np.ptp(gibbs_u)
    assert np.isfinite(lg.log_p).all() and lg.log_p.min() < -40.0 * gamma


def test_second_order_in_space_against_the_exact_ou_log_density():
    """OU (Leak, constant activations): log p is a parabola; max error over |x − μ| ≤ 4 std ∝ h²."""
    net = presets.ei_single(1.0, **FLAT)
    errors = []
    for nx in (100, 200, 400):
        grid = Grid(-3.0, 3.0, nx)
        x = grid.centers
        lg = solve_log(net, grid, log_p0=-(x + 1.0) ** 2 / (2 * 0.4**2), t_span=(0.0, 0.5), dt=2e-3,
                       t_eval=[0.5], method="trbdf2")
        mean, var = ou_moments(net, -1.0, 0.4, [0.5])
        exact = -(x - mean[0, 0]) ** 2 / (2 * var[0, 0]) - 0.5 * math.log(2 * math.pi * var[0, 0])
        inside = np.abs(x - mean[0, 0]) <= 4 * math.sqrt(var[0, 0])
        errors.append(np.max(np.abs(lg.log_p[-1, 0] - exact)[inside]))
    orders = observed_orders(errors)
    assert np.all((orders > 1.8) & (orders < 2.4)), (errors, orders)


@pytest.fixture(scope="module")
def time_problem():
    """Nonlinear coupling (ei_single, γ = 5) and a fine-step TR-BDF2 reference at t = 0.4."""
    net = presets.ei_single(5.0)
    grid = Grid(-2.5, 2.5, 200)
    w0 = np.log(grid.gaussian(-0.8, 0.3))
    run = lambda dt, method: solve_log(net, grid, log_p0=w0, t_span=(0.0, 0.4), dt=dt, t_eval=[0.4],
                                       method=method).log_p[-1]
    return run, run(5e-4, "trbdf2")


@pytest.mark.parametrize("method,order", [("euler", 1), ("bdf2", 2), ("trbdf2", 2)])
def test_order_in_time(time_problem, method, order):
    """Max error of log p against the fine-step reference on the same grid."""
    run, reference = time_problem
    errors = [np.max(np.abs(run(dt, method) - reference)) for dt in (0.02, 0.01, 0.005)]
    orders = observed_orders(errors)
    assert np.all(np.abs(orders - order) < 0.25), (errors, orders)


@pytest.mark.parametrize("gamma", [1e8, 1e10])
def test_tails_far_below_underflow_reach_the_exact_ou_state(gamma):
    """Grid of ±1500 widths s (h = s/4): log p reaches −1.1e6 with no NaN and equals the exact
    stationary OU log-density to relative 1e-10 (L-stable steps of 100/k; the discrete stationary
    state is exact at the nodes however steep log p is)."""
    net = presets.ei_single(gamma, **FLAT)
    k = 1.0 + gamma * net.conductance(constant_activities(net))[0]
    mean, var = ou_moments(net, 0.0, 1.0, [1e3])
    c, s = mean[0, 0], math.sqrt(var[0, 0])
    grid = Grid(c - 1500 * s, c + 1500 * s, 12000)
    x = grid.centers
    T = 1000.0 / k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                    # 4 cells per width: below the advised 5
        lg = solve_log(net, grid, log_p0=-0.5 * ((x - c - 2 * s) / (0.7 * s)) ** 2, t_span=(0.0, T), dt=T / 10,
                       t_eval=[T / 10, T], method="euler")
    exact = -(x - c) ** 2 / (2 * s * s) - 0.5 * math.log(2 * math.pi * s * s)
    assert np.isfinite(lg.log_p).all() and np.isfinite(lg.u).all()
    assert lg.log_p[-1].min() < -1.1e6
    assert np.max(np.abs(lg.log_p[-1, 0] - exact) / (1.0 + np.abs(exact))) < 1e-10
    assert abs(lg.mean()[-1, 0] - c) < 1e-9 * s and abs(lg.std()[-1, 0] / s - 1.0) < 1e-9


def test_result_fields_shapes_and_normalisation():
    net = presets.ei_pair(10.0)
    grid = Grid(-2.0, 2.0, 120)
    p0 = np.stack([grid.gaussian(0.0, 0.3), grid.gaussian(0.2, 0.4)])
    lg = solve_log(net, grid, p0, t_span=(0.0, 0.1), dt=0.01, t_eval=[0.0, 0.05, 0.1])
    assert isinstance(lg, LogSolution) and lg.method == "bdf2"
    assert lg.u.shape == lg.log_p.shape == (3, 2, 120) and lg.activity.shape == (3, 2)
    assert lg.mean().shape == lg.std().shape == lg.balance_voltage.shape == (3, 2)
    np.testing.assert_allclose(lg.mass(), 1.0, rtol=0, atol=1e-13)
    np.testing.assert_allclose(lg.log_p, net.gamma * lg.u, rtol=1e-15)
    np.testing.assert_allclose(lg.log_p[0], np.log(p0), rtol=0, atol=1e-12)
    assert lg.stats["steps"] == 10 and lg.stats["limited_stages"] == 0 and lg.stats["wall_time"] > 0


def test_log_p0_is_shifted_to_unit_mass_with_a_note():
    net = presets.ei_single(10.0)
    grid = Grid(-2.0, 2.0, 100)
    w0 = -0.5 * (grid.centers / 0.3) ** 2                   # unnormalised
    lg = solve_log(net, grid, log_p0=w0, t_span=(0.0, 0.02), dt=0.01, t_eval=[0.0])
    np.testing.assert_allclose(lg.log_p[0, 0], w0 - np.log(np.sum(np.exp(w0)) * grid.width), rtol=0, atol=1e-13)
    assert abs(lg.mass()[0, 0] - 1.0) < 1e-14 and any("log_p0" in note for note in lg.notes)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(), ValueError, "exactly one of p0"),
    (dict(p0="gauss", log_p0="zeros"), ValueError, "exactly one of p0"),
    (dict(p0="with_zero"), ValueError, "p0 must be > 0 everywhere"),
    (dict(p0="negative"), ValueError, "p0 must be >= 0"),
    (dict(log_p0="nan"), ValueError, "log_p0 must be finite"),
    (dict(log_p0="short"), ValueError, "log_p0 must have shape"),
    (dict(p0="gauss", method="rk4"), ValueError, "method must be one of"),
    (dict(p0="gauss", dt=0.0), ValueError, "dt must be > 0"),
    (dict(p0="gauss", tol=-1.0), ValueError, "tol must be > 0"),
    (dict(p0="gauss", t_span=(1.0, 0.0)), ValueError, "t_span"),
    (dict(p0="gauss", t_eval=[0.5, 2.0]), ValueError, "t_eval"),
    (dict(p0="gauss", progress="yes"), TypeError, "progress"),
])
def test_bad_inputs_name_the_argument(kwargs, error, match):
    net = presets.ei_single(10.0)
    grid = Grid(-2.0, 2.0, 50)
    values = {"gauss": grid.gaussian(0.0, 0.3), "zeros": np.zeros(50), "with_zero": np.r_[0.0, np.ones(49)],
              "negative": np.r_[-1.0, np.ones(49)], "nan": np.r_[np.nan, np.zeros(49)], "short": np.zeros(49)}
    kwargs = {key: values.get(v, v) if isinstance(v, str) else v for key, v in kwargs.items()}
    kwargs.setdefault("t_span", (0.0, 1.0))
    with pytest.raises(error, match=match):
        solve_log(net, grid, **kwargs)


@pytest.mark.parametrize("gamma", [0.0, math.inf])
def test_gamma_zero_and_infinite_are_refused(gamma):
    net = presets.ei_single(gamma)
    grid = Grid(-2.0, 2.0, 50)
    with pytest.raises(ValueError, match="0 < gamma < inf"):
        solve_log(net, grid, grid.gaussian(0.0, 0.3))


def test_wrong_types_raise_type_error():
    grid = Grid(-2.0, 2.0, 50)
    with pytest.raises(TypeError, match="net must be a fokker.Network"):
        solve_log("net", grid, grid.gaussian(0.0, 0.3))
    with pytest.raises(TypeError, match="grid must be a fokker.Grid"):
        solve_log(presets.ei_single(1.0), (-2.0, 2.0, 50), grid.gaussian(0.0, 0.3))


def test_adaptive_steps_and_callback_through_the_controller():
    """Error-controlled steps agree with fine fixed steps to O(rtol); a callback stops the run.

    (The error norm weighs log p uniformly over the grid, tails included, so the controller
    resolves the tails' transient too: it needs more steps than a density solver at equal rtol.)"""
    net = presets.ei_single(gamma=100.0)
    grid = Grid(-1.5, 2.0, 400)
    p0 = grid.gaussian(0.2, 0.25)
    times = [0.0, 0.25, 0.5]
    fine = solve_log(net, grid, p0, t_span=(0.0, 0.5), dt=2.5e-4, t_eval=times, method="trbdf2")
    adaptive = solve_log(net, grid, p0, t_span=(0.0, 0.5), rtol=1e-4, t_eval=times, method="trbdf2")
    assert adaptive.status == 0 and adaptive.stats["rejected_steps"] >= 0
    np.testing.assert_allclose(adaptive.mean(), fine.mean(), atol=1e-5)
    np.testing.assert_allclose(adaptive.std(), fine.std(), rtol=1e-4)
    np.testing.assert_allclose(adaptive.log_p[-1], fine.log_p[-1], atol=1e-3)
    stopped = solve_log(net, grid, p0, t_span=(0.0, 0.5), dt=0.01, t_eval=times,
                        callback=lambda t, log_p, m: t >= 0.25)
    assert stopped.status == 1 and "callback" in stopped.message
    np.testing.assert_array_equal(stopped.t, [0.0, 0.25])
    assert stopped.log_p.shape[0] == 2


def test_two_variable_and_electrical_networks_are_refused_by_name():
    grid = Grid(-3.0, 3.0, 100)
    with pytest.raises(ValueError, match="Grid2D"):
        solve_log(presets.fhn_electrical(gamma=10.0), grid, grid.gaussian(0.0, 0.5))
    from fokker import Leak, Network, Population
    net = Network([Population("E", Leak(1.0, 0.0), 0.5)], [], [[]], gamma=10.0, electrical=[[1.0]])
    with pytest.raises(ValueError, match="electrical"):
        solve_log(net, grid, grid.gaussian(0.0, 0.5))
