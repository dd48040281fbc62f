"""solve(net, Grid2D, p0, frame="auto") (solvers.desingularised_2d_auto): through the initial layer on
co-moving zooming grids, then the two-variable desingularised frame, against the physical solver."""
import math

import numpy as np
import pytest

from fokker import Grid, Grid2D, presets
from solvers import solve
from solvers.desingularised_2d_solution import AutoTwoVariableSolution


def auto_and_physical(nx: int, cells: int, T: float, dt: float):
    net = presets.fhn_chemical(30.0, sigma_w=0.1)
    grid = Grid2D(Grid(-0.6, 1.0, nx), Grid(-0.5, 1.5, 80))
    p0 = grid.gaussian((0.5, 0.5), (0.12, 0.15))
    kw = dict(t_span=(0.0, T), dt=dt, t_eval=[T / 4, T], method="trbdf2")
    return solve(net, grid, p0, frame="auto", auto_cells=cells, **kw), solve(net, grid, p0, **kw), grid


def test_auto_frame_at_moderate_gamma_follows_the_physical_solver():
    """γ = 30 from a wide Gaussian (x-std 0.12, 3.5 balanced widths): 200 co-moving cells; the layer's
    error is first order in their width (as in 1D), so after the layer (t = 0.1) the voltage mean agrees
    to 2e-5, the std to 1e-3, the recovery mean to 2e-6, the densities to L1 < 1e-2."""
    auto, phys, grid = auto_and_physical(320, 200, 0.1, 2e-3)
    assert isinstance(auto, AutoTwoVariableSolution) and auto.frame == "auto"
    assert auto.p.shape == (2, 1, 320, 80)
    assert "initial layer in co-moving coordinates" in auto.notes[-1]
    assert auto.stats["grids"] >= 2 and auto.stats["layer_steps"] > 0
    np.testing.assert_allclose(grid.integrate(auto.p), 1.0, atol=1e-12)
    assert abs(auto.mean()[-1, 0] - phys.mean()[-1, 0]) < 2e-5
    assert abs(auto.std()[-1, 0] / phys.std()[-1, 0] - 1.0) < 1e-3
    assert abs(auto.mean_w()[-1, 0] - phys.mean_w()[-1, 0]) < 2e-6
    assert grid.integrate(np.abs(auto.p[-1] - phys.p[-1]))[0] < 1e-2


@pytest.mark.slow
def test_auto_frame_at_moderate_gamma_with_800_cells():
    """The same with 800 co-moving cells, dt = 1e-3 to t = 0.2 (measured: mean 8.6e-9, std 6e-8 relative,
    w-mean 2.3e-7, L1 6e-5 at t = 0.2)."""
    auto, phys, grid = auto_and_physical(640, 800, 0.2, 1e-3)
    assert abs(auto.mean()[-1, 0] - phys.mean()[-1, 0]) < 1e-7
    assert abs(auto.std()[-1, 0] / phys.std()[-1, 0] - 1.0) < 1e-6
    assert abs(auto.mean_w()[-1, 0] - phys.mean_w()[-1, 0]) < 1e-6
    assert grid.integrate(np.abs(auto.p[-1] - phys.p[-1]))[0] < 2e-4


def test_auto_frame_at_gamma_1e6_electrical_moves_and_has_the_balanced_width():
    """fhn_electrical at γ = 1e6 from x-std 0.1: the voltage collapses to σ/√(2γG) (√(2γG)·std/σ = 1 to
    1e-4 after the layer) and the mean moves at the O(1) speed of the uncoupled ODE (not frozen)."""
    net = presets.fhn_electrical(1e6)
    grid = Grid2D(Grid(-2.5, 2.5, 100), Grid(-0.8, 1.8, 60))
    p0 = grid.gaussian((-0.8, -0.24), (0.1, 0.1))
    sol = solve(net, grid, p0, t_span=(0.0, 0.5), dt=0.05, t_eval=[0.0, 0.25, 0.5], frame="auto", method="trbdf2",
                auto_cells=150)
    ratio = math.sqrt(2e6) * sol.std()[1:, 0] / 0.3
    np.testing.assert_allclose(ratio, 1.0, atol=1e-4)
    assert sol.mean()[-1, 0] - sol.mean()[0, 0] > 0.05
    assert sol.stats["layer_steps"] < sol.stats["steps"]


def test_auto_frame_refusals_and_gamma_zero():
    grid = Grid2D(Grid(-2.5, 2.5, 100), Grid(-0.8, 1.8, 130))
    p0 = grid.gaussian((0.0, 0.5), (0.3, 0.15))
    with pytest.raises(ValueError, match="backend"):
        solve(presets.fhn_electrical(1e3), grid, p0, frame="auto", backend="numpy")
    with pytest.raises(ValueError, match="auto_cells"):
        solve(presets.fhn_electrical(1e3), grid, p0, frame="auto", auto_cells=10)
    with pytest.raises(ValueError, match="finite gamma"):
        solve(presets.fhn_electrical(math.inf), grid, p0, frame="auto")
    sol = solve(presets.fhn_electrical(0.0), grid, p0, frame="auto", t_span=(0.0, 0.1), dt=0.05)
    assert sol.frame == "physical" and any("gamma = 0" in n for n in sol.notes)


def test_auto_frame_callback_sees_the_density_on_the_users_grid_and_can_stop():
    grid = Grid2D(Grid(-2.5, 2.5, 100), Grid(-0.8, 1.8, 60))
    p0 = grid.gaussian((-0.8, -0.24), (0.1, 0.1))
    seen = []

    def callback(t, p, m):
        seen.append(p.shape)
        return t >= 0.1

    sol = solve(presets.fhn_electrical(1e6), grid, p0, t_span=(0.0, 0.5), dt=0.05, t_eval=[0.0, 0.05, 0.25, 0.5],
                frame="auto", method="euler", auto_cells=100, callback=callback)
    assert sol.status == 1 and "callback" in sol.message
    assert list(sol.t) == [0.0, 0.05]
    assert set(seen) == {(1, 100, 60)}
