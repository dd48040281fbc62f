"""The controller loop: fixed and adaptive steps, rejections, growth substeps, coupling rescue,
trackers and the callback stop, invariants at every output, argument validation."""
import math
import warnings

import numpy as np
import pytest

from fokker import Grid, presets
from solvers import BACKENDS, solve, solve_desingularised
from solvers.controller import AdaptiveSteps, FixedSteps, run
from solvers.methods import METHODS
from solvers.physical import PhysicalFrame
from solvers.stepping import MAX_GROWTH

from .linear_frame import LinearFrame

Y = Grid(-4.0, 4.0, 200)


def linear_run(method, lam, policy, t1=1.0, **frame_kw):
    frame = LinearFrame(lam, **frame_kw)
    result = run(frame, frame.initial_state(1.0, 0.0), 0.0, np.array([t1]), method, policy)
    return result, frame


@pytest.mark.parametrize("method", list(METHODS))
def test_fixed_steps_are_equal_and_land_on_outputs(method):
    frame = LinearFrame(-1.0)
    result = run(frame, frame.initial_state(1.0, 0.0), 0.0, np.array([0.0, 0.25, 1.0]), method, FixedSteps(0.1))
    assert [t for t, _, _ in result.outputs] == [0.0, 0.25, 1.0]
    assert result.stats["steps"] == 3 + 8                 # ceil(0.25/0.1) + ceil(0.75/0.1)
    assert result.status == 0 and "successfully" in result.message


@pytest.mark.parametrize("method,order", [("euler", 1), ("bdf2", 2), ("trbdf2", 2)])
def test_adaptive_steps_tolerance_proportionality_and_step_growth(method, order):
    """y' = −y on [0, 1]: global error ∝ rtol, steps ∝ rtol^(−1/order)."""
    lam = -1.0
    errors, steps = [], []
    tols = (1e-2, 1e-4) if order == 1 else (1e-4, 1e-6)
    for rtol in tols:
        result, _ = linear_run(method, lam, AdaptiveSteps(rtol, 0.0, math.inf, 1e-3, METHODS[method]()))
        errors.append(abs(result.outputs[-1][1].p[0, 0] - math.exp(lam)))
        steps.append(result.stats["steps"])
        assert errors[-1] < 3 * rtol
    slope = math.log(errors[0] / errors[1]) / math.log(tols[0] / tols[1])
    assert 0.8 < slope < 1.2, (errors, slope)
    growth = math.log(steps[1] / steps[0]) / math.log(tols[0] / tols[1])
    assert abs(growth - 1.0 / order) < 0.15, (steps, growth)


def test_too_long_first_step_is_rejected_then_accurate():
    result, frame = linear_run("trbdf2", -5.0, AdaptiveSteps(1e-6, 0.0, math.inf, 1.0, METHODS["trbdf2"]()))
    assert result.stats["rejected_steps"] >= 1
    assert abs(result.outputs[-1][1].p[0, 0] - math.exp(-5.0)) < 1e-6
    assert 0 < result.stats["max_error_estimate"] <= 1.0


def test_growth_substeps_keep_lambda_h_below_max_growth():
    result, frame = linear_run("bdf2", 4.0, FixedSteps(1.0), growth=4.0)
    assert result.stats["substeps"] > 0
    assert max(frame.stages) <= MAX_GROWTH / 4.0 * (1 + 1e-12)
    assert result.outputs[-1][1].p[0, 0] > math.exp(4.0)        # grows (one L-stable step: 1/(1 − 4) < 0)


@pytest.mark.parametrize("adaptive", [False, True])
def test_coupling_failure_is_rescued(adaptive):
    policy = AdaptiveSteps(1e-3, 0.0, math.inf, 0.5, METHODS["bdf2"]()) if adaptive else FixedSteps(0.5)
    result, frame = linear_run("bdf2", -1.0, policy, fail_above=0.2)
    assert max(frame.stages) <= 0.2
    if adaptive:
        assert result.stats["rejected_steps"] >= 1
    else:
        assert result.stats["rescued_steps"] == 2
    assert abs(result.outputs[-1][1].p[0, 0] - math.exp(-1.0)) < 5e-2


def problem():
    net = presets.ei_single(20.0)
    grid = Grid(-2.0, 2.0, 160)
    return net, grid, grid.gaussian(-0.5, 0.3)


