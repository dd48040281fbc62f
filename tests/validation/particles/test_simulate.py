"""Tests of the particle network (validation.particles) against exact OU laws and limits."""
import math

import numpy as np
import pytest

from fokker import Channel, Grid, Leak, Network, Population, Sigmoid, presets
from fokker import balance as fokker_balance
from validation import particles
from validation.particles.plan import make_plan
from validation.particles.stepper import Stepper
from validation.particles import simulate_particles

FLAT = dict(exc=Sigmoid(1.0, 0.0, 0.0), inh=Sigmoid(1.0, 0.0, 0.5))   # constant m = (0.5, 0.5)


def _within(value, exact, se, k=5.0):
    assert abs(value - exact) <= k * se, f"{value} vs exact {exact} (SE {se})"


@pytest.mark.parametrize("coupling", ["explicit", "implicit"])
@pytest.mark.parametrize("gamma, dt", [(10.0, 0.05), (1e3, 0.01), (0.0, 0.1)])
def test_exact_ou_mean_and_variance_with_constant_activations(gamma, dt, coupling):
    """Gaussian initial data stays Gaussian with the exact OU mean and variance (docs/theory/network.md).

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
                             seed=3, t_eval=t_eval, coupling=coupling)
    assert run.stats["coupling"] == coupling
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
    st = Stepper(net, make_plan(net), np.zeros((1, 4)), np.random.SeedSequence(0), 1)
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
    st = Stepper(pure, make_plan(pure), np.zeros((1, 4)), np.random.SeedSequence(0), 1)
    st.set_step(np.array([0.0]), h)
    e, phi, s, _ = st.coef
    assert (e[0], phi[0], s[0]) == (1.0, h, math.sqrt(h))
    st.close()


def test_stable_at_gamma_1e8():
    """γ = 1e8, γ h = 1e5: finite, at the balance voltage, with width σ / sqrt(2 γ Ā).

    coupling="auto" picks the implicit coupling here (γ Ā dt ≈ 1e5), which reaches the balance
    manifold in one step; 300 steps (the explicit coupling needed them) check that it stays there.
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


# --------------------------------------------------------------------------------- implicit coupling
def _stationary_mean(net):
    """Mean-field stationary mean μ of a one-population Leak network at finite γ (Gaussian closure exact
    for frozen m): μ = (g E_L + γ B(m)) / (g + γ A(m)), m = E S(μ + w Z), w² = σ² / (2 (g + γ A))."""
    from scipy.optimize import brentq
    z, wz = np.polynomial.hermite_e.hermegauss(40)
    wz = wz / wz.sum()
    g, EL = net.populations[0].intrinsic.rate, net.populations[0].intrinsic.rest
    sigma, gamma = net.sigma[0], net.gamma

    def gap(mu):
        A0 = net.conductance(net.activity_at_voltages(np.array([mu]), 0.0))[0]
        w = sigma / math.sqrt(2 * (g + gamma * A0))
        m = np.array([np.dot(wz, ch.activation(mu + w * z)) for ch in net.channels])
        return (g * EL + gamma * net.reversal_current(m)[0]) / (g + gamma * net.conductance(m)[0]) - mu
    bp = net.balance()[0]
    return brentq(gap, bp.voltage[0] - 1e-3, bp.voltage[0] + 1e-3, xtol=1e-15), bp


