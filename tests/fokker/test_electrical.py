"""Electrical (gap-junction) coupling in the network: conductance, reversal current, drift and structure."""
import math

import numpy as np
import pytest

from fokker import Channel, FitzHughNagumo, Leak, Network, Population, Sigmoid, presets
from fokker.balance import net_current, net_current_jacobian

RNG = np.random.default_rng(7)


def mixed(gamma=10.0, electrical=None, intrinsic=None):
    """Three populations, an internal channel from each of two and an external drive."""
    f = intrinsic or Leak(1.0, -0.5)
    pops = [Population(n, intrinsic=f, sigma=0.4) for n in ("A", "B", "C")]
    chans = [Channel("exc", 1.0, Sigmoid(1.0, 4.0, 0.0), source="A"),
             Channel("inh", -1.0, Sigmoid(1.0, 3.0, 0.2), source="B"),
             Channel("ext", 0.5, source=None, activity=0.3)]
    weights = [[1.0, 0.5, 0.2], [0.8, 1.2, 0.0], [0.0, 0.7, 0.4]]
    G = [[0.3, 0.6, 0.0], [0.2, 0.0, 0.9], [0.0, 0.4, 0.1]] if electrical is None else electrical
    return Network(pops, chans, weights, gamma, electrical=G)


def test_conductance_and_reversal_current_against_explicit_sums():
    net = mixed()
    J, G, E = net.weights, net.electrical, net.reversal
    m = RNG.random((5, 3))
    means = RNG.normal(size=(5, 3))
    A = net.conductance(m)
    B = net.reversal_current(m, means)
    assert A.shape == B.shape == (5, 3)
    for n in range(5):
        for a in range(3):
            A_ref = sum(J[a, k] * m[n, k] for k in range(3)) + sum(G[a, b] for b in range(3))
            B_ref = (sum(J[a, k] * m[n, k] * E[k] for k in range(3))
                     + sum(G[a, b] * means[n, b] for b in range(3)))
            assert A[n, a] == pytest.approx(A_ref, abs=1e-14)
            assert B[n, a] == pytest.approx(B_ref, abs=1e-14)
    np.testing.assert_allclose(net.balance_voltage(m, means), B / A, rtol=1e-15)
    np.testing.assert_array_equal(net.coupling(m, means)[1], B)
    np.testing.assert_allclose(net.electrical_current(means), means @ G.T, rtol=1e-15)
    np.testing.assert_array_equal(net.electrical_row_sums, G.sum(axis=1))


def test_networks_without_electrical_are_unchanged():
    net = presets.ei_pair(10.0)
    m = RNG.random((4, 2))
    assert not net.has_electrical and net.electrical.shape == (2, 2) and not net.electrical.any()
    np.testing.assert_array_equal(net.conductance(m), m @ net.weights.T)
    np.testing.assert_array_equal(net.reversal_current(m), (m * net.reversal) @ net.weights.T)
    np.testing.assert_array_equal(net.reversal_current(m, np.ones(2)), net.reversal_current(m))
    zero = Network(net.populations, net.channels, net.weights, 10.0, electrical=np.zeros((2, 2)))
    assert not zero.has_electrical
    np.testing.assert_array_equal(zero.conductance(m), net.conductance(m))


def test_mean_voltages_are_required_with_electrical_coupling():
    net = mixed()
    m = np.full(3, 0.5)
    for call in (lambda: net.reversal_current(m), lambda: net.balance_voltage(m),
                 lambda: net.drift(0, np.zeros(4), m)):
        with pytest.raises(ValueError, match="means"):
            call()
    with pytest.raises(ValueError, match="means must have shape"):
        net.reversal_current(m, np.zeros(2))