def test_callback_stops_the_run_with_status_and_truncated_outputs():
    net, grid, p0 = problem()
    seen = []

    def callback(t, p, m):
        seen.append((t, p.shape, m.shape))
        return t >= 0.3

    sol = solve(net, grid, p0, t_span=(0.0, 1.0), dt=0.01, t_eval=np.linspace(0, 1, 11), callback=callback)
    assert sol.status == 1 and "callback" in sol.message and "t=0.3" in sol.message
    np.testing.assert_allclose(sol.t, np.linspace(0, 0.3, 4))
    assert sol.p.shape == (4, 1, 160) and sol.activity.shape == (4, 2)
    assert seen[-1][0] == pytest.approx(0.3) and seen[-1][1:] == ((1, 160), (2,))
    done = solve(net, grid, p0, t_span=(0.0, 1.0), dt=0.01, t_eval=[0.5, 1.0], callback=lambda t, p, m: False)
    assert done.status == 0 and "successfully" in done.message and done.t[-1] == 1.0


def test_callback_of_the_desingularised_solver_receives_q():
    net = presets.ei_single(1e6)
    got = []
    ds = solve_desingularised(net, Y, Y.gaussian(0.0, 0.5), 0.3, t_span=(0.0, 1.0), dt=0.05,
                              t_eval=[0.2, 0.4, 1.0], callback=lambda t, q, m: got.append(q.copy()) or t >= 0.4)
    assert ds.status == 1 and ds.t.tolist() == [0.2, 0.4]
    assert len(got) == ds.stats["steps"] == 8          # called after every accepted step
    np.testing.assert_array_equal(got[-1], ds.q[-1])


def test_a_stop_between_outputs_ends_at_the_last_output_reached():
    net = presets.ei_single(1e6)
    times = []
    ds = solve_desingularised(net, Y, Y.gaussian(0.0, 0.5), 0.3, t_span=(0.0, 1.0), dt=0.05,
                              t_eval=[0.2, 0.4, 1.0], callback=lambda t, q, m: times.append(t) or t > 0.32)
    assert ds.status == 1 and "t=0.35" in ds.message
    assert ds.t.tolist() == [0.2] and times[-1] == pytest.approx(0.35)


def test_callback_must_be_callable():
    net, grid, p0 = problem()
    with pytest.raises(TypeError, match="callback"):
        solve(net, grid, p0, t_span=(0.0, 0.1), callback=3)
    with pytest.raises(TypeError, match="callback"):
        solve_desingularised(net, Y, Y.gaussian(0.0, 0.5), 0.3, callback="stop")


@pytest.mark.parametrize("kwargs,match", [(dict(rtol=0.0), "rtol"), (dict(rtol=1.0), "rtol"), (dict(rtol=-1e-3), "rtol"),
                                          (dict(rtol=1e-3, atol=-1.0), "atol"), (dict(max_step=0.0), "max_step"),
                                          (dict(max_step=math.nan), "max_step"), (dict(rtol="small"), "rtol")])
