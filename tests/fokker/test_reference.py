"""Independent references for the model layer: A, B, x*, activities and balance points.

Every expectation here is computed from the raw parameters the test itself writes
down (weight rows, reversal potentials, activation callables, external activities),
with explicit loops over channels — never with ``Network.conductance``,
``reversal_current``, ``balance_voltage`` or any other derived quantity of the
library, so a defect in those is not hidden by a check that shares their code.

The balance points of the presets are compared with stored values computed once by
the independent script ``tests/reference/balance_points.py`` (numpy and scipy only,
the presets' numbers retyped, its own sigmoid and its own all-roots method). The
numbers below are its output, generated with

    python tests/reference/balance_points.py
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from fokker import Channel, Grid, Leak, Network, Population, Sigmoid, presets
from solvers import solve, solve_desingularised

# -- output of `python tests/reference/balance_points.py` (voltage, conductance, stable) -------------
REFERENCE = {
    ('ei_single', 0.0): [((0.270962404831,), (1.175836191045,), True)],
    ('ei_bistable', 0.0): [((-0.7455450420964,), (0.01479633291494,), True), ((0.0847642840891,), (0.3975306451484,), False), ((0.6303972203229,), (1.078185101688,), True)],
    ('ei_pair', 0.0): [((-0.07021950932899, 0.3231226103447), (0.9254625817375, 0.9755071600523), True)],
    ('driven', 0.0): [((0.2668330497917, 0.4799921272822), (1.964093442475, 1.846136664069), True)],
    ('driven', 0.125): [((0.3194472771607, 0.5016364535806), (2.211304565697, 2.013134593577), True)],
    ('driven', 0.25): [((0.338101787487, 0.5093379930043), (2.308528250355, 2.07612124118), True)],
    ('driven', 0.5): [((0.2668330497917, 0.4799921272822), (1.964093442475, 1.846136664069), True)],
    ('driven', 0.75): [((0.1616131348276, 0.4356820521006), (1.560262326023, 1.545350388884), True)],
}
# The script prints 13 significant digits and refines roots to 1e-15: 1e-10 is far above both.
REF_TOL = 1e-10


@pytest.mark.parametrize("name,t", list(REFERENCE), ids=[f"{n}-t{t}" for n, t in REFERENCE])
def test_preset_balance_points_equal_the_independent_reference(name, t):
    points = presets.PRESETS[name](1.0).balance(t)
    expected = REFERENCE[(name, t)]
    assert len(points) == len(expected)
    for point, (voltage, conductance, stable) in zip(points, expected):
        np.testing.assert_allclose(point.voltage, voltage, rtol=0, atol=REF_TOL)
        np.testing.assert_allclose(point.conductance, conductance, rtol=0, atol=REF_TOL)
        assert point.stable is stable


@pytest.mark.parametrize("name", ["ei_single", "ei_bistable", "ei_pair"])
@pytest.mark.parametrize("t", [0.3, 2.75])
def test_undriven_presets_have_time_independent_balance_points(name, t):
    got = np.array([p.voltage for p in presets.PRESETS[name](1.0).balance(t)])
    np.testing.assert_allclose(got, [v for v, _, _ in REFERENCE[(name, 0.0)]], rtol=0, atol=REF_TOL)


def test_constant_drive_relaxes_to_the_reference_balance_point_in_the_limit_solver():
    """γ = ∞ with the drive held at a(0) = 0.5: μ → x̄ and std_y → σ/√(2Ā) of the stored reference.

    The limit equation uses the conductance including the external channel for both the centre and
    the width, so an external channel lost from A shows up here through the solver's public result."""
    (voltage, conductance, _), = REFERENCE[("driven", 0.0)]
    net = presets.driven(math.inf, drive=0.5)
    y = Grid(-4.0, 4.0, 400)
    ds = solve_desingularised(net, y, np.stack([y.gaussian(0.0, 0.4)] * 2), [0.0, 0.0],
                              t_span=(0.0, 40.0), dt=0.1, t_eval=[40.0])
    np.testing.assert_allclose(ds.mu[-1], voltage, atol=1e-8)
    np.testing.assert_allclose(ds.std_y()[-1], 0.5 / np.sqrt(2.0 * np.asarray(conductance)), rtol=1e-7)


