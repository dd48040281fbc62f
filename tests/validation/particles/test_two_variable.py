"""Two-variable (FitzHugh–Nagumo) particle networks and electrical coupling (gap junctions).

Stochastic checks compare with exact Gaussian laws at 5 standard errors: each check fails
with probability < 6e-7 (two-sided Gaussian tail), so each test (at most ~30 checks) with
probability < 2e-5; seeds are fixed.
"""
import math

import numpy as np
import pytest
from scipy.linalg import expm

from fokker import Channel, FitzHughNagumo, Grid, Grid2D, Leak, Network, Population, Sigmoid, presets
from fokker.exact_2d import gaussian_moments, linear_fhn_matrices
from validation import particles
from validation.particles import simulate_particles
from validation.particles.centred import mean_flow

FLAT = dict(exc=Sigmoid(1.0, 0.0, 0.0), inh=Sigmoid(1.0, 0.0, 0.5))   # constant m = (0.5, 0.5)
M0, C0 = np.array([0.5, 0.2]), np.array([[0.04, 0.01], [0.01, 0.09]])


def _gaussian_initial(mean, cov):
    chol = np.linalg.cholesky(cov)
    return lambda rng, n: mean + rng.standard_normal((n, 2)) @ chol.T


def _assert_moments(run, exact_mean, mean_cov, exact_cov, n, covariance=True):
    """Empirical means within 5 SE (SE² = diag(mean_cov)) and covariances (ddof 0, expectation
    (1 − 1/n) C) within 5 SE of the Gaussian sample covariance, SE² = (C_ii C_jj + C_ij²)/n."""
    for i in range(run.t.size):
        z = np.vstack([run.x[i, 0], run.w[i, 0]])
        mean = z.mean(axis=1)
        se = np.sqrt(np.diag(mean_cov[i]))
        assert np.all(np.abs(mean - exact_mean[i]) <= 5 * se), (run.t[i], mean, exact_mean[i], se)
        if covariance:
            C = exact_cov[i]
            cov = np.cov(z, bias=True)
            se = np.sqrt((np.outer(np.diag(C), np.diag(C)) + C**2) / n)
            assert np.all(np.abs(cov - (1 - 1 / n) * C) <= 5 * se), (run.t[i], cov, C, se)
        else:            # the voltage variance only
            C = exact_cov[i, 0, 0]
            assert abs(z[0].var() - (1 - 1 / n) * C) <= 5 * C * math.sqrt(2 / n)


@pytest.mark.parametrize("sigma_w", [0.0, 0.2])
def test_linear_chemical_matches_exact_gaussian(sigma_w):
    """κ = 0 with constant activations: (X, W) is a 2D OU process, the neurons are independent,
    so the empirical mean is N(m(t), C(t)/n) with the exact m, C of fokker.exact_2d.

    dt = 0.005 (γ A dt = 0.0625): the first-order bias of the step (its affine moment recursion,
    evaluated exactly) is ≤ 0.11 SE in the means and ≤ 0.23 SE in the covariances here.
    """
    gamma, n, dt = 10.0, 20_000, 0.005
    f = FitzHughNagumo(current=0.5, cubic=0.0)
    net = presets.fhn_chemical(gamma, intrinsic=f, sigma=0.3, sigma_w=sigma_w, **FLAT)
    A, B = 1.0 * 0.5 + 1.5 * 0.5, 1.0 * 0.5 - 1.5 * 0.5
    K, k = linear_fhn_matrices(f.a, f.b, f.c, f.current, gamma * A, gamma * B)
    t = np.array([0.5, 2.0])
    mean, cov = gaussian_moments(K, k, (0.3, sigma_w), M0, C0, t)
    run = simulate_particles(net, n, _gaussian_initial(M0, C0), (0.0, t[-1]), dt, seed=1, t_eval=t)
    assert run.x.shape == run.w.shape == (2, 1, n) and run.mean_w.shape == run.std_w.shape == (2, 1)
    np.testing.assert_allclose(run.mean_w[:, 0], run.w[:, 0].mean(axis=1), rtol=1e-14)
    _assert_moments(run, mean, cov / n, cov, n)


@pytest.mark.parametrize("gamma, sigma_w, covariance", [(1e4, 0.2, True), (1e10, 0.2, True), (50.0, 0.0, True),
                                                        (1e4, 0.0, False)])
