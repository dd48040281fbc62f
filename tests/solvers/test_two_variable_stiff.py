"""Second-order methods on a Grid2D at γ G dt ≫ 1, and the moment-preserving row limiter behind them.

With gap junctions at γ G = 1e4 the density (width ε = σ/√(2γG)) moves with the O(1) speed of the
uncoupled ODE, about two widths per step at dt = 0.02: the stage right-hand sides of TR-BDF2 and
BDF2 (extrapolations y + a F(y), 2 yⁿ − yⁿ⁻¹/2, ...) are negative on the trailing side of every
w-row. A limiter that clips and rescales moves each row's mean voltage; the exponential tilt keeps it."""
import math

import numpy as np
import pytest

from fokker import Grid, Grid2D
from fokker.exact_2d import gaussian_cell_averages, gaussian_moments, linear_fhn_matrices
from solvers import solve
from solvers.kernels_2d import tilt_limit

from .test_two_variable import A, B, C, CURRENT, MEAN0, SIGMA, linear_electrical


def test_tilt_limit_keeps_mass_and_mean_and_translates_a_gaussian():
    x = np.linspace(-1.0, 1.0, 201)
    gauss = lambda m: np.exp(-0.5 * ((x - m) / 0.1) ** 2)          # noqa: E731
    # a Gaussian moved by 0.05 to first order (G − δ G'), negative on one side, and a row of round-off
    rows = np.stack([gauss(0.0) + 0.05 * np.gradient(-gauss(0.0), x), np.abs(gauss(0.3)),
                     -1e-20 * np.ones_like(x)])
    out, changed, worst = tilt_limit(rows, x)
    assert changed == 2 and out.min() >= 0.0 and worst < 1e-14
    np.testing.assert_array_equal(out[1], rows[1])                     # untouched: no negative entry
    np.testing.assert_allclose(out[:2].sum(axis=1), rows[:2].sum(axis=1), rtol=1e-14)
    np.testing.assert_allclose(out[:2] @ x, rows[:2] @ x, rtol=0, atol=1e-14 * rows[0].sum())
    assert np.all(out[2] == 0.0)                                       # mass ≤ 0: set to zero
    # a Gaussian with one negative entry: the tilt of the clipped row is a translated Gaussian, exactly
    dip = gauss(0.0)
    dip[50] = -0.01
    out, changed, _ = tilt_limit(dip[None], x)
    shift = 0.1**2 * np.log(out[0, 151] / out[0, 150] * gauss(0.0)[150] / gauss(0.0)[151]) / (x[151] - x[150])
    moved = gauss(shift) * out[0].sum() / (gauss(shift).sum() - gauss(shift)[50])
    moved[50] = 0.0
    assert changed == 1 and shift > 0.0                 # the negative entry on the left held the mean back
    np.testing.assert_allclose(out[0], moved, rtol=1e-9, atol=1e-300)
    assert abs(out[0] @ x - dip @ x) < 1e-15


@pytest.mark.parametrize("method", ["trbdf2", "bdf2"])
def test_second_order_methods_follow_the_synchronised_mean_at_gamma_g_dt_200(method):
    """The error of x̄ at T = 0.2 stays at the spatial floor ≈ (h_x/ε)²/6 × displacement ≈ 1e-4 of
    backward Euler's resolved steps (with the clip-and-rescale limiter TR-BDF2 had 5.7e-3, BDF2
    1.4e-2), and the row-mass identities hold: mass 1, p ≥ 0."""
    gamma = 1e4
    width = SIGMA / math.sqrt(2.0 * gamma)
    cov0 = np.diag([width**2, 0.3**2])
    grid = Grid2D(Grid(-0.15, 0.1, 800), Grid(-1.5, 2.5, 60))
    t = np.array([0.0, 0.2])
    p0 = gaussian_cell_averages(grid.x.faces, grid.w.faces, MEAN0, cov0)
    K0, k0 = linear_fhn_matrices(A, B, C, CURRENT, 0.0, 0.0)
    means = gaussian_moments(K0, k0, (SIGMA, 0.0), MEAN0, cov0, t)[0]
    with pytest.warns(Warning):            # the w-grid is coarse for σ_w(0) = 0.3 (4.5 cells): it says so
        sol = solve(linear_electrical(gamma), grid, p0, t_span=(0.0, 0.2), dt=0.02, method=method, t_eval=t)
    assert sol.stats["limited_stages"] > 0                              # the limiter does act here
    assert abs(sol.mean()[1, 0] - means[1, 0]) < 2e-4                  # displacement 0.072
    assert abs(sol.mean_w()[1, 0] - means[1, 1]) < 1e-4
    np.testing.assert_allclose(sol.mass(), 1.0, atol=1e-13)
    assert sol.p.min() >= 0.0
