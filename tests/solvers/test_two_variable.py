"""The two-variable (x, w) solver against the exact Gaussian of the linear FitzHugh–Nagumo network,
and its invariants: mass, positivity, the exact w-mean recursion of the splitting, large γ."""
import math

import numpy as np
import pytest

from fokker import Channel, FitzHughNagumo, Grid, Grid2D, Network, Population, Sigmoid, presets
from fokker.exact_2d import gaussian_cell_averages, gaussian_moments, linear_fhn_matrices
from solvers import ResolutionWarning, TruncationWarning, solve
from solvers.two_variable import TwoVariableSolution

A, B, C, CURRENT = 0.7, 0.8, 1.0, 0.2          # recovery fast enough (c b = 0.8) for w-errors to show by T = 1
SIGMA = 0.5
MEAN0, COV0 = np.array([0.0, 0.5]), np.diag([0.4**2, 0.3**2])
J, E = 1.0, 0.5                                  # constant activation S = 1: γA = γ J, γB = γ J E
T = 1.0


def linear_chemical(gamma: float = 1.0, sigma_w: float = 0.3) -> Network:
    """κ = 0 and a constant activation (Sigmoid slope 0, S ≡ 1): a two-dimensional OU process."""
    fhn = FitzHughNagumo(a=A, b=B, c=C, current=CURRENT, cubic=0.0)
    return Network([Population("E", fhn, sigma=SIGMA, sigma_w=sigma_w)],
                   [Channel("exc", E, Sigmoid(2.0, 0.0, 0.0), source="E")], [[J]], gamma)


def linear_electrical(gamma: float, sigma_w: float = 0.0) -> Network:
    fhn = FitzHughNagumo(a=A, b=B, c=C, current=CURRENT, cubic=0.0)
    return Network([Population("E", fhn, sigma=SIGMA, sigma_w=sigma_w)], [], [[]], gamma, electrical=[[1.0]])


def make_grid(nx: int, nw: int, x=(-3.2, 3.2), w=(-1.5, 2.5)) -> Grid2D:
    return Grid2D(Grid(*x, nx), Grid(*w, nw))


def exact_chemical(net: Network, t) -> tuple[np.ndarray, np.ndarray]:
    K, k = linear_fhn_matrices(A, B, C, CURRENT, net.gamma * J, net.gamma * J * E)
    return gaussian_moments(K, k, (SIGMA, net.populations[0].sigma_w), MEAN0, COV0, t)


def initial(grid: Grid2D) -> np.ndarray:
    return gaussian_cell_averages(grid.x.faces, grid.w.faces, MEAN0, COV0)


def l1_error(nx: int, nw: int, dt: float, sigma_w: float, method: str = "trbdf2") -> float:
    grid, net = make_grid(nx, nw), linear_chemical(sigma_w=sigma_w)
    sol = solve(net, grid, initial(grid), t_span=(0.0, T), dt=dt, method=method, t_eval=[0.0, T])
    means, covs = exact_chemical(net, T)
    exact = gaussian_cell_averages(grid.x.faces, grid.w.faces, means[0], covs[0])
    return float(grid.integrate(np.abs(sol.p[-1, 0] - exact)))


def orders(errors) -> np.ndarray:
    errors = np.asarray(errors)
    return np.log2(errors[:-1] / errors[1:])


# -- exact solutions --------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sigma_w", [0.0, 0.3])
def test_second_order_in_x_against_the_exact_gaussian(sigma_w):
    # the w-grid fine (its error ≲ 1e-4), dt small: the error is the x-discretisation's
    errors = [l1_error(n, 200, 0.02, sigma_w) for n in (30, 60, 120)]
    assert errors[-1] < 2.5e-3
    assert np.all(np.abs(orders(errors) - 2.0) < 0.25), (errors, orders(errors))


@pytest.mark.slow
@pytest.mark.parametrize("sigma_w", [0.0, 0.3])
def test_second_order_in_w_against_the_exact_gaussian(sigma_w):
    # σ_w = 0: at 60 cells the remap's limiter still clips the extremum (faster than second-order decay);
    # σ_w = 0.3: the time and x errors (≈ 1e-4) already show at 120 cells (observed 1.74)
    errors = [l1_error(480, n, 0.02, sigma_w) for n in (60, 120)]
    assert errors[-1] < 2e-3
    assert orders(errors)[0] > 1.6, (errors, orders(errors))


