"""The two-variable desingularised frame (solvers.desingularised_2d): against the physical two-variable
solver at moderate γ, its invariants, a cost independent of γ, and the synchronised motion of
electrically coupled populations at γ h = 1e6 against the ODE of the mean."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from fokker import Grid, Grid2D, presets
from solvers import Desingularised2DSolution, solve, solve_desingularised
from solvers.remap import transfer

GAMMA = 30.0
EPS = GAMMA ** -0.5
W = Grid(-0.5, 1.5, 100)


def physical_data(q0: np.ndarray, y: Grid, x: Grid, mu0: float) -> np.ndarray:
    """The physical density (nx, nw) of the rescaled q0 (ny, nw) centred at mu0."""
    return np.swapaxes(transfer(np.swapaxes(q0, 0, 1), y, x, shift=mu0, scale=EPS), 0, 1)


def both_frames(net, y: Grid, x: Grid, mu0: float, std_y: float, T: float = 0.5):
    grid = Grid2D(y, W)
    q0 = grid.gaussian((0.0, 0.5), (std_y, 0.15))
    t_eval = [0.0, T / 2, T]
    ds = solve_desingularised(net, grid, q0, mu0, t_span=(0.0, T), dt=0.01, method="trbdf2", t_eval=t_eval)
    physical = Grid2D(x, W)
    ps = solve(net, physical, physical_data(q0, y, x, mu0), t_span=(0.0, T), dt=0.01, method="trbdf2",
               t_eval=t_eval)
    return ds, ps, physical


@pytest.fixture(scope="module")
def chemical():
    """fhn_chemical (σ_w = 0.1) near its balanced state: clamped voltage, relaxing recovery."""
    net = presets.fhn_chemical(GAMMA, sigma_w=0.1)
    bal = net.balance()[0]
    return both_frames(net, Grid(-2.5, 2.5, 400), Grid(-0.2, 0.8, 1000), bal.voltage[0],
                       0.3 / math.sqrt(2.0 * bal.conductance[0]))


def test_agrees_with_the_physical_solver_chemical(chemical):
    ds, ps, physical = chemical
    assert isinstance(ds, Desingularised2DSolution) and ds.q.shape == (3, 1, 400, 100)
    l1 = physical.integrate(np.abs(ds.to_physical(physical) - ps.p))
    assert np.max(l1) < 1e-3
    assert np.max(np.abs(ds.mean() - ps.mean())) < 1e-8
    assert np.max(np.abs(ds.mean_w() - ps.mean_w())) < 1e-8
    assert np.max(np.abs(ds.std()[1:] / ps.std()[1:] - 1.0)) < 1e-6
    assert np.max(np.abs(ds.std_w() - ps.std_w())) < 1e-6


def test_invariants_mass_first_moment_positivity(chemical):
    ds, _, _ = chemical
    np.testing.assert_allclose(ds.mass(), 1.0, rtol=0, atol=1e-13)
    assert np.max(np.abs(ds.mean_y())) < 1e-13
    assert ds.q.min() >= 0.0
    assert ds.epsilon == EPS and ds.time_unit == "t"
    assert ds.stats["w_moment_defect"] < 1e-13


def test_electrical_agrees_with_physical_up_to_its_mean_velocity_error():
    """Electrical coupling: the mean moves by ⟨f⟩ (by 0.1 here). The physical solver's Scharfetter–Gummel
    flux moves it with a relative velocity error ≈ (h_x/s)²/6 (s the voltage std; 6.6e-6 here) that the
    co-moving frame does not have, and the y-grid adds its own O(h_y²) part (≈ 5e-6 at 400 cells,
    ≈ 1e-6 at 800): the means agree to 2e-5, not to 1e-8 (that would take ~1e5 x-cells), the
    densities to L1 < 1e-3."""
    net = presets.fhn_electrical(GAMMA, sigma_w=0.1)
    x = Grid(-0.2, 1.0, 1500)
    ds, ps, physical = both_frames(net, Grid(-2.5, 2.5, 400), x, 0.3, 0.3 / math.sqrt(2.0), T=0.3)
    l1 = physical.integrate(np.abs(ds.to_physical(physical) - ps.p))
    assert np.max(l1) < 1e-3
    assert ds.mean()[-1, 0] - ds.mean()[0, 0] > 0.05
    assert np.max(np.abs(ds.mean() - ps.mean())) < 2e-5
    assert np.max(np.abs(ds.mean_w() - ps.mean_w())) < 1e-6


NEUTRAL_GRID = Grid2D(Grid(-2.5, 2.5, 120), Grid(-0.6, 1.6, 120))


def neutral_run(gamma: float, dt: float, method: str, T: float = 2.0):
    q0 = NEUTRAL_GRID.gaussian((0.0, 0.5), (0.3 / math.sqrt(2.0), 0.12))
    return solve_desingularised(presets.fhn_electrical(gamma), NEUTRAL_GRID, q0, 0.3, t_span=(0.0, T), dt=dt,
                                method=method, t_eval=[0.0, T])


def mean_ode(T: float = 2.0) -> np.ndarray:
    """(x̄, w̄)(T) of ẋ = f(x, w), ẇ = g(x, w) from (0.3, 0.5): the γ → ∞ motion of the mean (f is linear in w)."""
    fhn = presets.fhn_electrical().populations[0].intrinsic
    return solve_ivp(lambda t, z: [fhn.f(z[0], z[1]), fhn.g(z[0], z[1])], (0.0, T), [0.3, 0.5],
                     rtol=1e-12, atol=1e-12).y[:, -1]


@pytest.mark.parametrize("method, order", [("euler", 1), ("trbdf2", 2)])
def test_electrical_neutral_motion_at_gamma_h_1e6_to_the_order_of_the_method(method, order):
    """γ = 2e7, dt = 0.05 (γ h = 1e6) and dt/2: μ moves at the O(1) speed ⟨f⟩ (by ≈ 0.6), with the
    method's order against the ODE of the mean (the O(1/γ) spread correction is 1e-8 here)."""
    exact = mean_ode()
    errors = [abs(neutral_run(2e7, dt, method).mu[-1, 0] - exact[0]) for dt in (0.05, 0.025)]
    assert abs(exact[0] - 0.3) > 0.5
    assert errors[0] < (2e-2 if order == 1 else 5e-5)
    assert abs(math.log2(errors[0] / errors[1]) - order) < 0.15, errors


