"""γ = ∞ for two-variable networks (solvers.limit_2d): the slow dynamics in physical time against the
ODE of the mean (scipy), the balance voltage where channels pin it, the exact w-relaxation."""
import math
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from fokker import Grid, Grid2D, presets
from solvers import solve_desingularised

FHN = presets.fhn_electrical().populations[0].intrinsic


def limit_run(net, w_grid: Grid, mean0, w0: float, T: float, dt: float, y=Grid(-3.0, 3.0, 60), every: int = 1):
    grid = Grid2D(y, w_grid)
    q0 = grid.gaussian((0.0, w0), (0.5, 0.05))
    q0 = np.stack([q0] * net.P) if net.P > 1 else q0
    with warnings.catch_warnings():
        # σ_w = 0: ρ contracts below the w-cells (its mean stays exact): a ResolutionWarning
        warnings.simplefilter("ignore")
        return solve_desingularised(net, grid, q0, mean0, t_span=(0.0, T), dt=dt,
                                    t_eval=np.linspace(0.0, T, int(round(T / (every * dt))) + 1))


def upward_crossings(t: np.ndarray, x: np.ndarray, level: float) -> np.ndarray:
    i = np.flatnonzero((x[:-1] < level) & (x[1:] >= level))
    return t[i] + (level - x[i]) / (x[i + 1] - x[i]) * (t[i + 1] - t[i])


@pytest.mark.parametrize("sigma_w, w_grid", [(0.0, Grid(-0.8, 1.8, 130)), (0.1, Grid(-2.5, 3.5, 150))])
def test_electrical_limit_follows_the_ode_of_the_mean_second_order(sigma_w, w_grid):
    """fhn_electrical at γ = ∞: (μ, w̄) solves ẋ = f(x, w̄), ẇ = g(x, w̄) (f, g linear in w, so with
    σ_w > 0 as well, the w-grid holding ρ); Strang error second order in dt."""
    net = presets.fhn_electrical(math.inf, sigma_w=sigma_w)
    T = 12.0
    errors = []
    for dt in (0.1, 0.05):
        ds = limit_run(net, w_grid, 0.0, 0.0, T, dt)
        ode = solve_ivp(lambda t, z: [FHN.f(z[0], z[1]), FHN.g(z[0], z[1])], (0.0, T), [0.0, 0.0],
                        t_eval=ds.t, rtol=1e-12, atol=1e-12).y
        errors.append(max(np.max(np.abs(ds.mu[:, 0] - ode[0])), np.max(np.abs(ds.mean_w()[:, 0] - ode[1]))))
        assert ds.time_unit == "t" and ds.epsilon == 0.0 and "physical time" in ds.notes[-1]
        np.testing.assert_allclose(ds.mass(), 1.0, atol=1e-12)
        np.testing.assert_allclose(ds.std_y()[:, 0], 0.3 / math.sqrt(2.0), rtol=2e-3)   # N(0, σ²/2G), 60 cells
    assert errors[1] < 2e-3
    assert abs(math.log2(errors[0] / errors[1]) - 2.0) < 0.3, errors


def test_electrical_limit_period_is_the_ode_period():
    """From a point of the limit cycle, the period of μ(t) at γ = ∞ (dt = 0.05) is the ODE period 39.4744
    to 1e-3 (a relative 3e-5; measured −4.3e-4, and −2.1e-3 at dt = 0.1: second order)."""
    cycle = FHN.limit_cycle()
    ds = limit_run(presets.fhn_electrical(math.inf), Grid(-0.8, 1.8, 130), cycle.x[0], cycle.w[0], 80.0, 0.05,
                   y=Grid(-3.0, 3.0, 30), every=2)
    periods = np.diff(upward_crossings(ds.t, ds.mu[:, 0], cycle.x[0]))
    assert periods.size >= 1
    assert np.max(np.abs(periods - cycle.period)) < 1e-3, periods - cycle.period


def test_chemical_limit_clamps_at_the_balance_voltage_and_w_relaxes_exactly():
    """fhn_chemical at γ = ∞: μ = x̄ at every t (mean0 projected), w̄ = w* + (w̄0 − w*) e^{−c b t} with
    w* = (x̄ + a)/b (the exact recursion of the w-steps), the y-profile of width σ/√(2Ā)."""
    net = presets.fhn_chemical(math.inf)
    bal = net.balance()[0]
    ds = limit_run(net, Grid(-0.5, 2.0, 200), 0.9, 0.2, 20.0, 0.1)
    np.testing.assert_allclose(ds.mu[:, 0], bal.voltage[0], rtol=0, atol=1e-12)
    target = (bal.voltage[0] + FHN.a) / FHN.b
    expected = target + (0.2 - target) * np.exp(-FHN.c * FHN.b * ds.t)
    np.testing.assert_allclose(ds.mean_w()[:, 0], expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ds.std_y()[:, 0], 0.3 / math.sqrt(2.0 * bal.conductance[0]), rtol=2e-3)
    assert any("projected onto the balance set" in n for n in ds.notes)
    with pytest.raises(ValueError, match="Dirac"):
        ds.to_physical(Grid2D(Grid(0.0, 1.0, 10), ds.grid.w))


def test_mixed_pair_limit_sits_at_its_isolated_balance_point():
    net = presets.fhn_pair(math.inf)
    bal = net.balance()[0]
    ds = limit_run(net, Grid(-0.5, 2.0, 120), [0.0, 0.0], 0.5, 2.0, 0.1)
    np.testing.assert_allclose(ds.mu, np.broadcast_to(bal.voltage, ds.mu.shape), rtol=0, atol=1e-10)
    np.testing.assert_allclose(bal.voltage, [0.163573, 0.372470], atol=1e-6)


def test_neutral_class_of_two_populations_moves_by_the_weighted_intrinsic_drift():
    """Two populations coupled only to each other, G = [[0, 2], [1, 0]]: one neutral class whose left
    null vector is ℓ = (1/3, 2/3); the fast dynamics conserves ℓ·μ, so mean0 = (0.3, −0.15) projects to
    c = 0, and with identical neurons c(t) then follows the single-neuron ODE of the mean."""
    from fokker import Network, Population
    pops = [Population(name, intrinsic=FHN, sigma=0.3) for name in ("A", "B")]
    net = Network(pops, [], [[], []], math.inf, electrical=[[0.0, 2.0], [1.0, 0.0]])
    ds = limit_run(net, Grid(-0.8, 1.8, 130), [0.3, -0.15], 0.0, 4.0, 0.05)
    assert any("projected" in n for n in ds.notes)
    np.testing.assert_allclose(ds.mu[0], 0.0, atol=1e-15)
    np.testing.assert_allclose(ds.mu[:, 0], ds.mu[:, 1], rtol=0, atol=0)
    ode = solve_ivp(lambda t, z: [FHN.f(z[0], z[1]), FHN.g(z[0], z[1])], (0.0, 4.0), [0.0, 0.0], t_eval=ds.t,
                    rtol=1e-12, atol=1e-12).y
    assert np.max(np.abs(ds.mu[:, 0] - ode[0])) < 1e-3
