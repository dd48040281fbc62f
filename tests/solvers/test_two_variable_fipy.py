"""FiPy 2D (unsplit backward Euler, the same cells and face velocities) against the native two-variable solver.

With frozen coupling (constant activation: γA, γB fixed) both solve the same equation with the same
Scharfetter–Gummel discretisation in x. They differ by the time error O(Δt) (FiPy's backward Euler
treats the w-part to first order; the native "euler" Strang step treats it exactly and splits) and
by the w-discretisation (FiPy's exponential scheme in w, native exact characteristics and heat
semigroup): the L1 difference is S + C Δt with S ≈ 1e-3 on 120 w-cells, so it halves with Δt
until it reaches S."""
import numpy as np
import pytest

fipy_backend = pytest.importorskip("solvers.fipy_backend")

from solvers import solve                                          # noqa: E402
from solvers.two_variable import TwoVariableFrame                  # noqa: E402

from .test_two_variable import E, J, initial, linear_chemical, make_grid   # noqa: E402

T = 0.4


def differences(nx: int, nw: int, steps) -> list[float]:
    net = linear_chemical(gamma=1.0, sigma_w=0.3)
    grid = make_grid(nx, nw)
    p0 = initial(grid)
    p0 /= grid.integrate(p0)
    frame = TwoVariableFrame(net, grid, 1e-10)
    out = []
    for dt in steps:
        fipy_run = fipy_backend.FipyFrozen2D(frame, np.array([net.gamma * J]), np.array([net.gamma * J * E]))
        p = fipy_run.run(p0[None], dt, round(T / dt))
        assert p.min() >= 0.0
        np.testing.assert_allclose(grid.integrate(p[0]), 1.0, atol=1e-12)
        native = solve(net, grid, p0, t_span=(0.0, T), dt=dt, method="euler", t_eval=[0.0, T]).p[-1, 0]
        out.append(float(grid.integrate(np.abs(native - p[0]))))
    return out


def test_fipy_2d_agrees_with_the_native_solver_to_the_time_error():
    d = differences(30, 120, (0.1, 0.05))
    assert d[0] < 6e-2 and 1.6 < d[0] / d[1] < 2.2, d


@pytest.mark.slow
def test_fipy_2d_difference_shrinks_in_proportion_to_dt():
    d = differences(40, 160, (0.1, 0.05, 0.025, 0.0125))
    ratios = np.array(d[:-1]) / np.array(d[1:])
    assert np.all((ratios > 1.7) & (ratios < 2.1)) and d[-1] < 8e-3, (d, ratios)
