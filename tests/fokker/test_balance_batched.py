"""The batched Levenberg–Marquardt root search of balance points (P > 1) against the reference method it
replaced: scipy's hybrid Powell solver (``optimize.root``, method "hybr", analytic Jacobian) from the same
lattice of starts, on the presets and on random networks (chemical, electrical and mixed coupling)."""
import numpy as np
import pytest
from scipy import optimize

from fokker import Channel, Leak, Network, Population, Sigmoid, presets
from fokker.balance import (RESIDUAL_TOL, _bracket, balance_map_jacobian, balance_points,
                            net_current, neutral_classes)


def hybr_roots(net, t: float = 0.0, max_starts: int = 512) -> list[np.ndarray]:
    """Deduplicated roots of x*(x) − x found by hybr from the lattice of starts (networks without neutral
    classes)."""
    lo, hi = _bracket(net, t)
    P = net.P
    per_dim = max(2, int(np.floor(max_starts ** (1.0 / P))))
    if per_dim**P <= max_starts:
        axes = [np.linspace(lo[a], hi[a], per_dim) for a in range(P)]
        starts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, P)
    else:
        starts = lo + (hi - lo) * np.random.default_rng(0).random((max_starts, P))
    gap = lambda x: net.balance_voltage(net.activity_at_voltages(x, t), x) - x
    jac = lambda x: balance_map_jacobian(net, x, t) - np.eye(P)
    slack = 1e-9 * (1.0 + np.abs(hi - lo))
    found: list[np.ndarray] = []
    for x0 in starts:
        x = optimize.root(gap, x0, jac=jac, method="hybr", options={"xtol": 1e-14}).x
        if (np.all(np.isfinite(x)) and np.all(x >= lo - slack) and np.all(x <= hi + slack)
                and np.max(np.abs(net_current(net, x, t))) <= RESIDUAL_TOL
                and not any(np.max(np.abs(x - u)) < 1e-8 * (1.0 + np.max(np.abs(u))) for u in found)):
            found.append(x)
    return sorted(found, key=tuple)


def random_network(seed: int, P: int, electrical: bool) -> Network:
    """P populations, each the source of one steep sigmoid channel (mostly excitatory, E = ±1) with
    strong self-coupling (several balance points are common), an external channel of constant
    activity, and optionally random gap junctions."""
    rng = np.random.default_rng(seed)
    pops = [Population(f"p{a}", Leak(1.0, -0.5), 0.5) for a in range(P)]
    channels = [Channel(f"c{a}", 1.0 if a == 0 or rng.random() < 0.6 else -1.0,
                        Sigmoid(1.0, float(rng.uniform(6.0, 15.0)), float(rng.uniform(-0.3, 0.3))), source=f"p{a}")
                for a in range(P)]
    channels.append(Channel("ext", -1.0, source=None, activity=float(rng.uniform(0.3, 1.0))))
    weights = np.zeros((P, P + 1))
    weights[:, :P] = rng.uniform(0.0, 0.5, (P, P))
    weights[np.arange(P), np.arange(P)] = rng.uniform(1.0, 3.0, P)
    weights[:, P] = rng.uniform(0.5, 1.5, P)
    G = None
    if electrical:
        G = rng.uniform(0.0, 0.3, (P, P)) * (rng.random((P, P)) < 0.6)
        G[np.arange(P), (np.arange(P) + 1) % P] += 0.1
    return Network(pops, channels, weights, gamma=10.0, electrical=G)


NETWORKS = ([("ei_pair", presets.ei_pair()), ("driven", presets.driven()),
             ("bistable pair", presets.ei_pair(weights=((1.0, 0.2), (1.0, 0.2)), exc=Sigmoid(1.0, 6.0, 0.3),
                                               inh=Sigmoid(1.0, 6.0, -0.3))),
             ("fhn_pair", presets.fhn_pair(1e3)),
             ("mixed fhn_pair", presets.fhn_pair(1e3, electrical=[[0.3, 0.5], [0.8, 0.0]]))]
            + [(f"random chemical P={P} seed={s}", random_network(s, P, False)) for P in (2, 3) for s in range(6)]
            + [(f"random mixed P={P} seed={s}", random_network(100 + s, P, True)) for P in (2, 3) for s in range(4)]
            + [("random chemical P=10 (quasi-random starts)", random_network(7, 10, False))])


LATTICE = [(name, net) for name, net in NETWORKS if net.P <= 3]


@pytest.mark.parametrize("name,net", LATTICE, ids=[n for n, _ in LATTICE])
def test_batched_roots_include_every_hybr_root(name, net):
    """Every root hybr finds from the lattice is found (to 1e-9: both satisfy |F| ≤ 1e-10 and ∂F/∂x is
    O(1)); any further root found is a root too."""
    assert neutral_classes(net) == []
    got = [p.voltage for p in balance_points(net)]
    for ref in hybr_roots(net):
        assert any(np.max(np.abs(x - ref)) < 1e-9 for x in got), (name, ref)
    for x in got:
        assert np.max(np.abs(net_current(net, x))) <= RESIDUAL_TOL


def test_quasi_random_starts_find_as_many_roots_as_hybr():
    """P = 10 (512 quasi-random starts in the box): neither method finds every root from so few starts;
    the batched search finds at least as many, each a root."""
    net = NETWORKS[-1][1]
    got = [p.voltage for p in balance_points(net)]
    assert len(got) >= len(hybr_roots(net))
    assert all(np.max(np.abs(net_current(net, x))) <= RESIDUAL_TOL for x in got)


def test_random_networks_include_several_roots():
    """The random set is not trivial: some networks have many balance points."""
    counts = [len(balance_points(net)) for name, net in NETWORKS if name.startswith("random")]
    assert max(counts) >= 9


@pytest.mark.parametrize("plain", [False, True], ids=["sigmoids", "plain callables"])
def test_activities_and_slopes_of_a_batch_are_those_of_each_row(plain):
    """activity_at_voltages, slope_at_voltages and activity_and_slope_at_voltages on voltages (N, P) equal
    the one-row calls bit for bit (the vectorised Sigmoid path and the loop over plain callables); and
    activation_derivative is S' on a sample."""
    net = random_network(3, 3, True)
    if plain:                                         # the same sigmoids, as plain callables
        net = Network(net.populations, [Channel(ch.name, ch.reversal, (lambda x, s=ch.activation: s(x))
                                                if not ch.is_external else None, source=ch.source,
                                                activity=ch.activity) for ch in net.channels],
                      net.weights, gamma=net.gamma, electrical=net.electrical)
    x = np.random.default_rng(1).uniform(-1.0, 1.0, (5, net.P))
    m, slope = net.activity_and_slope_at_voltages(x, 0.0)
    np.testing.assert_array_equal(m, [net.activity_at_voltages(row, 0.0) for row in x])
    np.testing.assert_array_equal(slope, [net.slope_at_voltages(row) for row in x])
    np.testing.assert_array_equal(m, net.activity_at_voltages(x, 0.0))
    np.testing.assert_array_equal(slope, net.slope_at_voltages(x))
    if not plain:
        sample = np.linspace(-1.0, 1.0, 7)
        expected = np.zeros((net.K, sample.size))
        for k, ch in enumerate(net.channels):
            if not ch.is_external:
                expected[k] = ch.activation.derivative(sample)
        np.testing.assert_array_equal(net.activation_derivative(sample), expected)