@pytest.mark.parametrize("sigma_w", [0.0, 0.3])
def test_second_order_under_joint_refinement(sigma_w):
    # h_x, h_w and dt halved together: every error term is second order
    errors = [l1_error(n, n, 0.2 * 50 / n, sigma_w) for n in (50, 100)]
    assert errors[-1] < 4e-3 and abs(orders(errors)[0] - 2.0) < 0.3, (errors, orders(errors))


@pytest.mark.slow
def test_second_order_under_joint_refinement_to_200_cells():
    errors = [l1_error(n, n, 0.2 * 50 / n, 0.3) for n in (50, 100, 200)]
    assert np.all(np.abs(orders(errors) - 2.0) < 0.25), (errors, orders(errors))


@pytest.mark.parametrize("method, order", [("trbdf2", 2.0), ("bdf2", 2.0), ("euler", 1.0)])
def test_order_in_time_of_the_means(method, order):
    """Successive differences of the means (x̄, w̄) as dt halves. The remap is exact in the first moments
    and the spatial error of the means is a dt-independent change of their velocity, so the
    differences are the time errors (γ A = 2: x̄ relaxes during the voltage step). bdf2 (its larger
    error constant and the Lie first step) is asymptotic from dt = 0.1."""
    grid, net = make_grid(60, 60), linear_chemical(gamma=2.0, sigma_w=0.3)
    means = []
    for dt in (0.1, 0.05, 0.025, 0.0125) if method == "bdf2" else (0.2, 0.1, 0.05, 0.025):
        sol = solve(net, grid, initial(grid), t_span=(0.0, T), dt=dt, method=method, t_eval=[0.0, T])
        means.append([sol.mean()[-1, 0], sol.mean_w()[-1, 0]])
    differences = np.max(np.abs(np.diff(means, axis=0)), axis=1)
    assert np.all(np.abs(orders(differences) - order) < 0.25), (differences, orders(differences))


def test_electrical_coupling_against_the_exact_gaussian():
    """Gap junctions only: the mean follows the uncoupled linear ODE, the covariance feels γ G.
    The Scharfetter–Gummel mean velocity carries a relative error ≈ (h_x/ε)²/6, ε = σ/√(2γG) the
    balanced width: second order in h_x."""
    gamma = 3.0
    t = np.array([0.0, 0.5, 1.0])
    K0, k0 = linear_fhn_matrices(A, B, C, CURRENT, 0.0, 0.0)
    means = gaussian_moments(K0, k0, (SIGMA, 0.0), MEAN0, COV0, t)[0]
    Kg, _ = linear_fhn_matrices(A, B, C, CURRENT, gamma, 0.0)
    covs = gaussian_moments(Kg, k0, (SIGMA, 0.0), MEAN0, COV0, t)[1]
    mean_errors = []
    for nx in (80, 160):
        grid = make_grid(nx, 120)
        sol = solve(linear_electrical(gamma), grid, initial(grid), t_span=(0.0, 1.0), dt=0.02, method="trbdf2",
                    t_eval=t)
        mean_errors.append(max(np.max(np.abs(sol.mean()[:, 0] - means[:, 0])),
                               np.max(np.abs(sol.mean_w()[:, 0] - means[:, 1]))))
    assert mean_errors[-1] < 4e-3 and abs(orders(mean_errors)[0] - 2.0) < 0.25, mean_errors
    np.testing.assert_allclose(sol.covariance()[:, 0], covs, atol=3e-3)
    errors = [grid.integrate(np.abs(sol.p[k, 0] - gaussian_cell_averages(grid.x.faces, grid.w.faces,
                                                                          means[k], covs[k]))) for k in range(3)]
    assert max(errors) < 2e-2, errors


# -- invariants ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset, sigma_w", [("fhn_chemical", 0.0), ("fhn_chemical", 0.2), ("fhn_pair", 0.0),
                                             ("fhn_pair", 0.2)])
