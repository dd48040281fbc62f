"""Regression tests pinning model formulas that the rest of the suite leaves free (found by
``tools/mutation.py``)."""
import numpy as np

from fokker import presets
from fokker.balance import fast_growth_rate, net_current_jacobian


def test_fast_growth_rate_is_the_largest_real_part_of_the_2x2_jacobian():
    """For P = 2 the eigenvalues of J are tr/2 ± √((tr/2)² − det): the growth rate is
    tr/2 + Re √((tr/2)² − det), at every state (the eigensolver's order must not matter)."""
    net = presets.ei_pair(1.0)
    rng = np.random.default_rng(0)
    for x in rng.uniform(-2.0, 2.0, size=(200, 2)):
        jac = net_current_jacobian(net, x)
        half_trace = 0.5 * np.trace(jac)
        largest = half_trace + np.sqrt(complex(half_trace**2 - np.linalg.det(jac))).real
        scale = np.abs(jac).max()
        assert abs(fast_growth_rate(net, x) - largest) <= 1e-12 * scale, x
