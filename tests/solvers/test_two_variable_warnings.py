"""Under-resolution warnings of the two-variable solver, per variable, with electrical coupling.

The voltage width is σ/√(2γ(A + G)): gap junctions pin the density as chemical conductance does,
so a grid that resolves the chemical width alone can be far too coarse."""
import warnings

import pytest

from fokker import Channel, FitzHughNagumo, Network, Population, Sigmoid
from solvers import ResolutionWarning, solve

from .test_two_variable import initial, make_grid


def network(gamma: float, J: float, G: float | None) -> Network:
    fhn = FitzHughNagumo(a=0.7, b=0.8, c=1.0, current=0.2, cubic=0.0)
    pop = Population("E", fhn, sigma=0.5, sigma_w=0.3)
    return Network([pop], [Channel("exc", 0.5, Sigmoid(2.0, 0.0, 0.0), source="E")], [[J]], gamma,
                   electrical=None if G is None else [[G]])


def run(net, grid):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solve(net, grid, initial(grid), t_span=(0.0, 0.02), dt=0.01, method="euler", t_eval=[0.0, 0.02])
    return [str(w.message) for w in caught if issubclass(w.category, ResolutionWarning)]


def test_gap_junctions_enter_the_voltage_width():
    grid = make_grid(200, 100)            # h_x = 0.032; h_w = 0.04: σ_w(0) = 0.3 spans 7.5 cells, only x can warn
    assert run(network(1e4, 1e-4, None), grid) == []                 # γA = 1: width 0.35, 11 cells
    messages = run(network(1e4, 1e-4, 1.0), grid)                     # γ(A + G) ≈ 1e4: width 3.5e-3
    assert len(messages) == 1 and "σ/√(2γA) = 3.535e-03" in messages[0] and "recovery" not in messages[0]


def test_each_variable_warns_once():
    messages = run(network(1e4, 1e-4, 1.0), make_grid(200, 8))     # both unresolved
    assert len(messages) == 2
    assert sum("σ/√(2γA)" in m for m in messages) == 1
    assert sum("recovery variable's standard deviation" in m for m in messages) == 1


@pytest.mark.parametrize("G", [0.5, 2.0])
def test_the_width_uses_the_sum_of_both_conductances(G):
    """γA_chem = 1, γG = 1e4·G: the reported width is σ/√(2γ(A + G)) to the digits printed."""
    gamma, J = 1e4, 1e-4
    expected = 0.5 / (2.0 * gamma * (J + G)) ** 0.5
    messages = run(network(gamma, J, G), make_grid(200, 100))
    assert len(messages) == 1 and f"{expected:.3e}" in messages[0]
