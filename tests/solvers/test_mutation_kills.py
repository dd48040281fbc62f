"""Regression tests that pin formulas of the stepping core which the integration tests leave free.

Each test states the exact property it checks (the controller's step-size formulas, the exact
stage mass, the end of the initial layer of frame='auto'); they were written against defects
that ``tools/mutation.py`` showed the rest of the suite to accept (or to catch only by a hang).
"""
import math
import warnings

import numpy as np
import pytest

from fokker import Grid, presets
from solvers import solve
from solvers.controller import MAX_FACTOR, MIN_FACTOR, SAFETY, AdaptiveSteps
from solvers.fluxes import stage_bands
from solvers.linalg import solve_stage
from solvers.methods import METHODS

EPS = np.finfo(float).eps


# -- the step-size controller ----------------------------------------------------------------------
def test_pi_controller_factor_uses_both_errors_with_their_exponents():
    """h_new = h · SAFETY ‖e‖^(−0.7/k) ‖e_prev‖^(0.4/k) (inside the clip), e_prev the previous accepted error."""
    policy = AdaptiveSteps(1e-6, 0.0, math.inf, 0.1, METHODS["trbdf2"]())
    k, h = 3, 0.1
    policy.accepted(0.1, h, 0.5, k)               # first step: e_prev = 1
    assert policy.h == pytest.approx(h * SAFETY * 0.5 ** (-0.7 / k), rel=1e-14)
    policy.accepted(0.2, h, 0.25, k)
    assert policy.h == pytest.approx(h * SAFETY * 0.25 ** (-0.7 / k) * 0.5 ** (0.4 / k), rel=1e-14)
    policy.accepted(0.3, h, 1e-12, k)             # a tiny error: growth capped at MAX_FACTOR
    assert policy.h == pytest.approx(h * MAX_FACTOR, rel=1e-14)


def test_no_step_growth_right_after_a_rejection():
    """After a rejected step the next accepted step may shrink but never grows, whatever its error."""
    policy = AdaptiveSteps(1e-6, 0.0, math.inf, 0.1, METHODS["trbdf2"]())
    policy.rejected(0.1, 8.0, 3)
    assert policy.h == pytest.approx(0.1 * max(MIN_FACTOR, SAFETY * 8.0 ** (-1.0 / 3)), rel=1e-14)
    h = policy.h
    policy.accepted(h, h, 1e-6, 3)                # an error that would allow ×5 growth
    assert policy.h == h
    policy.accepted(2 * h, h, 1e-6, 3)            # the step after that may grow again
    assert policy.h > h


# -- the stage solve ------------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [1e4, 1e6, 1e8, 1e10])
@pytest.mark.parametrize("alpha", [1.0, 1.5, math.sqrt(2.0)])         # euler, bdf2 (ω = 1), trbdf2 (2 − g)
def test_stage_solution_has_the_exact_mass_sum_rhs_over_alpha(gamma, alpha):
    """(α I − a L) p = rhs with zero column sums of L: Σ p = Σ rhs / α, to a few ulps even where
    a ‖L‖ ≫ α (the raw tridiagonal solve is off by up to ~1e-13 there)."""
    n = 400
    h = 8.0 / n
    x = -4.0 + h * (np.arange(n) + 0.5)
    faces = 0.5 * (x[1:] + x[:-1])
    rng = np.random.default_rng(7)
    for _ in range(10):
        rhs = np.exp(-((x - rng.uniform(-1, 1)) ** 2) / rng.uniform(0.1, 1.0))[None, :]
        rhs /= rhs.sum() * h
        p = solve_stage(*stage_bands((-gamma * faces)[None, :], np.array([1.0]), h, alpha, 1.0), rhs, alpha)
        assert p.min() >= 0.0
        assert abs(p.sum() * alpha / rhs.sum() - 1.0) <= 4 * EPS


# -- frame="auto": the end of the initial layer --------------------------------------------------
def test_auto_frame_layer_lasts_until_every_population_has_collapsed():
    """Two populations, one already at its balanced width σ/√(2γA), the other 100 times wider:
    the layer is over only when *every* population is within COLLAPSED balanced widths, so the
    run must start in the layer (not on the final grid) and switch at a time t_s > 0."""
    gamma = 1e4
    net = presets.ei_pair(gamma)
    bal = net.balance()[0]
    width = 0.5 / np.sqrt(2.0 * gamma * bal.conductance)
    grid = Grid(-2.0, 2.0, 800)
    p0 = np.stack([grid.gaussian(bal.voltage[0], width[0]), grid.gaussian(bal.voltage[1], 100 * width[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, p0, t_span=(0.0, 0.01), dt=1e-3, t_eval=[0.01], frame="auto")
    assert sol.status == 0
    assert sol.stats["layer_steps"] > 0 and sol.stats["grids"] >= 2
    assert not any("collapsed from the start" in note for note in sol.notes)