def test_linear_electrical_matches_exact_gaussian(gamma, sigma_w, covariance):
    """Gap junctions only (G = 1), κ = 0: the empirical mean z̄ = (x̄, w̄) is exactly the 2D OU
    process dz̄ = (K₀ z̄ + k₀) dt + diag(σ, σ_w)/√n dB (K₀: the uncoupled neuron; the self-coupling
    cancels), and the deviations follow K₀ − diag(γ G, 0) with noise (1 − 1/n) diag(σ², σ_w²).
    A stable focus (b = 0.9, c = 1.5) keeps the means O(1).

    γ G dt = 20 at γ = 1e4: the mean still moves with ⟨f⟩ (a frozen-mean OU step would not move
    it). With σ_w = 0 and γ h ≫ 1 the recovery spread driven by the unresolved voltage noise is
    not resolved by the frozen-x recovery step (that O(h/γ) variance comes out (γh/2) coth(γh/2)
    times too large; module docstring of validation.particles.simulate), so there only the means
    and the voltage variance are compared; with σ_w = 0 the full covariance is checked at γ h = 0.1.
    The step's bias (its moment recursion, evaluated exactly) is ≤ 0.16 SE in every case here.
    """
    n, dt = 5000, 0.002
    f = FitzHughNagumo(a=0.7, b=0.9, c=1.5, current=0.5, cubic=0.0)
    net = presets.fhn_electrical(gamma, intrinsic=f, sigma=0.3, sigma_w=sigma_w)
    K0, k0 = linear_fhn_matrices(f.a, f.b, f.c, f.current, 0.0, 0.0)
    K1, _ = linear_fhn_matrices(f.a, f.b, f.c, f.current, gamma, 0.0)
    noise = np.array([0.3, sigma_w])
    t = np.array([0.5, 2.0])
    mean, mean_cov = gaussian_moments(K0, k0, noise / math.sqrt(n), M0, C0 / n, t)
    _, cov = gaussian_moments(K1, k0, noise * math.sqrt(1 - 1 / n), M0, C0 * (1 - 1 / n), t)
    run = simulate_particles(net, n, _gaussian_initial(M0, C0), (0.0, t[-1]), dt, seed=2, t_eval=t)
    assert run.stats["step"] == "mean-centred"
    _assert_moments(run, mean, mean_cov, cov / (1 - 1 / n), n, covariance)


def _two_leaks(gamma, channels=()):
    pops = [Population("A", Leak(1.0, -0.5), sigma=0.5), Population("B", Leak(2.0, 0.5), sigma=0.3)]
    weights = np.array([[1.0], [0.0]]) if channels else np.zeros((2, 0))
    return Network(pops, list(channels), weights, gamma, electrical=[[0.5, 1.0], [2.0, 0.0]])


@pytest.mark.parametrize("gamma, dt, with_channel", [(10.0, 0.05, True), (1e6, 0.01, False), (1e8, 0.1, True)])
def test_electrical_leaks_match_exact_linear_solution(gamma, dt, with_channel):
    """Two Leak populations with gap junctions G = [[0.5, 1], [2, 0]] (and a constant external
    channel on A): the step is the exact transition of this linear network, for any γ h.

    Exact: the empirical means μ solve dμ = (M μ + d) dt + diag(σ)/√n dB with
    M = −diag(g + γ A) + γ G, A = Σ_β G_αβ + J a, d = g E_L + γ J a E (its law from the matrix
    exponential); each population's empirical variance has expectation
    v∞ + (v₀ − v∞) e^{−2 k t}, k = g + γ A, v∞ = (1 − 1/n) σ²/(2k), v₀ the initial empirical one.
    """
    ext = Channel("ext", 1.0, source=None, activity=0.5)
    net = _two_leaks(gamma, [ext] if with_channel else [])
    n = 50_000
    x0 = np.random.default_rng(0).normal([[0.8], [-0.6]], [[0.3], [0.2]], (2, n))
    g, EL, sigma = np.array([1.0, 2.0]), np.array([-0.5, 0.5]), np.array([0.5, 0.3])
    Ja = np.array([0.5, 0.0]) if with_channel else np.zeros(2)
    A = np.array([1.5, 2.0]) + Ja
    M = gamma * np.array([[0.5, 1.0], [2.0, 0.0]]) - np.diag(g + gamma * A)
    d = g * EL + gamma * Ja * 1.0
    t = np.array([0.3, 1.0, 3.0])
    mean, mean_cov = gaussian_moments(M, d, sigma / math.sqrt(n), x0.mean(axis=1), np.zeros((2, 2)), t)
    run = simulate_particles(net, n, x0, (0.0, t[-1]), dt, seed=4, t_eval=t)
    k = g + gamma * A
    v0, vinf = x0.var(axis=1), (1 - 1 / n) * sigma**2 / (2 * k)
    for i, ti in enumerate(t):
        se = np.sqrt(np.diag(mean_cov[i]))
        assert np.all(np.abs(run.mean[i] - mean[i]) <= 5 * se), (ti, run.mean[i], mean[i], se)
        var = vinf + (v0 - vinf) * np.exp(-2 * k * ti)
        assert np.all(np.abs(run.std[i] ** 2 - var) <= 5 * var * math.sqrt(2 / n)), (ti, run.std[i] ** 2, var)
    if gamma <= 10:     # the same means by the closed form e^{Mt} μ₀ + M⁻¹ (e^{Mt} − I) d (non-stiff M)
        closed = [expm(M * ti) @ x0.mean(axis=1) + np.linalg.solve(M, (expm(M * ti) - np.eye(2)) @ d) for ti in t]
        np.testing.assert_allclose(mean, closed, rtol=1e-9, atol=1e-12)