@pytest.mark.parametrize("gamma", [1.0, 1e4, 1e10])
def test_drift_combines_chemical_and_electrical_terms(gamma):
    net = mixed(gamma)
    x = np.linspace(-1.0, 1.0, 9)
    m, means = np.array([0.4, 0.7, 0.3]), np.array([0.1, -0.2, 0.3])
    for a in range(3):
        chem = sum(net.weights[a, k] * m[k] * (net.reversal[k] - x) for k in range(3))
        elec = sum(net.electrical[a, b] * (means[b] - x) for b in range(3))
        ref = -1.0 * (x + 0.5) + gamma * (chem + elec)
        np.testing.assert_allclose(net.drift(a, x, m, means), ref, rtol=1e-13, atol=1e-13 * gamma)


def test_drift_of_a_two_variable_population_needs_w():
    fhn = FitzHughNagumo(current=0.5)
    net = Network([Population("E", fhn, 0.3)], [], [[]], 100.0, electrical=[[2.0]])
    x = np.linspace(-2.0, 2.0, 5)[:, None]
    w = np.array([-0.5, 0.5])[None, :]
    v = net.drift(0, x, np.zeros(0), np.array([0.25]), w=w)
    np.testing.assert_allclose(v, fhn.f(x, w) + 100.0 * 2.0 * (0.25 - x), rtol=1e-14)
    with pytest.raises(ValueError, match="recovery variable w"):
        net.drift(0, x, np.zeros(0), np.array([0.25]))


def test_structure_variables_and_with_gamma():
    net = mixed(intrinsic=FitzHughNagumo())
    assert net.variables == 2 and net.has_electrical
    copy = net.with_gamma(1e8)
    assert copy.gamma == 1e8
    np.testing.assert_array_equal(copy.electrical, net.electrical)
    with pytest.raises(ValueError):
        net.electrical[0, 0] = 1.0                      # read-only
    assert mixed().variables == 1
    assert "electrical" in repr(net) and "electrical" not in repr(presets.ei_single())


@pytest.mark.parametrize("weights", [[[]], np.zeros((1, 0)), []])
def test_electrical_only_network_has_no_channels(weights):
    net = Network([Population("E", Leak(), 0.5)], [], weights, 10.0, electrical=[[1.5]])
    assert net.K == 0 and net.weights.shape == (1, 0)
    assert net.conductance(np.zeros(0))[0] == 1.5
    assert net.reversal_current(np.zeros(0), np.array([0.2]))[0] == pytest.approx(0.3)


def test_net_current_jacobian_against_finite_differences():
    net = mixed()
    x = np.array([0.1, -0.3, 0.4])
    h = 1e-6
    fd = np.column_stack([(net_current(net, x + h * e) - net_current(net, x - h * e)) / (2 * h)
                          for e in np.eye(3)])
    np.testing.assert_allclose(net_current_jacobian(net, x), fd, rtol=0, atol=1e-8)
    # the electrical part is G − diag(G·1) (the chemical part is unaffected by G)
    diff = net_current_jacobian(net, x) - net_current_jacobian(mixed(electrical=np.zeros((3, 3))), x)
    G = net.electrical
    np.testing.assert_allclose(diff, G - np.diag(G.sum(axis=1)), atol=1e-15)


def test_electrical_presets():
    fe = presets.fhn_electrical(1e3)
    assert fe.K == 0 and fe.electrical.tolist() == [[1.0]] and fe.variables == 2
    assert fe.populations[0].intrinsic == FitzHughNagumo(current=0.5) and fe.sigma[0] == 0.3
    assert presets.fhn_electrical(1e3, current=0.0).populations[0].intrinsic.current == 0.0
    fp = presets.fhn_pair(1e3, sigma_w=0.1)
    assert fp.electrical.tolist() == [[0.0, 0.5], [0.5, 0.0]] and fp.sigma_w.tolist() == [0.1, 0.1]
    fc = presets.fhn_chemical(1e3)
    np.testing.assert_array_equal(fc.weights, presets.ei_single().weights)
    for name in ("fhn_electrical", "fhn_chemical", "fhn_pair"):
        assert presets.PRESETS[name](1e3).variables == 2
    with pytest.raises(ValueError, match="either intrinsic or current"):
        presets.fhn_electrical(1.0, intrinsic=FitzHughNagumo(), current=0.1)
    assert math.isinf(presets.fhn_pair(math.inf).gamma)
