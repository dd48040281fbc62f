"""Scharfetter–Gummel building blocks: Bernoulli function and operator invariants."""
import numpy as np

from solvers.fluxes import apply_bands, bernoulli, sg_bands, stage_bands


def test_bernoulli_is_stable_everywhere():
    z = np.array([-1e4, -800.0, -1.0, -1e-12, 0.0, 1e-300, 1e-12, 1.0, 800.0, 1e4])
    b = bernoulli(z)
    assert np.all(np.isfinite(b))
    np.testing.assert_allclose(b[[4, 5]], 1.0)
    np.testing.assert_allclose(b[[0, 1]], -z[[0, 1]])
    assert b[-1] == 0.0 and b[-2] < 1e-300
    np.testing.assert_allclose(b[2], 1.0 / (np.e - 1.0) * np.e, rtol=1e-15)   # B(−1) = e/(e−1)
    np.testing.assert_allclose(bernoulli(-z) - bernoulli(z), z, rtol=1e-14, atol=1e-15)


def test_columns_sum_to_zero_and_offdiagonals_nonnegative():
    rng = np.random.default_rng(1)
    drift = rng.normal(scale=50.0, size=(2, 99))
    lower, diag, upper = sg_bands(drift, np.array([0.1, 0.3]), 0.01)
    col = diag.copy()
    col[:, :-1] += lower
    col[:, 1:] += upper
    assert np.max(np.abs(col)) < 1e-12 * np.max(np.abs(diag))
    assert lower.min() >= 0 and upper.min() >= 0
    p = rng.random((2, 100))
    assert np.max(np.abs(apply_bands(lower, diag, upper, p).sum(axis=1))) < 1e-10 * np.abs(diag).max()


def test_stage_bands_equal_alpha_minus_a_L():
    rng = np.random.default_rng(2)
    drift = rng.normal(scale=5.0, size=(1, 19))
    lower, diag, upper = sg_bands(drift, np.array([0.2]), 0.05)
    sl, sd, su = stage_bands(drift, np.array([0.2]), 0.05, 1.5, 0.01)
    np.testing.assert_allclose(sl, -0.01 * lower, rtol=1e-14)
    np.testing.assert_allclose(su, -0.01 * upper, rtol=1e-14)
    np.testing.assert_allclose(sd, 1.5 - 0.01 * diag, rtol=1e-14)


def test_zero_flux_kernel_is_discrete_gibbs():
    drift = np.linspace(-3, 2, 49)[None, :]
    D, h = np.array([0.4]), 0.1
    lower, diag, upper = sg_bands(drift, D, h)
    p = np.exp(np.concatenate([[0.0], np.cumsum(drift[0] * h / D[0])]))[None, :]
    assert np.max(np.abs(apply_bands(lower, diag, upper, p))) < 1e-12 * np.max(np.abs(diag * p))
