"""Tests of the particle network (validation/particles.py) against exact OU laws and limits."""
import math

import numpy as np
import pytest

from fokker import Channel, Grid, Leak, Network, Population, Sigmoid, presets
from validation import particles
from validation.particles import simulate_particles

FLAT = dict(exc=Sigmoid(1.0, 0.0, 0.0), inh=Sigmoid(1.0, 0.0, 0.5))   # constant m = (0.5, 0.5)


def _within(value, exact, se, k=5.0):
    assert abs(value - exact) <= k * se, f"{value} vs exact {exact} (SE {se})"


@pytest.mark.parametrize("gamma, dt", [(10.0, 0.05), (1e3, 0.01), (0.0, 0.1)])
def test_exact_ou_mean_and_variance_with_constant_activations(gamma, dt):
    """Gaussian initial data stays Gaussian with the exact OU mean and variance (model.md §2).

    5 standard errors: each check fails with probability < 1e-6 (Gaussian sampling error).
    """
    net = presets.ei_single(gamma, **FLAT)
    mu0, s0, sigma, g, EL = -0.8, 0.3, 0.5, 1.0, -0.5
    A, B = 1.0 * 0.5 + 1.5 * 0.5, 1.0 * 0.5 - 1.5 * 0.5
    k = g + gamma * A
    c = (g * EL + gamma * B) / k
    n = 200_000
    t_eval = np.array([0.0, 0.1, 0.4, 1.0])
    run = simulate_particles(net, n, lambda rng, n: rng.normal(mu0, s0, n), (0.0, 1.0), dt,
                             seed=3, t_eval=t_eval)
    assert run.x.shape == (4, 1, n) and run.activity.shape == (4, 2)
    np.testing.assert_array_equal(run.activity, 0.5)
    for i, t in enumerate(t_eval):
        mean = c + (mu0 - c) * math.exp(-k * t)
        var = sigma**2 / (2 * k) + (s0**2 - sigma**2 / (2 * k)) * math.exp(-2 * k * t)
        x = run.x[i, 0]
        _within(x.mean(), mean, math.sqrt(var / n))
        _within(x.var(), var, var * math.sqrt(2.0 / n))


def test_zero_conductance_uses_series_limit():
    """A = 0 (external activity switched off) and no leak: pure Brownian motion, var = s0² + σ² t."""
    pop = Population("E", intrinsic=Leak(0.0, 0.0), sigma=0.7)
    net = Network([pop], [Channel("ext", 1.0, source=None, activity=0.0)], [[2.0]], gamma=1e6)
    n = 100_000
    run = simulate_particles(net, n, np.zeros(n), (0.0, 2.0), 0.25, seed=1, t_eval=[2.0])
    var = 0.7**2 * 2.0
    assert np.isnan(run.balance_voltage).all()
    _within(run.x[0, 0].mean(), 0.0, math.sqrt(var / n))
    _within(run.x[0, 0].var(), var, var * math.sqrt(2.0 / n))


def test_step_coefficients_series_and_large_r():
    net = presets.ei_single(1.0)
    st = particles._Stepper(net, particles._plan(net), np.zeros((1, 4)), np.random.SeedSequence(0), 1)
    h = 0.01
    # r = γ A + g with γ = 1, g = 1 and A = m_exc
    for A in (1e-13, 1e-4, 1.0, 1e9):
        m = np.array([A, 0.0])
        st.set_step(m, h)
        e, phi, s, _ = st.coef
        r = A + 1.0
        assert e[0] == pytest.approx(math.exp(-r * h), rel=1e-14)
        assert phi[0] == pytest.approx(-math.expm1(-r * h) / r, rel=1e-14)
        assert s[0] == pytest.approx(0.5 * math.sqrt(-math.expm1(-2 * r * h) / (2 * r)), rel=1e-14)
    st.close()
    pure = Network([Population("E", intrinsic=Leak(0.0, 0.0), sigma=1.0)],
                   [Channel("ext", 1.0, source=None, activity=0.0)], [[1.0]], gamma=1.0)
    st = particles._Stepper(pure, particles._plan(pure), np.zeros((1, 4)), np.random.SeedSequence(0), 1)
    st.set_step(np.array([0.0]), h)
    e, phi, s, _ = st.coef
    assert (e[0], phi[0], s[0]) == (1.0, h, math.sqrt(h))
    st.close()


def test_stable_at_gamma_1e8():
    """γ = 1e8, γ h = 1e5: finite, at the balance voltage, with width σ / sqrt(2 γ Ā).

    With m frozen over a step and γ h ≫ 1 the mean moves like the Picard iteration of the
    balance map (factor |dx*/dμ| ≈ 0.86 per step for ei_single), so run 300 steps.
    """
    gamma, n = 1e8, 20_000
    net = presets.ei_single(gamma)
    bp = net.balance()[0]
    run = simulate_particles(net, n, lambda rng, n: rng.normal(0.0, 0.5, n), (0.0, 0.3), 1e-3,
                             seed=2, t_eval=[0.0, 0.005, 0.3])
    assert np.all(np.isfinite(run.x))
    width = 0.5 / math.sqrt(2 * gamma * bp.conductance[0])
    x = run.x[-1, 0]
    # mean offset from x̄ is O(1/γ); 5 SE of the mean is 5 width / sqrt(n)
    assert abs(x.mean() - bp.voltage[0]) < 5 * width / math.sqrt(n) + 1e-6
    _within(x.std(), width, width / math.sqrt(2 * n))
    assert math.sqrt(gamma) * run.std[-1, 0] == pytest.approx(0.326048, rel=0.03)