def test_step_control_arguments_are_validated(kwargs, match):
    net, grid, p0 = problem()
    with pytest.raises((ValueError, TypeError), match=match):
        solve(net, grid, p0, t_span=(0.0, 0.1), **kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        solve_desingularised(net, Y, Y.gaussian(0.0, 0.5), 0.3, t_span=(0.0, 0.1), **kwargs)


@pytest.mark.parametrize("method", list(METHODS))
def test_adaptive_physical_run_keeps_mass_and_positivity_at_every_output(method):
    net, grid, p0 = problem()
    sol = solve(net, grid, p0, t_span=(0.0, 1.0), dt=1e-3, method=method, rtol=1e-2 if method == "euler" else 1e-4,
                max_step=0.05,
                t_eval=np.linspace(0.0, 1.0, 21))
    assert sol.status == 0 and sol.stats["steps"] > 0
    assert np.max(np.abs(sol.mass() - 1.0)) < 1e-12
    assert sol.p.min() >= 0.0
    assert sol.stats["max_error_estimate"] <= 1.0
    np.testing.assert_array_equal(sol.t, np.linspace(0.0, 1.0, 21))
    steps = np.diff(sol.t)
    assert np.all(steps > 0)


def test_adaptive_desingularised_run_keeps_the_invariants_at_every_output_and_scales_with_gamma():
    """γ = 1e4 and 1e8: the steps resolve the fast transient (time scale 1/γ), so their number
    is (nearly) independent of γ; mass, ∫ y q and q ≥ 0 hold at every output."""
    steps = []
    for gamma in (1e4, 1e8):
        net = presets.ei_pair(gamma)
        bal = net.balance()[0]
        q0 = np.stack([Y.gaussian(0.0, 0.5)] * 2)
        ds = solve_desingularised(net, Y, q0, bal.voltage + 0.1, t_span=(0.0, 1.0), dt=1e-3, rtol=1e-5,
                                  t_eval=np.linspace(0.0, 1.0, 11))
        assert np.max(np.abs(ds.mass() - 1.0)) < 1e-12
        assert np.max(np.abs(Y.integrate(ds.q * Y.centers))) < 1e-12
        assert ds.q.min() >= 0.0
        np.testing.assert_allclose(ds.mu[-1], bal.voltage, atol=10.0 / gamma)      # O(1/γ) from the balance point
        steps.append(ds.stats["steps"])
    assert abs(steps[1] / steps[0] - 1) < 0.25, steps


def test_backend_table():
    assert set(BACKENDS) == {"native", "numpy", "fipy"}
    assert BACKENDS["numpy"] is PhysicalFrame and issubclass(BACKENDS["native"], PhysicalFrame)
    assert issubclass(BACKENDS["fipy"], PhysicalFrame)
    with pytest.raises(ValueError, match="backend"):
        net, grid, p0 = problem()
        solve(net, grid, p0, backend="cuda")


def test_auto_frame_callback_sees_the_density_on_the_user_grid_and_can_stop():
    net = presets.ei_single(1e6)
    grid = Grid(-1.5, 1.5, 300)
    masses = []

    def callback(t, p, m):
        masses.append(grid.integrate(p)[0])
        return t >= 0.5

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, grid.gaussian(0.0, 0.2), t_span=(0.0, 1.0), dt=0.01, t_eval=[0.25, 0.5, 1.0],
                    frame="auto", callback=callback, progress=True)
    assert sol.status == 1 and sol.t.tolist() == [0.25, 0.5] and sol.p.shape == (2, 1, 300)
    assert sol.frame_moments[0].shape == (2, 1)
    np.testing.assert_allclose(masses, 1.0, atol=1e-6)


@pytest.mark.parametrize("rtol", [None, 1e-4])
def test_auto_frame_at_gamma_1e8_fixed_and_adaptive(rtol):
    """γ = 1e8 from a wide Gaussian: the adaptive run resolves the layer on its own (no step cap)."""
    net = presets.ei_single(1e8)
    bal = net.balance()[0]
    grid = Grid(-2.0, 2.0, 400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, grid.gaussian(0.0, 0.2), t_span=(0.0, 1.0), dt=0.01, t_eval=[1.0], frame="auto",
                    rtol=rtol)
    limit = 0.5 / math.sqrt(2 * bal.conductance[0])
    assert abs(sol.std()[-1, 0] * 1e4 / limit - 1) < 1e-3
    assert abs(sol.mean()[-1, 0] - bal.voltage[0]) < 1e-6
    assert sol.stats["grids"] >= 2 and sol.status == 0


@pytest.fixture(scope="module")
def nonlinear_reference():
    net = presets.ei_single(5.0)
    grid = Grid(-2.5, 2.5, 100)
    p0 = grid.gaussian(-0.8, 0.3)
    kw = dict(t_span=(0.0, 1.0), t_eval=[0.5, 1.0], dt=1e-3, tol=1e-13)
    return net, grid, p0, kw, solve(net, grid, p0, method="trbdf2", rtol=1e-7, **kw)


@pytest.mark.parametrize("method", ["bdf2", "trbdf2"])
def test_tolerance_proportionality_on_a_nonlinear_network(method, nonlinear_reference):
    """Global error of mean and std ∝ rtol (log-log slope within 0.2 of 1) and steps ∝ rtol^(−1/2)."""
    net, grid, p0, kw, ref = nonlinear_reference
    errors, steps = [], []
    for rtol in (1e-3, 1e-5):                 # the reference (rtol 1e-7) is 100 times more accurate
        sol = solve(net, grid, p0, method=method, rtol=rtol, **kw)
        errors.append(max(np.max(np.abs(sol.mean() - ref.mean())), np.max(np.abs(sol.std() - ref.std()))))
        steps.append(sol.stats["steps"])
    assert abs(math.log10(errors[0] / errors[1]) / 2 - 1) < 0.2, errors
    assert abs(math.log10(steps[1] / steps[0]) / 2 - 0.5) < 0.1, steps
