"""Tests of validation/metrics.py against scipy and closed forms."""
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

from fokker import Grid
from validation.metrics import (ks_distance, ks_distance_samples, l1_density_histogram, moments,
                                wasserstein1, wasserstein1_samples)


def _quantiles(mean, std, n):
    """Deterministic 'samples' of N(mean, std²): the (i − ½)/n quantiles."""
    return mean + std * ndtri((np.arange(n) + 0.5) / n)


@pytest.mark.parametrize("na, nb, seed", [(1, 1, 0), (5, 3, 1), (1000, 777, 2), (20_000, 20_000, 3)])
def test_w1_and_ks_between_samples_match_scipy(na, nb, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.0, 1.0, na), rng.standard_t(3, nb) + 0.2
    assert wasserstein1_samples(a, b) == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-12, abs=1e-15)
    assert ks_distance_samples(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, rel=1e-12)


def test_w1_two_gaussians_closed_form():
    """W1(N(m1, s²), N(m2, s²)) = |m1 − m2|: sample-sample exactly, grid-sample to O(h² + 1/n)."""
    a, b = _quantiles(0.1, 0.3, 100_000), _quantiles(0.45, 0.3, 100_000)
    assert wasserstein1_samples(a, b) == pytest.approx(0.35, rel=1e-12)
    grid = Grid(-2.0, 2.5, 4500)
    w = wasserstein1(grid, grid.gaussian(0.1, 0.3), b)
    assert w == pytest.approx(0.35, abs=2e-5)
    # same law: W1 is only the discretisation (quantile samples vs cell averages), tiny
    assert wasserstein1(grid, grid.gaussian(0.45, 0.3), b) < 2e-5


def test_w1_grid_exact_small_cases():
    grid = Grid(0.0, 1.0, 4)
    uniform = np.ones(4)
    # uniform on [0, 1] vs a point mass at 1/2: ∫|x − 1/2| dx = 1/4
    assert wasserstein1(grid, uniform, [0.5]) == pytest.approx(0.25, rel=1e-14)
    # vs a point mass at 3 (outside the grid): mean distance 2.5
    assert wasserstein1(grid, uniform, [3.0]) == pytest.approx(2.5, rel=1e-14)
    # mass normalisation: the density is rescaled to mass 1
    assert wasserstein1(grid, 7 * uniform, [0.5]) == pytest.approx(0.25, rel=1e-14)
    # a density on one cell [0.25, 0.5] vs the point 0.25: mean of U(0, 0.25) = 0.125
    assert wasserstein1(grid, [0.0, 4.0, 0.0, 0.0], [0.25]) == pytest.approx(0.125, rel=1e-14)
    assert ks_distance(grid, uniform, [0.5]) == pytest.approx(0.5)
    assert ks_distance(grid, uniform, [0.125, 0.375, 0.625, 0.875]) == pytest.approx(0.125)


def test_w1_grid_against_scipy_quadrature():
    """Against scipy on many samples of the piecewise-constant law itself: the rest is sampling error."""
    grid = Grid(-1.0, 2.0, 60)
    p = np.exp(-((grid.centers - 0.4) ** 2) / 0.2) * (1 + 0.5 * np.sin(5 * grid.centers))
    samples = np.random.default_rng(5).normal(0.5, 0.4, 3000)
    # reference: integrate |F − G| on a very fine mesh with the exact piecewise-linear F
    fine = np.linspace(-3.0, 4.0, 2_000_001)
    F = np.interp(fine, grid.faces, grid.cdf(p) / grid.cdf(p)[-1], left=0, right=1)
    G = np.searchsorted(np.sort(samples), fine, side="right") / samples.size
    ref = np.trapezoid(np.abs(F - G), fine)
    assert wasserstein1(grid, p, samples) == pytest.approx(ref, rel=1e-5)


def test_l1_density_histogram():
    grid = Grid(0.0, 1.0, 4)
    assert l1_density_histogram(grid, np.ones(4), [0.125, 0.375, 0.625, 0.875]) == pytest.approx(0.0)
    assert l1_density_histogram(grid, np.ones(4), [0.1, 0.2, 0.3, 1.0]) == pytest.approx(0.5)
    assert l1_density_histogram(grid, np.ones(4), [5.0, 6.0]) == pytest.approx(2.0)


def test_moments_standard_errors():
    """Over 400 replicas the spread of the estimates matches the reported standard errors (±15%)."""
    rng = np.random.default_rng(11)
    reps = [moments(rng.normal(1.0, 2.0, 2000)) for _ in range(400)]
    for field in ("mean", "var", "std"):
        values = np.array([getattr(m, field) for m in reps])
        se = np.mean([getattr(m, field + "_se") for m in reps])
        assert np.std(values) == pytest.approx(se, rel=0.15)
    m = reps[0]
    assert m.mean_se == pytest.approx(2.0 / math.sqrt(2000), rel=0.05)
    assert m.var_se == pytest.approx(4.0 * math.sqrt(2 / 2000), rel=0.1)


@pytest.mark.parametrize("call", [
    lambda: wasserstein1(Grid(0, 1, 4), np.ones(3), [0.5]),
    lambda: wasserstein1(Grid(0, 1, 4), np.ones(4), []),
    lambda: wasserstein1(Grid(0, 1, 4), np.zeros(4), [0.5]),
    lambda: wasserstein1(Grid(0, 1, 4), -np.ones(4), [0.5]),
    lambda: wasserstein1(Grid(0, 1, 4), np.ones(4), [np.nan]),
    lambda: wasserstein1_samples([[1.0]], [1.0]),
    lambda: moments([1.0]),
])
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


def test_grid_type_checked():
    with pytest.raises(TypeError):
        wasserstein1((0, 1, 4), np.ones(4), [0.5])