def test_mean_flow_matches_matrix_exponential():
    """Φ = ∫ e^{Ms} ds and C Cᵀ = ∫ e^{Ms} Q e^{Mᵀs} ds against a fine quadrature (non-stiff M), and the
    stiff, singular Laplacian case (γ h = 1e8) keeps Φ's null-space part (h on the conserved weighted
    mean) to 1e-7: the zero eigenvalue of M h is computed to ‖M h‖ ε ≈ 3e-8 by the Schur decomposition."""
    M = np.array([[-1.5, 1.0], [2.0, -3.0]])
    h, sigma = 0.3, np.array([0.5, 0.2])
    Phi, C = mean_flow(M, h, sigma)
    s = np.linspace(0.0, h, 4001)
    E = np.array([expm(M * si) for si in s])
    np.testing.assert_allclose(Phi, np.trapezoid(E, s, axis=0), rtol=1e-6)
    np.testing.assert_allclose(C @ C.T, np.trapezoid(E @ np.diag(sigma**2) @ E.transpose(0, 2, 1), s, axis=0),
                               rtol=1e-6)
    gamma = 1e9
    L = gamma * np.array([[-1.0, 1.0], [2.0, -2.0]])           # electrical only: a graph Laplacian
    Phi, C = mean_flow(L, 0.1, sigma)
    left = np.array([2.0, 1.0]) / 3.0                         # left null vector: the conserved weighted mean
    np.testing.assert_allclose(left @ Phi, 0.1 * left, rtol=1e-7)
    # the conserved mean ℓ·μ diffuses freely: its variance over h is h Σ ℓ_α² σ_α²
    np.testing.assert_allclose(left @ C @ C.T @ left, 0.1 * np.sum(left**2 * sigma**2), rtol=1e-7)
    assert np.all(np.isfinite(C))


@pytest.mark.parametrize("gamma", [1e2, 1e6, 1e10])
def test_mean_centred_step_moves_the_mean_by_h_mean_f(gamma):
    """The trap: one FitzHugh–Nagumo population with gap junctions, one step h = 0.1 (γ h up to 1e9).
    The mean must move by h ⟨f⟩ (the motion of a synchronised population), plus its noise
    σ √h ξ̄ (5 SE: 5 σ √(h/n)); a frozen-mean OU step would move it by ⟨f⟩ (1 − e^{−γh})/γ."""
    net = presets.fhn_electrical(gamma)
    n, h = 10_000, 0.1
    rng = np.random.default_rng(3)
    z0 = np.column_stack([rng.normal(1.0, 0.05, n), rng.normal(0.2, 0.05, n)])
    run = simulate_particles(net, n, z0, (0.0, h), h, seed=5, t_eval=[0.0, h])
    fmean = net.populations[0].intrinsic.f(z0[:, 0], z0[:, 1]).mean()
    assert abs(run.mean[1, 0] - run.mean[0, 0] - h * fmean) <= 5 * 0.3 * math.sqrt(h / n)
    assert abs(h * fmean) > 0.05
    # the recovery takes its exact step at the new voltages
    f = net.populations[0].intrinsic
    np.testing.assert_allclose(run.w[1, 0], f.recovery_flow(run.x[1, 0], z0[:, 1], h), rtol=1e-13, atol=1e-15)


