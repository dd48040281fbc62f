"""Balance points: roots of the net current, all of them, with stability; continua with electrical coupling."""
import math

import numpy as np
import pytest
from scipy import optimize

from fokker import Channel, Leak, Network, Population, Sigmoid, neutral_classes, presets
from fokker.balance import net_current, net_current_jacobian


def test_ei_single_reference_balance_point():
    (pt,) = presets.ei_single().balance()
    assert abs(pt.voltage[0] - 0.270962) < 1e-6
    assert abs(pt.conductance[0] - 1.175836) < 1e-6
    assert pt.stable
    assert abs(net_current(presets.ei_single(), pt.voltage)[0]) < 1e-10


def test_bistable_finds_all_three_roots_with_stability():
    net = presets.ei_bistable()
    pts = net.balance()
    assert len(pts) == 3
    assert [p.stable for p in pts] == [True, False, True]
    for p in pts:
        assert abs(net_current(net, p.voltage)[0]) < 1e-10
    # independent count: sign changes of the net current on a very fine sample
    xs = np.linspace(-1.0, 1.0, 200001)
    F = np.array([net_current(net, np.array([x]))[0] for x in xs[::100]])
    assert np.count_nonzero(np.diff(np.sign(F))) == 3


def test_single_channel_clamps_at_its_reversal_potential():
    net = Network([Population("E", Leak(), 0.5)],
                  [Channel("exc", 0.7, Sigmoid(1.0, 3.0, 0.0), source="E")], [[2.0]], 10.0)
    (pt,) = net.balance()
    assert abs(pt.voltage[0] - 0.7) < 1e-12 and pt.stable


@pytest.mark.parametrize("make", [presets.ei_pair, presets.driven])
def test_pairs_roots_satisfy_net_current_and_fixed_point(make):
    net = make()
    pts = net.balance()
    assert len(pts) >= 1
    for p in pts:
        assert np.max(np.abs(net_current(net, p.voltage))) < 1e-10
        m = net.activity_at_voltages(p.voltage, 0.0)
        np.testing.assert_allclose(net.balance_voltage(m), p.voltage, atol=1e-10)
        np.testing.assert_allclose(p.conductance, net.conductance(m))


def test_pair_with_three_balance_points():
    """E–I pair made bistable by strong recurrent excitation: several roots, stability by eigenvalues."""
    net = presets.ei_pair(weights=((1.0, 0.2), (1.0, 0.2)), exc=Sigmoid(1.0, 6.0, 0.3),
                          inh=Sigmoid(1.0, 6.0, -0.3))
    pts = net.balance()
    assert len(pts) == 3
    assert sum(p.stable for p in pts) == 2
    for p in pts:
        assert np.max(np.abs(net_current(net, p.voltage))) < 1e-10


def test_no_input_is_an_error():
    net = Network([Population("E", Leak(), 0.5)],
                  [Channel("ext", 1.0, source=None, activity=0.0)], [[1.0]], 1.0)
    with pytest.raises(ValueError, match="no synaptic input"):
        net.balance()


# -- electrical coupling: mixed networks and continua ------------------------------------------------


def _sigmoid(x, s_max, slope, threshold):
    return s_max / (1.0 + np.exp(-slope * (x - threshold)))


def test_chemical_only_points_are_isolated():
    for net in (presets.ei_single(), presets.ei_bistable(), presets.ei_pair(), presets.fhn_chemical(1e3)):
        assert neutral_classes(net) == []
        for p in net.balance():
            assert p.isolated and p.neutral.shape == (net.P, 0)
    (pt,) = presets.fhn_chemical(1e3).balance()
    assert abs(pt.voltage[0] - 0.270962) < 1e-6 and abs(pt.conductance[0] - 1.175836) < 1e-6


def test_mixed_pair_against_an_independent_root_solve():
    """ei_pair weights and sigmoids with gap junctions G_EI = 0.5, G_IE = 0.8, G_EE = 0.3 (self-coupling
    does not enter F), at γ = 1e10 (balance points do not depend on γ): F written out here and solved
    from a lattice of starts."""
    G = np.array([[0.3, 0.5], [0.8, 0.0]])
    net = presets.fhn_pair(1e10, electrical=G)
    J = np.array([[1.0, 1.5], [1.5, 1.0]])

    def F(x):
        S = np.array([_sigmoid(x[0], 1.0, 4.0, 0.0), _sigmoid(x[1], 1.0, 4.0, 0.5)])
        chem = J @ (S * np.array([1.0, -1.0])) - (J @ S) * x
        return chem + np.array([G[0, 1] * (x[1] - x[0]), G[1, 0] * (x[0] - x[1])])

    roots = []
    for x0 in np.stack(np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9)), -1).reshape(-1, 2):
        x, info, ok, _ = optimize.fsolve(F, x0, xtol=1e-14, full_output=True)
        if ok == 1 and np.max(np.abs(F(x))) < 1e-12 and not any(np.allclose(x, r, atol=1e-9) for r in roots):
            roots.append(x)
    pts = net.balance()
    assert len(pts) == len(roots) == 1
    np.testing.assert_allclose(pts[0].voltage, roots[0], atol=1e-10)
    # the fixed-point form x̄ = (Σ J S̄ E + Σ G x̄) / (Σ J S̄ + Σ G), with Ā including the row sums of G
    x = pts[0].voltage
    S = pts[0].activity
    Abar = J @ S + G.sum(axis=1)
    np.testing.assert_allclose(pts[0].conductance, Abar, rtol=1e-14)
    np.testing.assert_allclose((J @ (S * [1.0, -1.0]) + G @ x) / Abar, x, atol=1e-12)
    assert pts[0].isolated and pts[0].stable and pts[0].residual < 1e-12