# -- raw networks: the parameters as plain lists, and the network built from them -------------------
@dataclass
class Raw:
    """The raw description of a network: per channel (reversal, source index or None, S or a)."""

    names: list[str]
    sigmas: list[float]
    leaks: list[tuple[float, float]]          # (rate, rest)
    reversal: list[float]
    source: list[int | None]
    function: list                            # S_k(x) for internal, a_k (number or callable) for external
    weights: list[list[float]]
    gamma: float

    def network(self) -> Network:
        pops = [Population(n, Leak(r, e), s) for n, s, (r, e) in zip(self.names, self.sigmas, self.leaks)]
        chans = [Channel(f"c{k}", E, f, source=self.names[s]) if s is not None
                 else Channel(f"c{k}", E, source=None, activity=f)
                 for k, (E, s, f) in enumerate(zip(self.reversal, self.source, self.function))]
        return Network(pops, chans, self.weights, self.gamma)

    # explicit sums and loops over the raw parameters
    def external(self, k: int, t: float) -> float:
        a = self.function[k]
        return float(a(t)) if callable(a) else float(a)

    def activity_at_voltages(self, x, t: float) -> list[float]:
        return [self.external(k, t) if s is None else float(self.function[k](x[s]))
                for k, s in enumerate(self.source)]

    def activity_from_samples(self, X, t: float) -> list[float]:
        out = []
        for k, s in enumerate(self.source):
            if s is None:
                out.append(self.external(k, t))
            else:
                out.append(sum(float(self.function[k](xj)) for xj in X[s]) / len(X[s]))
        return out

    def activity_from_density(self, centers, width: float, p, t: float) -> list[float]:
        out = []
        for k, s in enumerate(self.source):
            if s is None:
                out.append(self.external(k, t))
            else:
                out.append(sum(float(self.function[k](xi)) * pi * width for xi, pi in zip(centers, p[s])))
        return out

    def conductance(self, m) -> list[float]:
        return [sum(row[k] * m[k] for k in range(len(m))) for row in self.weights]

    def reversal_current(self, m) -> list[float]:
        return [sum(row[k] * m[k] * self.reversal[k] for k in range(len(m))) for row in self.weights]

    def net_current(self, x, t: float) -> list[float]:
        m = self.activity_at_voltages(x, t)
        return [sum(row[k] * m[k] * (self.reversal[k] - x[a]) for k in range(len(m)))
                for a, row in enumerate(self.weights)]


def bump(x):
    """A callable activation (not a Sigmoid): 0.6 + 0.4 tanh(2x) > 0."""
    return 0.6 + 0.4 * np.tanh(2.0 * np.asarray(x, dtype=float))


def drive(t):
    return 0.4 + 0.3 * math.sin(3.0 * t)


RAWS = {
    # P = 1: sigmoid, constant activation, callable activation, constant and callable external drive
    "P1": Raw(["E"], [0.5], [(1.0, -0.5)], [1.0, -1.0, 0.5, 0.8, -0.7], [0, 0, 0, None, None],
              [Sigmoid(1.0, 4.0, 0.0), Sigmoid(0.8, 0.0, 0.3), bump, 0.3, drive],
              [[1.0, 1.5, 0.7, 0.4, 0.9]], 7.0),
    # P = 2 (Dale's law) with a callable drive and a zero weight
    "P2": Raw(["E", "I"], [0.5, 0.7], [(1.0, -0.5), (0.5, 0.1)], [1.0, -1.0, 0.9], [0, 1, None],
              [Sigmoid(1.0, 4.0, 0.0), Sigmoid(1.2, 3.0, 0.5), drive],
              [[1.0, 1.5, 1.0], [1.5, 1.0, 0.0]], 3.0),
    # P = 3: every population emits, constant activation from the third, constant and callable drives
    "P3": Raw(["A", "B", "C"], [0.4, 0.5, 0.6], [(1.0, 0.0), (2.0, -0.3), (0.0, 0.0)],
              [1.0, -1.0, 0.2, 0.6, -0.4], [0, 1, 2, None, None],
              [Sigmoid(1.0, 3.0, 0.1), bump, Sigmoid(0.5, 0.0, 0.0), 0.25, presets.step(0.1, 0.6, 0.5)],
              [[1.0, 0.5, 0.2, 0.3, 0.0], [0.8, 1.2, 0.0, 0.0, 0.7], [0.0, 0.9, 0.4, 0.5, 0.5]], 5.0),
}
TIMES = [0.0, 0.3, 1.7]


