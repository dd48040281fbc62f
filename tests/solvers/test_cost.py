"""The cost guards (solvers.cost): refusals before any work, the step count, the cap and max_steps."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fokker import Grid, Grid2D, presets
from solvers import cost, solve, solve_desingularised, solve_log
from tests.refusals import MiB, refused

NET = presets.ei_single(5.0)
GRID = Grid(-3.0, 3.0, 200)
P0 = np.exp(-GRID.centers ** 2 / 0.5)


def test_available_memory_is_positive_and_at_most_the_physical_memory():
    total = cost.os.sysconf("SC_PHYS_PAGES") * cost.os.sysconf("SC_PAGE_SIZE")
    assert 0 < cost.available_memory() <= total


@pytest.mark.parametrize("t_eval, dt", [(None, 0.013), (np.array([0.0, 0.05, 0.3, 0.31, 1.0]), 0.02),
                                        (np.linspace(0.0, 1.0, 7), 1.0)])
def test_the_fixed_step_count_is_the_controllers(t_eval, dt):
    sol = solve(NET, GRID, P0, t_span=(0.0, 1.0), dt=dt, t_eval=t_eval, method="euler")
    steps, exact = cost.step_count(0.0, sol.t, dt)
    assert exact and steps == sol.stats["steps"]


def test_the_adaptive_lower_bound_names_what_to_change():
    refused(lambda: solve(NET, GRID, P0, rtol=1e-3, max_steps=50), "at least 100 steps", "t_eval")
    refused(lambda: solve(NET, GRID, P0, rtol=1e-3, max_step=1e-3, t_eval=[0.0, 1.0], max_steps=50),
            "at least 1e+03 steps", "max_step")


def test_the_adaptive_count_is_a_lower_bound():
    sol = solve(NET, GRID, P0, t_span=(0.0, 1.0), rtol=1e-3, max_step=0.05, t_eval=[0.0, 1.0])
    steps, exact = cost.step_count(0.0, sol.t, 0.01, rtol=1e-3, max_step=0.05)
    assert not exact and steps == 20 <= sol.stats["steps"]


def test_a_tiny_dt_is_refused_with_the_step_count():
    refused(lambda: solve(NET, GRID, P0, t_span=(0.0, 100.0), dt=1e-12), "dt=1e-12", "1e+14 steps",
            "max_steps=1,000,000", "larger dt")


def test_too_many_output_times_are_refused_with_the_memory_estimate():
    grid = Grid(-3.0, 3.0, 1_000_000)
    p0 = np.ones(grid.nx)
    t_eval = np.linspace(0.0, 1.0, 200_000)
    need = cost.density_bytes(1, grid.nx, t_eval.size)
    assert need > cost.available_memory()
    refused(lambda: solve(NET, grid, p0, t_eval=t_eval, dt=1.0), "t_eval", f"{need / 2**30:.3g} GiB",
            "1,000,000 cells of grid", "coarser grid")


def test_the_memory_limit_is_the_available_memory(monkeypatch):
    """With (pretend) 1 MiB free, a solve of 200 cells × 101 outputs (≈ 0.36 MiB) runs and one of 1001 does not."""
    monkeypatch.setattr(cost, "available_memory", lambda: MiB)
    assert cost.density_bytes(1, 200, 101) < MiB < cost.density_bytes(1, 200, 1001)
    solve(NET, GRID, P0, t_span=(0.0, 0.1), dt=0.01)
    refused(lambda: solve(NET, GRID, P0, t_span=(0.0, 0.1), dt=0.01, t_eval=np.linspace(0, 0.1, 1001)),
            "the 0.000977 GiB of memory available")


def test_max_steps_raises_and_lowers_the_cap():
    kw = dict(t_span=(0.0, 0.5), dt=0.01, t_eval=[0.0, 0.5])
    refused(lambda: solve(NET, GRID, P0, max_steps=49, **kw), "50 steps", "max_steps=49")
    assert solve(NET, GRID, P0, max_steps=50, **kw).stats["steps"] == 50
    refused(lambda: solve(NET, GRID, P0, t_span=(0.0, 100.0), dt=1e-6), "1e+08 steps")
    with pytest.raises(TypeError, match="max_steps"):
        solve(NET, GRID, P0, max_steps=1.5, **kw)
    with pytest.raises(ValueError, match="max_steps"):
        solve(NET, GRID, P0, max_steps=0, **kw)


def test_a_normal_run_is_unaffected():
    a = solve(NET, GRID, P0, t_span=(0.0, 0.2), dt=0.01)
    b = solve(NET, GRID, P0, t_span=(0.0, 0.2), dt=0.01, max_steps=10 ** 12)
    np.testing.assert_array_equal(a.p, b.p)


def test_an_unreachable_tolerance_is_stopped_by_the_cap():
    """rtol = 1e-14 is below the round-off of the error estimate: the steps are rejected and shrink
    without end; the controller stops at max_steps (accepted + rejected) with StepLimitError."""
    with pytest.raises(cost.StepLimitError) as info:
        solve(NET, GRID, P0, t_span=(0.0, 100.0), t_eval=[0.0, 100.0], rtol=1e-14, max_steps=20)
    message = str(info.value)
    assert "max_steps=20" in message and "rejected" in message and "rtol" in message
    assert isinstance(info.value, ValueError)


def test_solve_log_and_solve_desingularised_are_guarded():
    refused(lambda: solve_log(NET, GRID, P0, t_span=(0.0, 100.0), dt=1e-12), "1e+14 steps")
    y = Grid(-8.0, 8.0, 200)
    q0 = np.exp(-y.centers ** 2 / 2)
    refused(lambda: solve_desingularised(NET, y, q0, 0.0, t_span=(0.0, 1.0), dt=1e-9), "1e+09 steps")
    big = Grid(-8.0, 8.0, 1_000_000)
    refused(lambda: solve_desingularised(NET, big, np.ones(big.nx), 0.0, dt=1.0,
                                         t_eval=np.linspace(0, 1, 200_000)), "cells of y_grid")
    with pytest.raises(cost.StepLimitError):
        solve_log(NET, GRID, P0, t_span=(0.0, 100.0), t_eval=[0.0, 100.0], rtol=1e-14, max_steps=50)


def test_two_variable_solves_are_guarded_before_dispatch():
    net = presets.fhn_chemical(2.0)
    grid = Grid2D(Grid(-3.0, 3.0, 1000), Grid(-2.0, 3.0, 1000))
    p0 = np.ones(grid.shape)
    refused(lambda: solve(net, grid, p0, dt=1.0, t_eval=np.linspace(0.0, 1.0, 100_000)),
            "1,000,000 cells of grid", "t_eval", peak_mib=24.0)
    refused(lambda: solve(net, grid, p0, t_span=(0.0, 1.0), dt=1e-8), "1e+08 steps", peak_mib=24.0)


def test_particle_bytes_and_summary_only():
    assert cost.particle_bytes(2, 1000, 2, 10, False) == 8.0 * 2 * 1000 * 2 * (10 + cost.PARTICLE_WORK_ARRAYS)
    assert cost.particle_bytes(2, 1000, 1, 10, True) == 8.0 * 2 * 1000 * cost.PARTICLE_WORK_ARRAYS
    assert math.isclose(cost.density_bytes(2, 650, 301), 8.0 * 2 * 650 * (2 * 301 + cost.WORK_ARRAYS))


def test_two_variable_runs_stop_at_the_cap_while_running():
    """The runtime cap also holds in the two-variable steppers (physical and rescaled frames)."""
    net = presets.fhn_electrical(2.0)
    grid = Grid2D(Grid(-3.0, 3.0, 60), Grid(-1.5, 2.5, 40))
    p0 = grid.gaussian(mean=(0.0, 0.5), std=(0.5, 0.4))
    with pytest.raises(cost.StepLimitError, match="max_steps=8"):
        solve(net, grid, p0, t_span=(0.0, 10.0), t_eval=[0.0, 10.0], rtol=1e-12, max_steps=8)
    yw = Grid2D(Grid(-6.0, 6.0, 60), Grid(-1.5, 2.5, 40))
    with pytest.raises(cost.StepLimitError, match="max_steps=8"):
        solve_desingularised(net, yw, yw.gaussian(mean=(0.0, 0.5), std=(1.0, 0.4)), [0.0], t_span=(0.0, 10.0),
                             t_eval=[0.0, 10.0], rtol=1e-12, max_steps=8)


def test_a_step_that_no_longer_advances_time_is_refused():
    from solvers.controller import check_step_size

    check_step_size(1.0, 1.0 + 1e-14)
    check_step_size(0.0, 1e-300)
    for t_new in (1.0, 1.0 + 2e-16):
        with pytest.raises(cost.StepLimitError, match="tolerance is unreachable"):
            check_step_size(1.0, t_new)


def test_an_unreachable_tolerance_stops_within_a_few_hundred_steps_at_the_default_cap():
    """The step shrinks to the spacing of the floats at t and is refused there, long before 10⁶ steps."""
    with pytest.raises(cost.StepLimitError, match="tolerance is unreachable") as info:
        solve(NET, GRID, P0, t_span=(0.0, 100.0), t_eval=[0.0, 100.0], rtol=1e-14)
    assert "spacings" in str(info.value)
