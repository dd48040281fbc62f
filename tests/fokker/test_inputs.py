"""Every bad input raises a ValueError/TypeError naming the argument, before any work."""
import math

import numpy as np
import pytest

from fokker import Channel, FitzHughNagumo, Grid, Leak, Network, Population, Sigmoid, presets
from solvers import solve


def make(**kw):
    pops = kw.pop("pops", [Population("E", Leak(1.0, -0.5), sigma=kw.pop("sigma", 0.5))])
    chans = kw.pop("chans", [Channel("exc", 1.0, Sigmoid(1, 4, 0), source="E"),
                             Channel("inh", -1.0, Sigmoid(1, 4, 0.5), source="E")])
    return Network(pops, chans, kw.pop("weights", [[1.0, 1.5]]), kw.pop("gamma", 10.0))


@pytest.mark.parametrize("sigma", [0.0, -1.0, math.nan, math.inf])
def test_sigma_must_be_positive(sigma):
    with pytest.raises(ValueError, match="sigma"):
        make(sigma=sigma)


@pytest.mark.parametrize("gamma", [-1.0, math.nan])
def test_gamma_must_be_nonnegative(gamma):
    with pytest.raises(ValueError, match="gamma"):
        make(gamma=gamma)


def test_gamma_inf_and_zero_allowed():
    assert make(gamma=math.inf).gamma == math.inf
    assert make(gamma=0.0).with_gamma(1e4).gamma == 1e4


@pytest.mark.parametrize("weights,match", [([[1.0, -1.5]], ">= 0"), ([[1.0, 1.5, 2.0]], "shape"),
                                           ([1.0, 1.5], "shape"), ([[1.0, math.nan]], "finite"),
                                           ([["a", 1.0]], "numbers")])