def _up_crossing_periods(t, x):
    level = 0.5 * (x.max() + x.min())
    i = np.flatnonzero((x[:-1] < level) & (x[1:] >= level))
    crossings = t[i] + (level - x[i]) / (x[i + 1] - x[i]) * (t[i + 1] - t[i])
    return np.diff(crossings)


@pytest.mark.parametrize("dt, n", [(0.02, 5000), pytest.param(0.01, 20_000, marks=pytest.mark.slow)])
def test_synchronised_period_at_large_gamma_G_h(dt, n):
    """fhn_electrical (G = 1, I = 0.5, σ = 0.3) at γ G h = 1e3: the empirical mean voltage
    oscillates with the single-neuron period 39.4744 (FitzHughNagumo(current=0.5).limit_cycle())
    within 1 %, measured over the last two cycles of 125 time units (up-crossings of the mid level,
    linear interpolation); the width is σ/√(2γG) (5 SE). Measured period errors (seeds 0–3):
    ≤ 0.16 % at dt = 0.02, n = 5000 (the finite-n phase noise dominates), ≈ 0.5 % at dt = 0.05
    (the first-order bias of the step), ≤ 0.08 % at dt = 0.01, n = 20000."""
    gamma = 1e3 / dt
    cycle = FitzHughNagumo(current=0.5).limit_cycle()

    def initial(rng, n):
        return np.column_stack([rng.normal(cycle.x[0], 0.1, n), rng.normal(cycle.w[0], 0.1, n)])
    t_eval = np.arange(0.0, 125.0 + dt / 2, dt)
    run = simulate_particles(presets.fhn_electrical(gamma), n, initial, (0.0, t_eval[-1]), dt, seed=0,
                             t_eval=t_eval, summary_only=True)
    periods = _up_crossing_periods(run.t, run.mean[:, 0])
    assert periods.size >= 3
    assert abs(periods[-2:].mean() - cycle.period) <= 0.01 * cycle.period, periods
    width = 0.3 / math.sqrt(2 * gamma)
    assert abs(run.std[-1, 0] - width) <= 5 * width / math.sqrt(2 * n)      # O(1/γ) bias ~1e-4 relative


@pytest.mark.parametrize("net", [presets.fhn_pair(1e4, sigma_w=(0.1, 0.0)), presets.fhn_chemical(30.0, sigma_w=0.1),
                                 presets.fhn_electrical(1e6, sigma_w=0.1)],
                         ids=["pair-implicit", "chemical-explicit", "electrical-fused"])
def test_two_variable_seed_and_thread_independent(net):
    n = 2 * particles.BLOCK + 77

    def initial(rng, n):
        return np.stack([rng.normal(0.0, 0.3, (net.P, n)), rng.normal(0.5, 0.2, (net.P, n))], axis=-1)
    kw = dict(t_span=(0.0, 0.004), dt=1e-3, t_eval=[0.0, 0.002, 0.004])
    a = simulate_particles(net, n, initial, seed=7, threads=1, **kw)
    b = simulate_particles(net, n, initial, seed=7, threads=2, **kw)
    c = simulate_particles(net, n, initial, seed=7, threads=2, noise="replay", **kw)
    d = simulate_particles(net, n, initial, seed=8, threads=1, **kw)
    for other in (b, c):
        np.testing.assert_array_equal(a.x, other.x)
        np.testing.assert_array_equal(a.w, other.w)
        np.testing.assert_array_equal(a.activity, other.activity)
    assert not np.array_equal(a.w[-1], d.w[-1])
    assert (a.stats["step"] == "mean-centred") == net.has_electrical


def test_initial_from_grid2d_density_and_one_variable_outputs():
    grid = Grid2D(Grid(-2.0, 2.0, 80), Grid(-1.0, 2.0, 60))
    p0 = grid.gaussian((0.3, 0.5), (0.2, 0.3))
    n = 50_000
    run = simulate_particles(presets.fhn_chemical(1.0), n, (grid, p0), (0.0, 0.1), 0.1, seed=0, t_eval=[0.0])
    x, w = run.x[0, 0], run.w[0, 0]
    assert abs(x.mean() - grid.mean_x(p0)) < 5 * 0.2 / math.sqrt(n)
    assert abs(w.mean() - grid.mean_w(p0)) < 5 * 0.3 / math.sqrt(n)
    assert x.min() >= -2.0 and x.max() <= 2.0 and w.min() >= -1.0 and w.max() <= 2.0
    one = simulate_particles(presets.ei_single(1.0), 10, np.zeros(10), (0.0, 0.1), 0.1, seed=0)
    assert one.w is None and one.mean_w is None and one.std_w is None and one.stats["step"] == "exact-OU"


