"""method="bdf2" on a Grid2D: BDF2 in the integrating factor of the exact recovery flow (``LawsonBDF2``).

Against the exact Gaussian of the linear network (order 2 in time and under joint refinement),
its invariants (mass, p ≥ 0, the exact w-mean recursion, with fixed and adaptive steps) and the
error control."""
import math

import numpy as np
import pytest

from fokker import presets
from solvers import solve

from .test_two_variable import T, exact_chemical, initial, l1_error, linear_chemical, make_grid, orders


def test_second_order_under_joint_refinement():
    errors = [l1_error(n, n, 0.1 * 50 / n, 0.3, method="bdf2") for n in (50, 100)]
    assert errors[-1] < 3e-3 and abs(orders(errors)[0] - 2.0) < 0.25, (errors, orders(errors))


def test_second_order_in_time_against_the_exact_gaussian():
    """The first moments of the exact Gaussian: their error is a dt-independent spatial part plus the
    time error, so the successive differences isolate the time error (order 2), and the error
    itself is below the spatial floor plus the time error of the finest step."""
    grid, net = make_grid(60, 60), linear_chemical(gamma=2.0, sigma_w=0.3)
    exact = exact_chemical(net, T)[0][0]
    means = []
    for dt in (0.1, 0.05, 0.025, 0.0125):
        sol = solve(net, grid, initial(grid), t_span=(0.0, T), dt=dt, method="bdf2", t_eval=[0.0, T])
        means.append([sol.mean()[-1, 0], sol.mean_w()[-1, 0]])
    differences = np.max(np.abs(np.diff(means, axis=0)), axis=1)
    assert np.all(np.abs(orders(differences) - 2.0) < 0.25), (differences, orders(differences))
    assert np.max(np.abs(np.array(means[-1]) - exact)) < 2e-3
    assert not any("TR-BDF2" in note for note in sol.notes)    # a genuine BDF2, nothing substituted


def w_mean_recursion(t, x_bar, w_bar, fhn, lie_steps=1):
    """The w-mean predicted by the LawsonBDF2 recursion (its docstring) from the x̄, w̄ of the steps;
    the first ``lie_steps`` steps are Lie steps (w̄ ↦ θ w̄ + (1 − θ) w*(x̄)): one with fixed steps, two
    with adaptive ones (the error estimate needs three past points)."""
    star = (x_bar + fhn.a) / fhn.b
    theta = lambda tau: math.exp(-fhn.c * fhn.b * tau)   # noqa: E731
    predicted = [theta(t[1] - t[0]) * w_bar[0] + (1 - theta(t[1] - t[0])) * star[0]]
    for n in range(1, len(t) - 1):
        if n < lie_steps:
            one = theta(t[n + 1] - t[n])
            predicted.append(one * w_bar[n] + (1 - one) * star[n])
            continue
        h, h_old = t[n + 1] - t[n], t[n] - t[n - 1]
        w = h / h_old
        alpha = (1 + 2 * w) / (1 + w)
        one, two = theta(h), theta(h + h_old)
        predicted.append(((1 + w) * (one * w_bar[n] + (1 - one) * star[n])
                          - w * w / (1 + w) * (two * w_bar[n - 1] + (1 - two) * star[n - 1])) / alpha)
    return np.array(predicted)


@pytest.mark.parametrize("preset, sigma_w", [("fhn_chemical", 0.0), ("fhn_pair", 0.2)])
def test_mass_positivity_and_the_exact_w_mean_recursion(preset, sigma_w):
    net = getattr(presets, preset)(gamma=5.0, sigma_w=sigma_w)
    fhn = net.populations[0].intrinsic
    grid = make_grid(100, 100, x=(-2.0, 2.5), w=(-2.0, 3.0))
    t = np.linspace(0.0, 2.0, 21)
    p0 = np.broadcast_to(grid.gaussian(mean=(0.0, 0.5), std=(0.3, 0.25)), (net.P, *grid.shape))
    sol = solve(net, grid, p0, t_span=(0.0, 2.0), dt=0.1, method="bdf2", t_eval=t)
    np.testing.assert_allclose(sol.mass(), 1.0, atol=1e-13)
    assert sol.p.min() >= 0.0
    predicted = w_mean_recursion(t, sol.mean()[:, 0], sol.mean_w()[:, 0], fhn)
    np.testing.assert_allclose(sol.mean_w()[1:, 0], predicted, rtol=0, atol=1e-12 if sigma_w == 0 else 1e-9)


def test_adaptive_steps_keep_the_invariants_and_control_the_error():
    """Error control: the error of the mean against the exact Gaussian falls with rtol (at least
    ∝ rtol); every step (seen by the callback) satisfies the variable-step w-mean recursion
    (σ_w = 0: no wall term of the heat step; w-grid wide enough that no characteristic leaves it)."""
    grid, net = make_grid(60, 60, w=(-3.0, 4.0)), linear_chemical(sigma_w=0.0)
    exact = exact_chemical(net, T)[0][0]
    fhn = net.populations[0].intrinsic
    errors, steps = [], []
    for rtol in (1e-3, 1e-4):
        seen = []

        def record(t, p, m):
            marginal_x, marginal_w = p[0].sum(axis=1) * grid.w.width, p[0].sum(axis=0) * grid.x.width
            seen.append((t, grid.x.width * marginal_x @ grid.x.centers, grid.w.width * marginal_w @ grid.w.centers))
            return False

        sol = solve(net, grid, initial(grid), t_span=(0.0, T), dt=0.01, method="bdf2", rtol=rtol, t_eval=[0.0, T],
                    callback=record)
        assert sol.status == 0 and sol.p.min() >= 0.0
        np.testing.assert_allclose(sol.mass(), 1.0, atol=1e-13)
        errors.append(max(abs(sol.mean()[-1, 0] - exact[0]), abs(sol.mean_w()[-1, 0] - exact[1])))
        steps.append(sol.stats["steps"])
        t, x_bar, w_bar = (np.array(v) for v in zip(*([(0.0, sol.mean()[0, 0], sol.mean_w()[0, 0])] + seen)))
        assert len(np.unique(np.round(np.diff(t), 12))) > 3                 # the steps do vary
        np.testing.assert_allclose(w_bar[1:], w_mean_recursion(t, x_bar, w_bar, fhn, lie_steps=2), rtol=0,
                                   atol=1e-12)
    assert steps[0] < steps[1] < 200
    assert errors[0] < 1e-4 and errors[1] < 0.2 * errors[0], errors