def test_fhn_pair_default_balance_point():
    (pt,) = presets.fhn_pair(1e3).balance()
    np.testing.assert_allclose(pt.voltage, [0.163573, 0.372470], atol=1e-6)
    np.testing.assert_allclose(pt.conductance, [1.720725, 1.862131], atol=1e-6)
    assert pt.isolated and pt.stable


def test_electrical_only_is_a_line_not_a_point():
    net = presets.fhn_electrical(1e3)
    (pt,) = net.balance()
    assert not pt.isolated and pt.neutral.tolist() == [[1.0]] and pt.voltage.tolist() == [0.0]
    assert pt.eigenvalues.tolist() == [0.0] and pt.conductance.tolist() == [1.0]
    (moved,) = net.balance(near=[-1.2])
    assert moved.voltage.tolist() == [-1.2] and not moved.isolated
    with pytest.raises(ValueError, match="near"):
        net.balance(near=[0.0, 1.0])


def test_electrical_ring_has_the_synchronous_diagonal():
    G = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0], [0.5, 0.0, 0.0]])      # directed cycle: one class
    net = Network([Population(n, Leak(), 0.5) for n in "ABC"], [], [[], [], []], 1e6, electrical=G)
    assert [c.tolist() for c in neutral_classes(net)] == [[0, 1, 2]]
    near = np.array([0.3, -0.1, 0.4])
    (pt,) = net.balance(near=near)
    np.testing.assert_allclose(pt.voltage, np.full(3, near.mean()), atol=1e-15)
    np.testing.assert_allclose(pt.neutral[:, 0], np.ones(3) / math.sqrt(3.0), atol=1e-15)
    assert not pt.isolated and pt.stable                         # the other eigenvalues are < 0
    assert np.sum(np.abs(pt.eigenvalues) < 1e-12) == 1


def test_two_neutral_classes_give_a_plane():
    G = np.zeros((4, 4))
    G[0, 1], G[1, 0], G[2, 3], G[3, 2] = 1.0, 1.0, 2.0, 3.0
    net = Network([Population(n, Leak(), 0.5) for n in "ABCD"], [], np.zeros((4, 0)), 10.0, electrical=G)
    (pt,) = net.balance(near=[1.0, 0.0, -1.0, -2.0])
    np.testing.assert_allclose(pt.voltage, [0.5, 0.5, -1.5, -1.5], atol=1e-15)
    N = pt.neutral
    assert N.shape == (4, 2)
    np.testing.assert_allclose(N.T @ N, np.eye(2), atol=1e-14)
    np.testing.assert_allclose(net_current_jacobian(net, pt.voltage) @ N, 0.0, atol=1e-14)
    for s in np.random.default_rng(3).normal(size=(5, 2)):        # F vanishes on the whole plane
        assert np.max(np.abs(net_current(net, pt.voltage + N @ s))) < 1e-13


def test_mixed_network_with_a_neutral_class_is_a_curve():
    """A is driven (E = 1, a = 0.5, J = 2) and listens to B; B is coupled only to itself: x_B = c is free
    and x_A = (1 + c)/2. When B also listens to A, every point is pinned again."""
    pops = [Population("A", Leak(), 0.5), Population("B", Leak(), 0.5)]
    drive = [Channel("ext", 1.0, source=None, activity=0.5)]
    net = Network(pops, drive, [[2.0], [0.0]], 1e4, electrical=[[0.0, 1.0], [0.0, 1.0]])
    assert [c.tolist() for c in neutral_classes(net)] == [[1]]
    (pt,) = net.balance(near=[0.0, 0.4])
    np.testing.assert_allclose(pt.voltage, [0.7, 0.4], atol=1e-12)
    np.testing.assert_allclose(pt.neutral[:, 0], np.array([0.5, 1.0]) / math.sqrt(1.25), atol=1e-12)
    assert not pt.isolated and pt.stable and pt.residual < 1e-12
    pinned = Network(pops, drive, [[2.0], [0.0]], 1e4, electrical=[[0.0, 1.0], [1.0, 0.0]])
    (pt,) = pinned.balance()
    assert pt.isolated and pt.stable
    np.testing.assert_allclose(pt.voltage, [1.0, 1.0], atol=1e-10)           # both clamp at E = 1


def test_no_input_at_all_is_still_an_error_with_electrical_coupling():
    pops = [Population("A", Leak(), 0.5), Population("B", Leak(), 0.5)]
    net = Network(pops, [Channel("ext", 1.0, source=None, activity=0.0)], [[1.0], [0.0]], 1.0,
                  electrical=[[0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="no synaptic input"):
        net.balance()
