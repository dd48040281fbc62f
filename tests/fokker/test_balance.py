"""Balance points (model.md §3): roots of the net current, all of them, with stability."""
import numpy as np
import pytest

from fokker import Channel, Leak, Network, Population, Sigmoid, presets
from fokker.balance import net_current


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