def test_gamma_inf_refused():
    with pytest.raises(ValueError, match="gamma = inf"):
        simulate_particles(presets.ei_single(math.inf), 10, np.zeros(10), (0, 1), 0.1)


def test_same_seed_identical_and_thread_independent():
    net = presets.driven(30.0)
    n = 2 * particles.BLOCK + 123
    init = lambda rng, n: rng.normal(0.0, 0.4, (2, n))   # noqa: E731
    kw = dict(t_span=(0.0, 0.05), dt=0.01, t_eval=[0.0, 0.02, 0.05])
    a = simulate_particles(net, n, init, seed=7, threads=1, **kw)
    b = simulate_particles(net, n, init, seed=7, threads=2, **kw)
    c = simulate_particles(net, n, init, seed=8, threads=2, **kw)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.activity, b.activity)
    assert not np.array_equal(a.x[-1], c.x[-1])
    # external channel reports a(t); internal ones the empirical mean of S over the particles
    np.testing.assert_allclose(a.activity[:, 2], [net.channels[2].external_activity(t) for t in a.t])
    np.testing.assert_allclose(a.activity[-1, :2], net.activity_from_samples(a.x[-1], 0.05)[:2], rtol=1e-12)
    s = simulate_particles(net, n, init, seed=7, summary_only=True, **kw)
    assert s.x is None
    np.testing.assert_array_equal(s.mean, a.mean)


def test_generic_activation_and_intrinsic_match_builtin():
    """A plain callable sigmoid and a callable leak give the same law as the built-in fast paths."""
    exc, inh = Sigmoid(1.0, 4.0, 0.0), Sigmoid(1.0, 4.0, 0.5)
    fast = presets.ei_single(5.0)
    slow = presets.ei_single(5.0, exc=lambda x: exc(x), inh=lambda x: inh(x),
                             intrinsic=lambda x: -(x + 0.5))
    n = 50_000
    init = np.random.default_rng(0).normal(0.0, 0.3, n)
    a = simulate_particles(fast, n, init, (0.0, 0.5), 1e-3, seed=4, t_eval=[0.5])
    b = simulate_particles(slow, n, init, (0.0, 0.5), 1e-3, seed=4, t_eval=[0.5])
    np.testing.assert_allclose(a.activity, b.activity, atol=2e-3)
    np.testing.assert_allclose(a.mean, b.mean, atol=2e-3)


def test_single_precision_activations_agree():
    """precision='single' changes m by ~1e-6 relative; over 20 steps with the same noise the runs agree."""
    net = presets.ei_pair(20.0)
    n = 40_000
    init = lambda rng, n: rng.normal(0.0, 0.4, (2, n))   # noqa: E731
    kw = dict(t_span=(0.0, 0.02), dt=1e-3, t_eval=[0.0, 0.02], seed=9)
    a = simulate_particles(net, n, init, **kw)
    b = simulate_particles(net, n, init, precision="single", **kw)
    np.testing.assert_allclose(b.activity, a.activity, rtol=1e-5)
    np.testing.assert_allclose(b.x, a.x, atol=1e-6)
    with pytest.raises(ValueError, match="precision"):
        simulate_particles(net, n, init, precision="half", **kw)


def test_initial_from_grid_density():
    grid = Grid(-2.0, 2.0, 400)
    p0 = grid.gaussian(0.3, 0.2)
    run = simulate_particles(presets.ei_single(1.0), 100_000, (grid, p0), (0.0, 0.1), 0.1, seed=0,
                             t_eval=[0.0])
    x = run.x[0, 0]
    assert abs(x.mean() - 0.3) < 5 * 0.2 / math.sqrt(x.size)
    assert x.min() >= -2.0 and x.max() <= 2.0


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=0), ValueError), (dict(n=2.5), TypeError), (dict(dt=0.0), ValueError), (dict(dt=-1e-3), ValueError),
    (dict(initial=np.array([0.0, np.nan, 0.0, 0.0])), ValueError),
    (dict(initial=np.zeros(5)), ValueError), (dict(initial=np.zeros((2, 4))), ValueError),
    (dict(initial=lambda rng, n: np.zeros(n + 1)), ValueError), (dict(initial=None), TypeError),
    (dict(t_eval=[0.5, 1.5]), ValueError), (dict(t_eval=[-0.1]), ValueError),
    (dict(t_eval=[0.5, 0.2]), ValueError), (dict(t_span=(1.0, 0.0)), ValueError),
    (dict(seed="x"), TypeError), (dict(threads=0), ValueError), (dict(net="net"), TypeError),
])
def test_bad_input_raises(kwargs, error):
    args = dict(net=presets.ei_single(1.0), n=4, initial=np.zeros(4), t_span=(0.0, 1.0), dt=0.1)
    args.update(kwargs)
    with pytest.raises(error):
        simulate_particles(**args)