def test_mass_positivity_and_the_exact_w_mean_recursion(preset, sigma_w):
    """Nonlinear networks (cubic f, sigmoid activations; fhn_pair: two populations with chemical and
    electrical coupling, K + P = 4 coupling unknowns): with one output per step,
    w̄ₙ₊₁ = θ² w̄ₙ + θ (1 − θ) w*(x̄ₙ) + (1 − θ) w*(x̄ₙ₊₁), θ = e^{−c b h/2}, w* = (x̄ + a)/b, to round-off
    for every population (the x-step keeps the w-marginal, each half w-step moves w̄ exactly at the
    frozen x̄; with σ_w > 0 up to the wall term of the heat step, ~1e-10 here)."""
    net = getattr(presets, preset)(gamma=5.0, sigma_w=sigma_w)
    fhn = net.populations[0].intrinsic
    grid = make_grid(120, 120, x=(-2.0, 2.5), w=(-2.0, 3.0))
    h = 0.1
    t = np.linspace(0.0, 2.0, 21)
    p0 = np.broadcast_to(grid.gaussian(mean=(0.0, 0.5), std=(0.3, 0.25)), (net.P, *grid.shape))
    sol = solve(net, grid, p0, t_span=(0.0, 2.0), dt=h, method="trbdf2", t_eval=t)
    assert isinstance(sol, TwoVariableSolution) and sol.p.shape == (21, net.P, 120, 120)
    np.testing.assert_allclose(sol.mass(), 1.0, atol=1e-13)
    assert sol.p.min() >= 0.0
    x_bar, w_bar = sol.mean(), sol.mean_w()
    theta = math.exp(-fhn.c * fhn.b * h / 2)
    target = (x_bar + fhn.a) / fhn.b
    predicted = theta**2 * w_bar[:-1] + theta * (1 - theta) * target[:-1] + (1 - theta) * target[1:]
    np.testing.assert_allclose(w_bar[1:], predicted, rtol=0, atol=1e-12 if sigma_w == 0 else 1e-9)
    assert sol.stats["w_moment_defect"] < 1e-13


@pytest.mark.parametrize("method", ["trbdf2", "bdf2"])
@pytest.mark.parametrize("gamma", [1e4, 1e8])
@pytest.mark.parametrize("kind", ["chemical", "electrical"])
def test_stable_at_large_gamma(kind, gamma, method):
    """γ dt = 1e2 … 1e6 on a grid that does not resolve the width σ/√(2γA): finite, p ≥ 0, mass 1,
    a ResolutionWarning; with chemical coupling the mean clamps at the exact one to within a cell."""
    net = linear_chemical(gamma) if kind == "chemical" else linear_electrical(gamma)
    grid = make_grid(200, 100, x=(-1.0, 1.5))
    t = np.array([0.0, 0.5, 1.0])
    with pytest.warns(ResolutionWarning, match="σ/√"):
        sol = solve(net, grid, initial(grid), t_span=(0.0, 1.0), dt=0.01, method=method, t_eval=t)
    assert np.all(np.isfinite(sol.p)) and sol.p.min() >= 0.0
    np.testing.assert_allclose(sol.mass(), 1.0, atol=1e-12)
    if kind == "chemical":
        means = exact_chemical(net, t)[0]
        np.testing.assert_allclose(sol.mean()[1:, 0], means[1:, 0], atol=grid.x.width)


def test_electrical_synchronised_motion_at_gamma_1e4_when_resolved():
    """γ G dt = 200, well-prepared data (x-width σ/√(2γG)) on a grid with 11 cells across it: the
    mean moves at the O(1) speed of the uncoupled ODE (no freezing); backward Euler's error after
    T = 0.2 is 1 % of the displacement (first order in dt), the width stays σ/√(2γG)."""
    gamma = 1e4
    width = SIGMA / math.sqrt(2.0 * gamma)
    cov0 = np.diag([width**2, 0.3**2])
    grid = make_grid(800, 60, x=(-0.15, 0.1))
    t = np.array([0.0, 0.2])
    p0 = gaussian_cell_averages(grid.x.faces, grid.w.faces, MEAN0, cov0)
    sol = solve(linear_electrical(gamma), grid, p0, t_span=(0.0, 0.2), dt=0.02, method="euler", t_eval=t)
    K0, k0 = linear_fhn_matrices(A, B, C, CURRENT, 0.0, 0.0)
    means = gaussian_moments(K0, k0, (SIGMA, 0.0), MEAN0, cov0, t)[0]
    displacement = abs(means[1, 0] - means[0, 0])
    assert displacement > 0.07
    assert abs(sol.mean()[1, 0] - means[1, 0]) < 0.015 * displacement
    assert abs(sol.mean_w()[1, 0] - means[1, 1]) < 2e-4
    assert abs(sol.std()[1, 0] / width - 1.0) < 0.01