def test_implicit_coupling_at_large_gamma_dt_follows_balance():
    """γ = 1e6, dt = 1e-3 (γ Ā dt ≈ 1.2e3), ei_single (dx*/dμ = ρ ≈ −0.855), n = 2e4, 400 steps.

    With e = exp(−γ A h) ≈ 0 each step forgets X, so the step maps d = μ − μ̄ (μ̄: mean-field
    stationary mean) to
      explicit: d' = ρ d + s ξ̄          → transients decay by ρ per step, lag-1 correlation ρ,
                                           std(μ) = (w/√n) / sqrt(1 − ρ²) ≈ 1.9 w/√n;
      implicit: d' = ρ d' + s ξ̄         → d' = s ξ̄ / (1 − ρ): one step to balance, independent
                                           steps, std(μ) = (w/√n) / (1 − ρ) ≈ 0.54 w/√n,
    with w = σ / sqrt(2 (g + γ Ā)) the stationary width (the continuous network has
    std(μ) = (w/√n) / sqrt(1 − ρ) ≈ 0.73 w/√n, resolved only for γ A h ≲ 1). All checks at
    5 standard errors (Gaussian, failure probability < 1e-6 each).
    """
    gamma, n, steps, offset = 1e6, 20_000, 400, 0.02
    net = presets.ei_single(gamma)
    mu_bar, bp = _stationary_mean(net)
    rho = fokker_balance.balance_map_jacobian(net, bp.voltage)[0, 0]
    w = 0.5 / math.sqrt(2 * (1.0 + gamma * bp.conductance[0]))
    init = lambda rng, n: rng.normal(mu_bar + offset, w, n)   # noqa: E731
    kw = dict(t_span=(0.0, steps * 1e-3), dt=1e-3, seed=5, t_eval=np.linspace(0.0, steps * 1e-3, steps + 1),
              summary_only=True)
    exp_ = simulate_particles(net, n, init, coupling="explicit", **kw)
    imp = simulate_particles(net, n, init, **kw)
    assert imp.stats["coupling"] == "implicit" and exp_.stats["coupling"] == "explicit"
    d_exp, d_imp = exp_.mean[:, 0] - mu_bar, imp.mean[:, 0] - mu_bar
    # transient: explicit relaxes by ρ per step (Picard iteration of the balance map), implicit in one step
    np.testing.assert_allclose(d_exp[1:5] / d_exp[:4], rho, atol=0.02)
    assert np.all(np.abs(d_imp[1:]) < 5 * w / math.sqrt(n))
    # stationary fluctuations of the population mean (steps 50..400)
    se_unit = w / math.sqrt(n)
    d_exp, d_imp = d_exp[50:], d_imp[50:]
    N = d_imp.size
    _within(d_imp.mean(), 0.0, se_unit / (1 - rho) / math.sqrt(N))
    _within(d_imp.std() / se_unit, 1 / (1 - rho), 1 / (1 - rho) / math.sqrt(2 * N))
    assert abs(np.corrcoef(d_imp[:-1], d_imp[1:])[0, 1]) < 5 / math.sqrt(N)
    assert abs(np.corrcoef(d_exp[:-1], d_exp[1:])[0, 1] - rho) < 5 * math.sqrt((1 - rho**2) / N)
    assert d_exp.std() > 2 * d_imp.std()
    # the per-neuron width is the same for both, w to 5 SE
    for run in (exp_, imp):
        _within(run.std[-1, 0], w, w / math.sqrt(2 * n))


def test_implicit_coupling_stable_where_explicit_oscillates():
    """Steep sigmoids (λ = 8): a stable balance point (F' < 0) with dx*/dμ ≈ −2.29 < −1.

    The explicit (Picard) step is unstable there and settles on a period-2 cycle far from
    x̄; the implicit step stays at the mean-field mean within 5 w/√n (a 5-sigma bound on the
    per-step sampling error (w/√n)/(1 − ρ) < w/√n).
    """
    gamma, n = 1e6, 20_000
    net = presets.ei_single(gamma, exc=Sigmoid(1.0, 8.0, 0.0), inh=Sigmoid(1.0, 8.0, 0.5))
    mu_bar, bp = _stationary_mean(net)
    assert bp.stable and len(net.balance()) == 1
    assert fokker_balance.balance_map_jacobian(net, bp.voltage)[0, 0] < -2.0
    w = 0.5 / math.sqrt(2 * (1.0 + gamma * bp.conductance[0]))
    kw = dict(t_span=(0.0, 0.1), dt=1e-3, seed=6, t_eval=np.linspace(0.0, 0.1, 101), summary_only=True)
    init = lambda rng, n: rng.normal(mu_bar + 0.01, w, n)   # noqa: E731
    exp_ = simulate_particles(net, n, init, coupling="explicit", **kw)
    imp = simulate_particles(net, n, init, coupling="implicit", **kw)
    d_exp, d_imp = exp_.mean[-20:, 0] - mu_bar, imp.mean[-20:, 0] - mu_bar
    assert np.all(np.abs(d_exp) > 0.1) and np.all(d_exp[1:] * d_exp[:-1] < 0)     # period-2 oscillation
    assert np.all(np.abs(d_imp) < 5 * w / math.sqrt(n))


