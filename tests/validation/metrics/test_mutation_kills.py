"""Exact small cases of the sample metrics (each pins a defect the rest of the suite let through)."""
import numpy as np

from fokker import Grid
from validation.metrics import ks_distance, moments


def test_variance_is_the_unbiased_sample_variance():
    """Three samples 0, 1, 2: mean 1, unbiased variance 1 (the biased one would be 2/3)."""
    m = moments(np.array([0.0, 1.0, 2.0]))
    assert m.mean == 1.0 and m.var == 1.0 and m.std == 1.0
    assert np.isclose(m.mean_se, np.sqrt(1.0 / 3.0), rtol=1e-15)


def test_ks_distance_is_two_sided():
    """Uniform density on [0, 1] and one sample at 0.9: G jumps to 1 at 0.9 where F = 0.9, so the
    supremum 0.9 is attained just below the sample (F − G), not above it (G − F = 0.1)."""
    grid = Grid(0.0, 1.0, 1000)
    assert np.isclose(ks_distance(grid, np.ones(1000), [0.9]), 0.9, atol=1e-12)
    assert np.isclose(ks_distance(grid, np.ones(1000), [0.1]), 0.9, atol=1e-12)