@pytest.mark.parametrize("net, initial, error, match", [
    (presets.fhn_electrical(1.0), np.zeros(4), ValueError, "initial"),
    (presets.fhn_electrical(1.0), np.zeros((4, 3)), ValueError, "initial"),
    (presets.fhn_electrical(1.0), np.zeros((2, 4, 2)), ValueError, "initial"),
    (presets.fhn_pair(1.0), np.zeros((4, 2)), ValueError, "initial"),
    (presets.fhn_electrical(1.0), lambda rng, n: np.zeros(n), ValueError, "initial"),
    (presets.fhn_electrical(1.0), (Grid(-1.0, 1.0, 10), np.ones(10)), ValueError, "initial"),
    (presets.ei_single(1.0), (Grid2D(Grid(-1.0, 1.0, 10), Grid(-1.0, 1.0, 10)), np.ones((10, 10))),
     ValueError, "initial"),
    (presets.fhn_electrical(1.0), (Grid2D(Grid(-1.0, 1.0, 10), Grid(-1.0, 1.0, 10)), np.ones(10)),
     ValueError, "initial density"),
    (presets.fhn_electrical(1.0), None, TypeError, "initial"),
    (presets.ei_single(1.0), np.zeros((4, 2)), ValueError, "initial"),
])
def test_two_variable_bad_initial_raises(net, initial, error, match):
    with pytest.raises(error, match=match):
        simulate_particles(net, 4, initial, (0.0, 0.1), 0.1)


class _GenericRecovery:
    """A two-variable intrinsic that is not a FitzHughNagumo instance (the numpy path of the engine)."""

    variables = 2

    def __init__(self, fhn: FitzHughNagumo) -> None:
        self.fhn = fhn
        self.recovery_rate = fhn.recovery_rate

    def __call__(self, x, w):
        return self.fhn.f(x, w)

    def face_average(self, left, right, w):
        return self.fhn.face_average(left, right, w)

    def recovery_flow(self, x, w, h):
        return self.fhn.recovery_flow(x, w, h)