def test_implicit_reproducible_and_thread_independent():
    """Implicit path: 1 vs 2 threads and noise buffer vs replay are bit-identical; the reported
    activities are the empirical ones of the stored positions; with constant activations the
    implicit step is the explicit one (bit-identical)."""
    net = presets.driven(1e4)
    n = 2 * particles.BLOCK + 123
    init = lambda rng, n: rng.normal(0.0, 0.4, (2, n))   # noqa: E731
    kw = dict(t_span=(0.0, 0.005), dt=1e-3, t_eval=[0.0, 0.002, 0.005], coupling="implicit")
    a = simulate_particles(net, n, init, seed=7, threads=1, **kw)
    b = simulate_particles(net, n, init, seed=7, threads=2, **kw)
    c = simulate_particles(net, n, init, seed=7, threads=2, noise="replay", **kw)
    assert a.stats["noise"] == "buffer" and c.stats["noise"] == "replay"
    for other in (b, c):
        np.testing.assert_array_equal(a.x, other.x)
        np.testing.assert_array_equal(a.activity, other.activity)
    assert a.stats["coupling"] == "implicit" and a.stats["evaluations_per_step"] >= 1
    np.testing.assert_allclose(a.activity[-1, :2], net.activity_from_samples(a.x[-1], 0.005)[:2], rtol=1e-12)
    np.testing.assert_allclose(a.activity[:, 2], [net.channels[2].external_activity(t) for t in a.t])
    flat = presets.ei_single(1e3, **FLAT)
    kw = dict(t_span=(0.0, 0.05), dt=0.01, seed=3, t_eval=[0.05])
    x0 = np.linspace(-1, 1, 1000)
    np.testing.assert_array_equal(simulate_particles(flat, 1000, x0, coupling="explicit", **kw).x,
                                  simulate_particles(flat, 1000, x0, coupling="implicit", **kw).x)


def test_auto_coupling_choice():
    x0 = np.zeros(100)
    small = simulate_particles(presets.ei_single(10.0), 100, x0, (0.0, 0.01), 1e-3, seed=0)
    large = simulate_particles(presets.ei_single(1e4), 100, x0, (0.0, 0.01), 1e-3, seed=0)
    assert small.stats["coupling"] == "explicit" and small.stats["stiffness"] < particles.AUTO_IMPLICIT
    assert large.stats["coupling"] == "implicit" and large.stats["stiffness"] > particles.AUTO_IMPLICIT
    with pytest.raises(ValueError, match="coupling"):
        simulate_particles(presets.ei_single(1.0), 100, x0, (0.0, 0.01), 1e-3, coupling="lagged")
    with pytest.raises(ValueError, match="noise must be one of"):
        simulate_particles(presets.ei_single(1.0), 100, x0, (0.0, 0.01), 1e-3, noise="cached")


@pytest.mark.parametrize("newton_fails_first", [False, True])
def test_implicit_continuation_fallback_for_a_large_first_jump(monkeypatch, newton_fails_first):
    """ei_bistable at γ h = 1e3 from broad data (mean above the unstable point): the first step is a
    large jump; whether Newton (with backtracking) solves it or fails and the step-length continuation
    takes over (forced here by failing the first Newton solve), the run settles at the upper stable
    balance point (within 5 w/√n plus the O(1/γ) offset)."""
    from solvers.coupling import CouplingError, SecantNewton
    if newton_fails_first:
        original, calls = SecantNewton.solve, []

        def fail_once(self, evaluate, u0):
            calls.append(1)
            if len(calls) == 1:
                raise CouplingError("forced failure")
            return original(self, evaluate, u0)
        monkeypatch.setattr(SecantNewton, "solve", fail_once)
    net = presets.ei_bistable(1e6)
    upper = max(net.balance(), key=lambda bp: bp.voltage[0])
    n = 20_000
    run = simulate_particles(net, n, lambda rng, n: rng.normal(0.2, 0.3, n), (0.0, 0.005), 1e-3, seed=1,
                             summary_only=True, coupling="implicit")
    assert run.stats["continuations"] == (1 if newton_fails_first else 0)
    w = 0.5 / math.sqrt(2 * 1e6 * upper.conductance[0])
    assert abs(run.mean[-1, 0] - upper.voltage[0]) < 5 * w / math.sqrt(n) + 1e-5
    _within(run.std[-1, 0], w, w / math.sqrt(2 * n))