def test_adaptive_steps_and_callback():
    grid, net = make_grid(60, 60), linear_chemical()
    exact = exact_chemical(net, T)[0][0]
    sol = solve(net, grid, initial(grid), t_span=(0.0, T), dt=0.01, method="trbdf2", rtol=1e-4,
                t_eval=[0.0, T])
    assert sol.status == 0 and sol.stats["steps"] < 100
    assert abs(sol.mean()[-1, 0] - exact[0]) < 1e-3 and abs(sol.mean_w()[-1, 0] - exact[1]) < 1e-3
    seen = []

    def stop(t, p, m):
        seen.append(p.shape)
        return t >= 0.5

    sol = solve(net, grid, initial(grid), t_span=(0.0, T), dt=0.1, method="euler", t_eval=[0.0, 0.5, T],
                callback=stop)
    assert sol.status == 1 and sol.t.tolist() == [0.0, 0.5] and seen == [(1, 60, 60)] * 5   # after every step
    assert sol.p.shape == (2, 1, 60, 60) and sol.marginal_x().shape == (2, 1, 60)
    assert sol.marginal_w().shape == (2, 1, 60) and sol.std().shape == sol.std_w().shape == (2, 1)


def test_truncation_warning_per_variable():
    grid, net = make_grid(60, 60, w=(0.0, 2.5)), linear_chemical()
    p0 = grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3))
    with pytest.warns(TruncationWarning, match=r"recovery \(w\)"):
        solve(net, grid, p0, t_span=(0.0, 0.2), dt=0.1, t_eval=[0.0, 0.2])
    grid = make_grid(60, 60, x=(-1.0, 3.2))
    with pytest.warns(TruncationWarning, match=r"voltage \(x\)"):
        solve(net, grid, grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3)), t_span=(0.0, 0.2), dt=0.1,
              t_eval=[0.0, 0.2])
    grid = make_grid(200, 8)
    with pytest.warns(ResolutionWarning, match="recovery variable's standard deviation"):
        solve(net, grid, grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3)), t_span=(0.0, 0.2), dt=0.1,
              t_eval=[0.0, 0.2])


# -- inputs -------------------------------------------------------------------------------------------------------
def test_bad_inputs():
    grid, net = make_grid(20, 10), linear_chemical()
    p0 = grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3))
    with pytest.raises(ValueError, match="p0 must have shape"):
        solve(net, grid, p0.T, t_span=(0.0, 0.1))
    with pytest.raises(ValueError, match="p0 must have shape"):
        solve(net, grid, p0[None, None], t_span=(0.0, 0.1))
    bad = p0.copy()
    bad[3, 4] = -1.0
    with pytest.raises(ValueError, match="p0 must be >= 0"):
        solve(net, grid, bad, t_span=(0.0, 0.1))
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="p0 must be finite"):
        solve(net, grid, bad, t_span=(0.0, 0.1))
    with pytest.raises(ValueError, match="zero mass"):
        solve(net, grid, np.zeros_like(p0), t_span=(0.0, 0.1))
    with pytest.raises(ValueError, match="grid"):
        solve(net, Grid(-3.0, 3.0, 20), np.ones(20) / 6.0, t_span=(0.0, 0.1))
    with pytest.raises(ValueError, match="grid"):
        solve(presets.ei_single(), grid, p0, t_span=(0.0, 0.1))
    with pytest.raises(TypeError, match="grid must be"):
        solve(net, None, p0, t_span=(0.0, 0.1))
    with pytest.raises(ValueError, match="backend"):
        solve(net, grid, p0, t_span=(0.0, 0.1), backend="fipy")
    with pytest.raises(ValueError, match="frame"):
        solve(net, grid, p0, t_span=(0.0, 0.1), frame="rescaled")
    with pytest.raises(ValueError, match="method"):
        solve(net, grid, p0, t_span=(0.0, 0.1), method="rk4")
    sol = solve(net, grid, 3.0 * p0, t_span=(0.0, 0.1), t_eval=[0.0, 0.1])
    assert any("normalised" in note for note in sol.notes)
    np.testing.assert_allclose(sol.mass(), 1.0, atol=1e-13)