@pytest.mark.parametrize("gamma", [10.0, 1e6])
def test_fused_and_generic_paths_take_the_same_step(gamma, monkeypatch):
    """The fused FitzHugh–Nagumo step (kernel; "advance" + "shift") and the general path ("moments" +
    "centred", numpy, any two-variable intrinsic with recovery_flow) are the same step: with the same
    noise they agree to round-off, with recovery noise too."""
    fhn = FitzHughNagumo(current=0.5)
    n = 3000
    z0 = np.random.default_rng(2).normal([1.0, 0.3], [0.2, 0.1], (n, 2))
    kw = dict(t_span=(0.0, 0.02), dt=1e-3, seed=3, t_eval=[0.02])
    fast = simulate_particles(presets.fhn_electrical(gamma, intrinsic=fhn, sigma_w=0.1), n, z0, **kw)
    generic = presets.fhn_electrical(gamma, intrinsic=_GenericRecovery(fhn), sigma_w=0.1)
    slow = simulate_particles(generic, n, z0, **kw)
    np.testing.assert_allclose(slow.x, fast.x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(slow.w, fast.w, rtol=1e-10, atol=1e-12)
    from validation.particles.stepper import Stepper
    monkeypatch.setattr(Stepper, "fused", property(lambda self: False))
    unfused = simulate_particles(presets.fhn_electrical(gamma, intrinsic=fhn, sigma_w=0.1), n, z0, **kw)
    np.testing.assert_allclose(unfused.x, fast.x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(unfused.w, fast.w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("two_variable", [False, True])
def test_mixed_chemical_and_electrical_coupling_at_large_gamma(two_variable):
    """Chemical (Dale's law, sigmoids) and gap-junction coupling at γ = 1e6, γ A dt ≈ 2e3, implicit
    coupling (activity terms as Newton unknowns, the means by the centred step): the mean voltages
    sit at the balance point x̄ (one isolated stable point), within the O(1/γ) offset plus 5 SE of
    the per-step sampling error, and the widths are σ/√(2γĀ) (5 SE)."""
    gamma, n = 1e6, 20_000
    if two_variable:
        net = presets.fhn_pair(gamma)
    else:
        pair = presets.ei_pair(gamma, sigma=(0.3, 0.3))
        net = Network(pair.populations, pair.channels, pair.weights, gamma, electrical=[[0.0, 0.5], [0.5, 0.0]])
    bp, = net.balance()
    shape = (2, n, 2) if two_variable else (2, n)
    z0 = np.random.default_rng(4).normal(0.2, 0.02, shape)
    run = simulate_particles(net, n, z0, (0.0, 0.02), 1e-3, seed=6, t_eval=[0.01, 0.02], summary_only=True)
    assert run.stats["coupling"] == "implicit" and run.stats["step"] == "mean-centred"
    width = 0.3 / np.sqrt(2 * gamma * bp.conductance)
    np.testing.assert_array_less(np.abs(run.mean[-1] - bp.voltage), 5 * width / math.sqrt(n) + 10 / gamma)
    np.testing.assert_array_less(np.abs(run.std[-1] - width), 5 * width / math.sqrt(2 * n))
    # x* = B/A with the empirical activities and mean voltages: the mean lags it by O(1/γ) only
    np.testing.assert_allclose(run.balance_voltage[-1], run.mean[-1], atol=10 / gamma)


@pytest.mark.parametrize("case", ["chemical", "electrical"])
def test_two_variable_step_is_first_order(case):
    """Weak order 1 in h, shown deterministically: with σ = 1e-9 (noise negligible) and κ = 0, three
    particles' empirical mean and covariance follow the exact linear flows (chemical, constant
    activations: both by K; gap junctions at γ = 1e6: the mean by K₀, the deviations by K₀ − γ G e₁e₁ᵀ).
    Their errors at t = 2 halve with h: ratios in [1.8, 2.2] from h = 0.01 to 0.0025. With gap junctions
    at γ h ≥ 2500 the voltage deviations are slaved and the covariance error is the h-independent
    O(1/γ) one (≈ 3.5e-10 here), so only the mean shows the order there."""
    z0 = np.array([[0.9, 0.1], [0.2, 0.5], [0.4, -0.3]])
    mean0, cov0 = z0.mean(axis=0), np.cov(z0.T, bias=True)
    if case == "chemical":
        gamma, f = 10.0, FitzHughNagumo(current=0.5, cubic=0.0)
        net = presets.fhn_chemical(gamma, intrinsic=f, sigma=1e-9, **FLAT)
        K, k = linear_fhn_matrices(f.a, f.b, f.c, f.current, gamma * 1.25, gamma * -0.25)
        Kdev = K
    else:
        gamma, f = 1e6, FitzHughNagumo(a=0.7, b=0.9, c=1.5, current=0.5, cubic=0.0)
        net = presets.fhn_electrical(gamma, intrinsic=f, sigma=1e-9)
        K, k = linear_fhn_matrices(f.a, f.b, f.c, f.current, 0.0, 0.0)
        Kdev, _ = linear_fhn_matrices(f.a, f.b, f.c, f.current, gamma, 0.0)
    exact_mean = gaussian_moments(K, k, (0.0, 0.0), mean0, np.zeros((2, 2)), 2.0)[0][0]
    exact_cov = gaussian_moments(Kdev, k, (0.0, 0.0), mean0, cov0, 2.0)[1][0]
    errors = []
    for h in (0.01, 0.005, 0.0025):
        run = simulate_particles(net, 3, z0, (0.0, 2.0), h, seed=0, t_eval=[2.0])
        z = np.vstack([run.x[0, 0], run.w[0, 0]])
        errors.append((np.abs(z.mean(axis=1) - exact_mean).max(), np.abs(np.cov(z, bias=True) - exact_cov).max()))
    errors = np.array(errors)
    if case == "electrical":
        assert np.all(errors[:, 1] < 1e-8)
        errors = errors[:, :1]
    assert np.all(errors[0] > 1e-7)
    np.testing.assert_allclose(errors[:-1] / errors[1:], 2.0, atol=0.2)


class _NoRecoveryFlow:
    """A two-variable intrinsic without recovery_flow / recovery_rate."""

    variables = 2

    def __call__(self, x, w):
        return x - w

    def face_average(self, left, right, w):
        return 0.5 * (left + right) - w


def test_two_variable_intrinsic_without_recovery_flow_is_refused():
    net = Network([Population("E", _NoRecoveryFlow(), sigma=0.3)], [], [[]], 1.0, electrical=[[1.0]])
    with pytest.raises(TypeError, match="recovery_flow"):
        simulate_particles(net, 4, np.zeros((4, 2)), (0.0, 0.1), 0.1)