def test_cost_is_independent_of_gamma():
    """The same grid and dt at γ = 1e2, 1e6, 1e10: the same steps, stages and row solves per coupling
    evaluation, the evaluations within 2 % (the secant iteration may take one more on a few stages)."""
    runs = [neutral_run(g, 0.05, "trbdf2", T=1.0) for g in (1e2, 1e6, 1e10)]
    stats = [r.stats for r in runs]
    for key in ("steps", "stages", "recovery_steps", "rescued_steps", "substeps"):
        assert len({s[key] for s in stats}) == 1, (key, [s[key] for s in stats])
    evaluations = np.array([s["evaluations"] for s in stats])
    assert np.all(np.abs(evaluations / evaluations[0] - 1.0) <= 0.02), evaluations
    assert len({s["linear_solves"] / s["evaluations"] for s in stats}) == 1


def test_trbdf2_centre_does_not_pick_up_the_round_off_of_its_explicit_stage():
    """TR-BDF2's first stage applies the γ-sized rate explicitly; its round-off (and the limiter's change
    of the first moment) would move μ through the centring constant by ∝ γ^(1/2). With the stage
    right-hand sides' first moment set exactly, μ(T) agrees across γ = 1e8, 1e10, 1e12 (physical
    differences O(1/γ) ≈ 1e-8) to 5e-8 (measured 5e-9; 2e-7 without the multi-pass correction)."""
    mu = [neutral_run(g, 0.05, "trbdf2").mu[-1, 0] for g in (1e8, 1e10, 1e12)]
    assert np.max(np.abs(np.array(mu) - mu[0])) < 5e-8, np.array(mu) - mu[0]


def test_to_physical_and_moments():
    ds = neutral_run(1e4, 0.05, "euler", T=0.1)
    x = Grid(0.0, 0.7, 300)
    p = ds.to_physical(Grid2D(x, NEUTRAL_GRID.w))
    assert p.shape == (2, 1, 300, 120)
    physical = Grid2D(x, NEUTRAL_GRID.w)
    np.testing.assert_allclose(physical.integrate(p), 1.0, atol=1e-12)
    np.testing.assert_allclose(physical.mean_x(p), ds.mean(), atol=1e-6)
    np.testing.assert_allclose(physical.mean_w(p), ds.mean_w(), atol=1e-12)
    with pytest.raises(ValueError, match="grid.w"):
        ds.to_physical(Grid2D(x, Grid(-1.0, 2.0, 50)))
    with pytest.raises(TypeError, match="Grid2D"):
        ds.to_physical(x)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(q0=np.ones((3, 4))), ValueError, r"q0 must have shape \(120, 120\)"),
    (dict(q0=np.full((120, 120), np.nan)), ValueError, "q0"),
    (dict(mean0=[0.1, 0.2]), ValueError, "mean0"),
    (dict(mean0=math.nan), ValueError, "mean0"),
    (dict(backend="numpy"), ValueError, "backend"),
    (dict(method="rk4"), ValueError, "method"),
    (dict(q0=np.ones((120, 120))), ValueError, "well prepared"),
])
def test_bad_inputs(kwargs, error, match):
    args = dict(q0=NEUTRAL_GRID.gaussian((0.0, 0.5), (0.2, 0.12)), mean0=0.3)
    args.update(kwargs)
    q0, mean0 = args.pop("q0"), args.pop("mean0")
    with pytest.raises(error, match=match):
        solve_desingularised(presets.fhn_electrical(1e4), NEUTRAL_GRID, q0, mean0, t_span=(0.0, 0.1), dt=0.05,
                             **args)


def test_grid_and_network_must_match():
    q0 = NEUTRAL_GRID.gaussian((0.0, 0.5), (0.2, 0.12))
    with pytest.raises(ValueError, match="Grid2D"):
        solve_desingularised(presets.fhn_electrical(1e4), Grid(-2.5, 2.5, 100), q0[:, 0], 0.3)
    with pytest.raises(ValueError, match="one-variable|variable"):
        solve_desingularised(presets.ei_single(1e4), NEUTRAL_GRID, q0, 0.3)
    with pytest.raises(ValueError, match="gamma > 0"):
        solve_desingularised(presets.fhn_electrical(0.0), NEUTRAL_GRID, q0, 0.3)
