"""RateNetwork and its builders (docs/theory/rates.md)."""
import numpy as np
import pytest

from fokker import RateNetwork, wilson_cowan
from fokker.rates import contrast_gain, crossed_inhibition, random_dale, shared_interneuron, stacked_column


def test_wilson_cowan_contract():
    net = wilson_cowan(w_EE=1.2, w_EI=3.0, w_IE=3.0, w_II=0.5, u_E=1.0, u_I=0.5)
    np.testing.assert_array_equal(net.W, [[1.2, -3.0], [3.0, -0.5]])
    np.testing.assert_array_equal(net.u, [1.0, 0.5])
    assert net.n == 2 and net.n_excitatory == 1 and net.labels == ("E", "I")
    assert not net.W.flags.writeable


def test_rhs_and_activations():
    W = np.array([[0.5, -1.0], [2.0, -0.5]])
    x = np.array([0.3, 0.8])
    relu = RateNetwork(W, [1.0, -3.0])
    z = W @ x + relu.u
    np.testing.assert_allclose(relu.rhs(x), -x + np.maximum(z, 0))
    clipped = RateNetwork(W, [1.0, -3.0], activation="clipped", time_constants=[2.0, 0.5])
    np.testing.assert_allclose(clipped.rhs(x), (-x + np.clip(z, 0, 1)) / [2.0, 0.5])
    soft = RateNetwork(W, [1.0, -3.0], activation=lambda s: 0.5 * (1 + np.tanh(s)))
    np.testing.assert_allclose(soft.dphi(np.array([0.0])), [0.5], rtol=1e-8)
    batch = np.stack([x, 2 * x])
    assert relu.rhs(batch).shape == (2, 2)


def test_dale_violation_names_entry():
    with pytest.raises(ValueError, match=r"W\[1, 0\] = -0.5 < 0 but neuron 0 is excitatory"):
        RateNetwork([[0.1, -1.0], [-0.5, -0.2]], [0, 0], n_excitatory=1)
    with pytest.raises(ValueError, match=r"W\[0, 1\] = 1.0 > 0 but neuron 1 is inhibitory"):
        RateNetwork([[0.1, 1.0], [0.5, -0.2]], [0, 0], n_excitatory=1)
    with pytest.raises(ValueError, match=r"W_IE\[0, 1\] = -2.0 < 0"):
        RateNetwork.excitatory_inhibitory(np.zeros((2, 2)), np.ones((2, 1)), [[1.0, -2.0]], [[0.0]], [1, 1], [0])
    with pytest.raises(ValueError, match="w_II = -0.1"):
        wilson_cowan(1.0, 1.0, 1.0, -0.1, 1.0, 1.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(W=np.ones((2, 3)), u=[0, 0]), "square"),
    (dict(W=np.eye(2), u=[0, 0, 0]), r"u must have shape \(2,\)"),
    (dict(W=[[np.nan, 0], [0, 0]], u=[0, 0]), "finite"),
    (dict(W=np.eye(2), u=[0, 0], activation="tanh"), "activation must be one of"),
    (dict(W=np.eye(2), u=[0, 0], activation=lambda z: 2 * z), "slope in"),
    (dict(W=np.eye(2), u=[0, 0], time_constants=[1.0, 0.0]), "time_constants"),
    (dict(W=np.eye(2), u=[0, 0], n_excitatory=3), "n_excitatory"),
])
def test_validation(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        RateNetwork(**kwargs)


def test_builder_shapes_checked():
    with pytest.raises(ValueError, match="W_EI must have shape"):
        RateNetwork.excitatory_inhibitory(np.zeros((2, 2)), np.ones((3, 1)), np.ones((1, 2)), [[0.0]], [1, 1], [0])


def test_motifs_structure():
    s = shared_interneuron(0.5, 0.7, 0.4, 1.0, 0.9)
    np.testing.assert_array_equal(s.W, [[0.5, 0, -0.7], [0, 0.5, -0.7], [0.4, 0.4, 0]])
    assert contrast_gain(0.5, 0.7, 0.4) == pytest.approx((0.5 + 2 * 0.28) / 0.5)
    c = crossed_inhibition(0.5, 1.0, 2.0, 1.0, 1.0)
    assert c.W[c.index("I1"), c.index("E1")] == 2.0 and c.W[c.index("E2"), c.index("I1")] == -1.0
    assert c.W[c.index("I2"), c.index("E2")] == 2.0 and c.W[c.index("E1"), c.index("I2")] == -1.0
    col = stacked_column(3, 0.5, 0.5, 0.5, 1.0, 0.9, feedforward=2.0)
    assert col.n == 9 and col.n_excitatory == 6
    assert col.W[col.index("E1[2]"), col.index("E1[1]")] == 2.0
    assert col.W[col.index("E2[1]"), col.index("E1[0]")] == 0.0
    assert col.u[col.index("E2[0]")] == 0.9 and col.u[col.index("E1[1]")] == 0.0


def test_scaled_family_and_blocks():
    net = random_dale(10, seed=3)
    g = net.scaled(7.0)
    np.testing.assert_allclose(g.W, 7.0 * net.W)
    np.testing.assert_allclose(g.u, 7.0 * net.u)
    W_EE, W_EI, W_IE, W_II = net.blocks()
    assert min(W_EE.min(), W_EI.min(), W_IE.min(), W_II.min()) >= 0
    assert np.all(np.diag(net.W) == 0)
    with pytest.raises(ValueError, match="gamma"):
        net.scaled(0.0)