@pytest.fixture(params=list(RAWS))
def raw(request) -> Raw:
    return RAWS[request.param]


def test_conductance_reversal_current_and_balance_voltage_are_the_explicit_sums(raw):
    net = raw.network()
    rng = np.random.default_rng(1)
    for m in rng.uniform(0.05, 2.0, size=(5, len(raw.reversal))):
        A, B = raw.conductance(m), raw.reversal_current(m)
        np.testing.assert_allclose(net.conductance(m), A, rtol=1e-14)
        np.testing.assert_allclose(net.reversal_current(m), B, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(net.balance_voltage(m), np.array(B) / np.array(A), rtol=1e-13, atol=1e-15)


def test_drift_is_leak_plus_gamma_times_the_synaptic_current(raw):
    net = raw.network()
    m = np.linspace(0.2, 1.1, len(raw.reversal))
    x = np.linspace(-2.0, 2.0, 9)
    for a, (rate, rest) in enumerate(raw.leaks):
        expected = [-rate * (xi - rest) + raw.gamma * sum(raw.weights[a][k] * m[k] * (raw.reversal[k] - xi)
                                                           for k in range(len(m))) for xi in x]
        np.testing.assert_allclose(net.drift(a, x, m), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("t", TIMES)
def test_activities_at_voltages_and_from_samples_are_the_explicit_loops(raw, t):
    net = raw.network()
    rng = np.random.default_rng(2)
    x = rng.uniform(-1.0, 1.0, len(raw.names))
    np.testing.assert_allclose(net.activity_at_voltages(x, t), raw.activity_at_voltages(x, t), rtol=1e-14)
    X = rng.normal(0.0, 0.6, size=(len(raw.names), 50))
    np.testing.assert_allclose(net.activity_from_samples(X, t), raw.activity_from_samples(X, t), rtol=1e-13)
    table = net.activation_table(X[0])
    for k, s in enumerate(raw.source):
        if s is not None:
            np.testing.assert_allclose(table[k], [float(raw.function[k](v)) for v in X[0]], rtol=1e-14)


@pytest.mark.parametrize("t", TIMES)
def test_balance_points_satisfy_the_explicit_net_current(raw, t):
    net = raw.network()
    points = net.balance(t)
    assert points
    for point in points:
        x = point.voltage
        assert max(abs(f) for f in raw.net_current(x, t)) < 1e-10
        m = raw.activity_at_voltages(x, t)
        np.testing.assert_allclose(point.activity, m, rtol=1e-13)
        np.testing.assert_allclose(point.conductance, raw.conductance(m), rtol=1e-13)
        # x̄ = B/A from the loops (the fixed-point form of the same equations)
        np.testing.assert_allclose(x, np.array(raw.reversal_current(m)) / np.array(raw.conductance(m)), atol=1e-10)


def test_solution_activities_and_conductance_at_every_output_time(raw):
    """The solver's reported m(t), A(t), x*(t) against loops over its own output densities."""
    net = raw.network()
    grid = Grid(-2.5, 2.5, 300)
    p0 = np.stack([grid.gaussian(0.1 * a - 0.2, 0.4) for a in range(len(raw.names))])
    t_eval = np.linspace(0.0, 0.6, 7)
    sol = solve(net, grid, p0, t_span=(0.0, 0.6), dt=0.02, t_eval=t_eval, tol=1e-12)
    for i, t in enumerate(sol.t):
        m = raw.activity_from_density(grid.centers, grid.width, sol.p[i], t)
        # internal activities: converged to tol each stage, then reported from the accepted density
        np.testing.assert_allclose(sol.activity[i], m, rtol=0, atol=1e-12)
        A, B = raw.conductance(m), raw.reversal_current(m)
        np.testing.assert_allclose(sol.conductance[i], A, rtol=1e-11)
        np.testing.assert_allclose(sol.balance_voltage[i], np.array(B) / np.array(A), rtol=1e-10, atol=1e-12)
