"""Each method against its closed-form stability function and its error estimator against the
true local error, on y' = λ y (a linear frame implementing the frame contract)."""
import math

import pytest

from solvers import METHODS
from solvers.methods import TRBDF2_C, Limiter, Point
from solvers.stepping import TRBDF2_G

from .linear_frame import LinearFrame

G = TRBDF2_G


def trbdf2_R(z):
    mid = (1 + G * z / 2) / (1 - G * z / 2)
    return (mid / G - (1 - G) ** 2 / G) / (2 - G - (1 - G) * z)


def one_step(name, lam, h, history_values, h_old=None):
    """One step from y_n = history_values[-1] (and y_{n−1} at −h_old); returns (y_new, error estimate)."""
    frame = LinearFrame(lam)
    points = []
    if len(history_values) == 2:
        points.append(Point(-h_old, frame.initial_state(history_values[0], -h_old)))
    points.append(Point(0.0, frame.initial_state(history_values[-1], 0.0)))
    step = METHODS[name]().step(frame, points, h, Limiter(False), True)
    return step.point.state, step.error


@pytest.mark.parametrize("z", [-1e6, -30.0, -1.0, -1e-2, 0.3])
def test_euler_and_trbdf2_one_step_is_the_stability_function(z):
    for name, R in (("euler", lambda z: 1 / (1 - z)), ("trbdf2", trbdf2_R)):
        state, _ = one_step(name, z / 0.1, 0.1, [1.0])
        assert state.p[0, 0] == pytest.approx(R(z), rel=1e-14, abs=1e-300), name
        assert state.mu[0] == pytest.approx(R(z), rel=1e-14, abs=1e-300), name


@pytest.mark.parametrize("w", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("z", [-1e6, -5.0, -0.01])
def test_variable_step_bdf2_one_step(w, z):
    """y_{n+1} = [(1+ω) y_n − ω²/(1+ω) y_{n−1}] / ((1+2ω)/(1+ω) − z), z = λ h_n, ω = h_n / h_{n−1}."""
    h = 0.1
    y_old, y = 1.3, 0.7
    state, _ = one_step("bdf2", z / h, h, [y_old, y], h_old=h / w)
    expected = ((1 + w) * y - w * w / (1 + w) * y_old) / ((1 + 2 * w) / (1 + w) - z)
    assert state.p[0, 0] == pytest.approx(expected, rel=1e-14)


def test_trbdf2_error_constant_from_its_stability_function():
    """e^z − R(z) = C z³ + O(z⁴) with C = (−3g² + 4g − 2)/(12(2 − g))."""
    for z in (1e-2, 1e-3):
        assert (math.exp(z) - trbdf2_R(z)) / z**3 == pytest.approx(TRBDF2_C, rel=2 * z)


@pytest.mark.parametrize("name,w", [("euler", 1.0), ("trbdf2", 1.0), ("bdf2", 1.0), ("bdf2", 0.5), ("bdf2", 2.0)])
def test_error_estimate_matches_the_true_local_error(name, w):
    """From exact history values the estimate / (exact − computed) → 1 linearly in h."""
    lam = -1.7
    ratios = []
    for h in (1e-2, 5e-3):
        h_old = h / w
        history = [math.exp(-lam * h_old), 1.0] if name == "bdf2" else [1.0]
        state, error = one_step(name, lam, h, history, h_old=h_old)
        true = math.exp(lam * h) - state.p[0, 0]
        ratios.append(error[0][0, 0] / true)
        assert error[1][0] == pytest.approx(error[0][0, 0], rel=1e-12)
    assert abs(ratios[1] - 1) < 0.02
    assert abs(ratios[1] - 1) < 0.6 * abs(ratios[0] - 1) + 1e-6


def test_method_table():
    assert set(METHODS) == {"euler", "bdf2", "trbdf2"}
    assert [(METHODS[k].order, METHODS[k].stages) for k in ("euler", "bdf2", "trbdf2")] == [(1, 1), (2, 1), (2, 2)]
    assert all(METHODS[k].name == k for k in METHODS)