def test_bad_weights(weights, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make(weights=weights)


def test_unknown_source_population():
    with pytest.raises(ValueError, match="unknown source population 'X'"):
        make(chans=[Channel("exc", 1.0, Sigmoid(), source="X")], weights=[[1.0]])


def test_activation_must_be_positive():
    with pytest.raises(ValueError, match="activation of channel 'exc'.*> 0"):
        make(chans=[Channel("exc", 1.0, lambda x: x, source="E")], weights=[[1.0]])


def test_activation_checked_on_the_solver_grid():
    bumpy = lambda x: np.where(np.abs(x) > 50, -1.0, 1.0)       # positive on the probe, not on the grid
    net = make(chans=[Channel("exc", 1.0, bumpy, source="E")], weights=[[1.0]])
    grid = Grid(-60.0, 60.0, 30)
    with pytest.raises(ValueError, match="activation"):
        solve(net, grid, np.ones(30), t_span=(0, 1), dt=0.1)


def test_external_channel_needs_nonnegative_activity():
    with pytest.raises(ValueError, match="activity"):
        Channel("ext", 1.0, source=None, activity=-0.1)
    with pytest.raises(ValueError, match="needs an activity"):
        Channel("ext", 1.0, source=None)


@pytest.mark.parametrize("args,match", [((1.0, 1.0, 10), "lower < upper"), ((2.0, 1.0, 10), "lower < upper"),
                                        ((0.0, 1.0, 2), ">= 3"), ((0.0, math.inf, 10), "finite")])
def test_bad_grid(args, match):
    with pytest.raises(ValueError, match=match):
        Grid(*args)


def test_grid_cells_must_be_integer():
    with pytest.raises(TypeError, match="integer"):
        Grid(0.0, 1.0, 10.5)


@pytest.fixture
def problem():
    net = presets.ei_single(10.0)
    grid = Grid(-2.0, 2.0, 50)
    return net, grid, grid.gaussian(0.0, 0.3)


@pytest.mark.parametrize("kwargs,match", [
    (dict(dt=0.0), "dt"), (dict(dt=-0.1), "dt"), (dict(dt=math.nan), "dt"),
    (dict(t_span=(1.0, 0.0)), "t_span"), (dict(t_span=(1.0, 1.0)), "t_span"),
    (dict(t_eval=[0.5, 2.0]), "t_eval"), (dict(t_eval=[0.5, 0.2]), "increasing"),
    (dict(method="rk4"), "method"), (dict(backend="petsc"), "backend"), (dict(tol=0.0), "tol"),
    (dict(frame="lab"), "frame")])
def test_bad_solver_options(problem, kwargs, match):
    net, grid, p0 = problem
    args = dict(t_span=(0.0, 1.0), dt=0.1) | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        solve(net, grid, p0, **args)


@pytest.mark.parametrize("bad,match", [
    (lambda p: p[:-1], "shape"), (lambda p: np.stack([p, p]), "shape"),
    (lambda p: np.where(np.arange(p.size) == 3, np.nan, p), "finite"),
    (lambda p: np.where(np.arange(p.size) == 3, np.inf, p), "finite"),
    (lambda p: p - 0.5, ">= 0"), (lambda p: 0 * p, "zero mass")])
def test_bad_initial_density(problem, bad, match):
    net, grid, p0 = problem
    with pytest.raises(ValueError, match=match):
        solve(net, grid, bad(p0), t_span=(0.0, 1.0), dt=0.1)


def test_gamma_inf_refused_in_physical_frame(problem):
    net, grid, p0 = problem
    with pytest.raises(ValueError, match="inf"):
        solve(net.with_gamma(math.inf), grid, p0, t_span=(0.0, 1.0), dt=0.1)


# -- two-variable neurons and electrical coupling --------------------------------------------------
@pytest.mark.parametrize("sigma_w", [-0.1, math.nan, math.inf])
def test_sigma_w_must_be_nonnegative_and_finite(sigma_w):
    with pytest.raises(ValueError, match="sigma_w of population 'E'"):
        Population("E", FitzHughNagumo(), 0.3, sigma_w=sigma_w)


def test_sigma_w_needs_a_two_variable_intrinsic():
    with pytest.raises(ValueError, match="sigma_w of population 'E' must be 0"):
        Population("E", Leak(), 0.3, sigma_w=0.1)
    assert Population("E", Leak(), 0.3).variables == 1 and Population("E", Leak(), 0.3).sigma_w == 0.0


@pytest.mark.parametrize("G,error,match", [
    ([[-1.0]], ValueError, "electrical must be >= 0"), ([[1.0, 0.0]], ValueError, r"electrical must have shape \(P, P\) = \(1, 1\)"),
    ([1.0], ValueError, "electrical must have shape"), ([[math.nan]], ValueError, "electrical must be finite"),
    ([["a"]], TypeError, "electrical must be a P×P array")])
def test_bad_electrical_weights(G, error, match):
    with pytest.raises(error, match=match):
        Network([Population("E", Leak(), 0.5)], [], [[]], 1.0, electrical=G)


def test_bad_electrical_weights_with_channels():
    with pytest.raises(ValueError, match=r"electrical must have shape \(P, P\) = \(1, 1\)"):
        Network(make().populations, make().channels, [[1.0, 1.5]], 1.0, electrical=np.eye(2))


def test_a_network_needs_channels_or_electrical_coupling():
    pops = [Population("E", Leak(), 0.5), Population("I", Leak(), 0.5)]
    with pytest.raises(ValueError, match="at least one of channels, or electrical coupling"):
        Network(pops, [], [[], []], 1.0)
    with pytest.raises(ValueError, match=r"populations \['I'\] receive no input"):
        Network(pops, [], [[], []], 1.0, electrical=[[0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="weights must have shape"):
        Network(pops, [], [[1.0], [1.0]], 1.0, electrical=np.ones((2, 2)))


def test_populations_must_have_the_same_number_of_variables():
    pops = [Population("E", Leak(), 0.5), Population("I", FitzHughNagumo(), 0.5)]
    with pytest.raises(ValueError, match="same number of variables"):
        Network(pops, [], [[], []], 1.0, electrical=np.ones((2, 2)))


class MinusCube:
    """A user's own intrinsic f(x) = −x³ with its exact face average (and no derivative)."""

    def __call__(self, x):
        return -np.asarray(x, dtype=float) ** 3

    def face_average(self, left, right):
        l, r = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
        return -(l**3 + l * l * r + l * r * r + r**3) / 4.0


class MinusCubeWithDerivative(MinusCube):
    def derivative(self, x):
        return -3.0 * np.asarray(x, dtype=float) ** 2


def test_a_user_intrinsic_class_is_used_as_it_is():
    f = MinusCube()
    pop = Population("E", intrinsic=f, sigma=0.5)
    assert pop.intrinsic is f and pop.variables == 1
    assert pop.intrinsic.face_average(0.0, 1.0) == -0.25          # the exact mean of −x³ on [0, 1]
    g = MinusCubeWithDerivative()
    assert Population("E", intrinsic=g, sigma=0.5).intrinsic.derivative(2.0) == -12.0
    plain = Population("E", intrinsic=lambda x: -x**3, sigma=0.5)           # wrapped: midpoint rule
    assert plain.intrinsic.face_average(0.0, 1.0) == -0.125


def test_an_intrinsic_with_an_unknown_number_of_variables():
    class Three(MinusCube):
        variables = 3
    with pytest.raises(ValueError, match="allowed: 1"):
        Population("E", intrinsic=Three(), sigma=0.5)
