"""Regression tests of the particle engine pinning what the rest of the suite leaves free (found by
``tools/mutation.py``)."""
import math

import numpy as np
import pytest

from fokker import presets
from validation.particles import simulate_particles


@pytest.mark.parametrize("gamma", [1e2, 1e4, 1e8])
def test_implicit_step_is_consistent_with_its_own_end_of_step_activities(gamma):
    """With negligible noise (σ = 1e-200) an implicit step is the exact OU step with m frozen at
    the end-of-step empirical activities m' = mean_j S(X'_j):
        X' = c(m') + (X − c(m')) e^{−r(m') h},  r = g + γ A(m'),  c = (g E_L + γ B(m')) / r.
    The coupling is solved to 1e-12 · s_max, so X' satisfies this to ~1e-11 (not 1e-6)."""
    net = presets.ei_single(gamma, sigma=1e-200)
    n, h = 2000, 0.05
    x0 = np.linspace(-1.5, 1.5, n)
    run = simulate_particles(net, n, x0, (0.0, h), h, seed=1, t_eval=[0.0, h], coupling="implicit")
    m1 = run.activity[1]
    A, B = float(net.conductance(m1)[0]), float(net.reversal_current(m1)[0])
    g, rest = 1.0, -0.5                                      # the preset's leak
    r = g + gamma * A
    c = (g * rest + gamma * B) / r
    expected = c + (run.x[0, 0] - c) * math.exp(-r * h)
    np.testing.assert_allclose(run.x[1, 0], expected, rtol=0, atol=1e-10)
