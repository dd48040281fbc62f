"""SecantNewton on problems with known roots: the Broyden path, the backtracking path, tolerances."""
import math

import numpy as np
import pytest

from solvers.coupling import CouplingError, SecantNewton

M = np.array([[3.0, 1.0], [0.5, 2.0]])
ROOT = np.array([0.4, -0.7])


def cubic(u):
    """r(u) = M (u − u*) + 0.3 (u − u*)³: root u*, Jacobian M at the root."""
    d = u - ROOT
    return M @ d + 0.3 * d**3, None


def test_converges_to_the_known_root_within_tol_and_reuses_the_jacobian():
    results = {}
    for tol in (1e-6, 1e-9):
        solver = SecantNewton(tol, scale=np.ones(2), typical=np.ones(2))
        u, r, _ = solver.solve(cubic, np.array([1.0, 0.3]))
        assert np.all(np.abs(r) <= tol)
        assert np.max(np.abs(u - ROOT)) <= tol * np.linalg.norm(np.linalg.inv(M), np.inf) * 1.01
        results[tol] = u
        # a second solve from a nearby start reuses the (Broyden-updated) Jacobian: no rebuild
        builds = solver.jacobian_updates
        solver.solve(cubic, ROOT + 1e-3)
        assert solver.jacobian_updates == builds
    assert np.max(np.abs(results[1e-6] - results[1e-9])) <= 2e-6


def test_broyden_update_satisfies_the_secant_condition():
    solver = SecantNewton(1e-12, scale=np.ones(2), typical=np.ones(2))
    solver.jacobian = M.copy() * 1.5           # a poor Jacobian: progress needs the updates
    seen = []

    def evaluate(u):
        seen.append(u.copy())
        return cubic(u)

    u, r, _ = solver.solve(evaluate, np.array([0.45, -0.65]))
    assert np.all(np.abs(r) <= 1e-12)
    assert solver.jacobian_updates == 0        # converged on secant updates alone
    assert len(seen) > 2


def test_backtracking_rescues_an_overshooting_newton_step():
    """r(u) = arctan(u) from u₀ = 2: the full Newton step jumps to −3.5 (and diverges);
    halving the step along it converges to the root 0."""
    u0 = 2.0
    assert abs(u0 - math.atan(u0) * (1 + u0 * u0)) > u0        # plain Newton overshoots
    solver = SecantNewton(1e-12, scale=np.ones(1), typical=np.ones(1))
    u, r, _ = solver.solve(lambda u: (np.arctan(u), None), np.array([u0]))
    assert abs(u[0]) <= 1e-12 and abs(r[0]) <= 1e-12


def test_failure_is_reported():
    solver = SecantNewton(1e-12, scale=np.ones(1), typical=np.ones(1), max_evaluations=5)
    with pytest.raises(CouplingError):
        solver.solve(lambda u: (np.array([u[0] ** 2 + 1.0]), None), np.array([0.3]))   # no real root


def test_newton_estimate_is_the_root_of_a_linear_residual():
    """u − J⁻¹ r(u) is the exact root when r is affine and J its matrix; u itself without a Jacobian."""
    A = np.array([[3.0, 1.0], [0.5, 2.0]])
    root = np.array([0.3, -0.7])
    solver = SecantNewton(1e-12, scale=np.ones(2), typical=np.ones(2))
    u = np.array([1.0, 1.0])
    assert solver.newton_estimate(u, A @ (u - root)) is u
    solver.jacobian = A
    np.testing.assert_allclose(solver.newton_estimate(u, A @ (u - root)), root, rtol=1e-14)


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_stages_predicted_from_the_newton_estimate_need_few_evaluations(backend):
    """Work counters, not timings: on ei_single at γ = 1e4 (an expanding Picard map) BDF2 needs
    ≤ 1.15 coupling evaluations per step with the quasi-Newton predictor (1.49 when the
    predictor extrapolated the Picard values m̂), and both backends take the same iterations."""
    from fokker import Grid, presets
    from solvers import solve

    grid = Grid(-2.0, 2.0, 400)
    sol = solve(presets.ei_single(1e4), grid, grid.gaussian(0.0, 0.3), t_span=(0.0, 3.0), dt=0.01,
                method="bdf2", tol=1e-10, backend=backend)
    assert sol.stats["evaluations"] / sol.stats["steps"] <= 1.15
