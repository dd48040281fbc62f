"""FitzHugh–Nagumo neurons: the vector field, its derivatives, exact face averages and the ODE references."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from fokker import FitzHughNagumo, Population

FHN = FitzHughNagumo(a=0.7, b=0.8, c=0.08, current=0.5)
X = np.linspace(-2.5, 2.5, 11)[:, None]          # (11, 1)
W = np.linspace(-1.0, 1.5, 7)[None, :]           # (1, 7): broadcast to (11, 7)


def test_vector_field_matches_the_formulas():
    np.testing.assert_allclose(FHN.f(X, W), X - X**3 / 3 - W + 0.5, rtol=0, atol=1e-15)
    np.testing.assert_allclose(FHN.g(X, W), 0.08 * (X + 0.7 - 0.8 * W), rtol=0, atol=1e-16)
    np.testing.assert_array_equal(FHN(X, W), FHN.f(X, W))
    assert FHN.f(X, W).shape == (11, 7) and FHN.variables == 2
    linear = FitzHughNagumo(cubic=0.0, current=0.2)
    np.testing.assert_allclose(linear.f(X, W), X - W + 0.2, rtol=0, atol=1e-15)


def test_derivatives_against_central_differences():
    h = 1e-6
    d = FHN.derivatives(X, W)
    for exact, numeric in [
        (d.f_x, (FHN.f(X + h, W) - FHN.f(X - h, W)) / (2 * h)),
        (d.f_w, (FHN.f(X, W + h) - FHN.f(X, W - h)) / (2 * h)),
        (d.g_x, (FHN.g(X + h, W) - FHN.g(X - h, W)) / (2 * h)),
        (d.g_w, (FHN.g(X, W + h) - FHN.g(X, W - h)) / (2 * h)),
    ]:
        assert exact.shape == (11, 7)
        np.testing.assert_allclose(exact, numeric, rtol=0, atol=1e-8)     # truncation h² f''' ~ 1e-12
    jac = FHN.jacobian(X, W)
    assert jac.shape == (11, 7, 2, 2)
    np.testing.assert_array_equal(jac[..., 0, 0], d.f_x)
    np.testing.assert_array_equal(jac[..., 1, 0], d.g_x)
    np.testing.assert_array_equal(FHN.derivative(X), d.f_x[:, :1])


def test_face_average_is_the_exact_mean_of_the_cubic():
    """Two-point Gauss–Legendre integrates a cubic exactly: the reference mean."""
    faces = np.linspace(-3.0, 3.0, 41)
    l, r = faces[:-1, None], faces[1:, None]
    w = np.array([-0.7, 0.0, 1.3])[None, :]
    mid, half = 0.5 * (l + r), 0.5 * (r - l)
    node = half / math.sqrt(3.0)
    gauss = 0.5 * (FHN.f(mid - node, w) + FHN.f(mid + node, w))
    avg = FHN.face_average(l, r, w)
    assert avg.shape == (40, 3)
    np.testing.assert_allclose(avg, gauss, rtol=0, atol=2e-15)
    # no cancellation: degenerate and nearly degenerate faces give f itself
    x0 = np.array([1.3, -0.4])
    np.testing.assert_allclose(FHN.face_average(x0, x0, 0.2), FHN.f(x0, 0.2), rtol=1e-15)
    np.testing.assert_allclose(FHN.face_average(x0, x0 + 1e-12, 0.2), FHN.f(x0 + 5e-13, 0.2), rtol=1e-15)
    # the recovery average over a w-interval (g linear in w)
    np.testing.assert_allclose(FHN.recovery_face_average(-0.5, 0.25, 0.3), FHN.g(0.3, -0.125), rtol=1e-15)


@pytest.mark.parametrize("b", [0.8, 0.0])
def test_recovery_flow_is_the_exact_frozen_voltage_solution(b):
    fhn = FitzHughNagumo(b=b, c=0.08)
    x, w, h = np.array([-1.0, 0.3, 1.7]), np.array([0.5, -0.2, 1.0]), 2.5
    ref = np.array([solve_ivp(lambda t, z: [fhn.g(xi, z[0])], (0.0, h), [wi], method="LSODA",
                              rtol=1e-12, atol=1e-14).y[0, -1] for xi, wi in zip(x, w)])
    np.testing.assert_allclose(fhn.recovery_flow(x, w, h), ref, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(fhn.recovery_flow(x, w, 0.0), w)
    if b > 0:      # the closed form w* + (w − w*) e^(−c b h)
        target = fhn.recovery_target(x)
        np.testing.assert_allclose(fhn.recovery_flow(x, w, h), target + (w - target) * np.exp(-0.08 * b * h),
                                   rtol=1e-14)
    else:
        with pytest.raises(ValueError, match="b > 0"):
            fhn.recovery_target(x)


finite = st.floats(-5.0, 5.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(finite, finite, finite, st.floats(0.0, 2.0), finite)
def test_face_average_exact_for_any_interval_and_parameters(left, right, w, cubic, current):
    fhn = FitzHughNagumo(cubic=cubic, current=current)
    mid, node = 0.5 * (left + right), 0.5 * (right - left) / math.sqrt(3.0)
    gauss = 0.5 * (fhn.f(mid - node, w) + fhn.f(mid + node, w))
    scale = 1.0 + abs(w) + abs(current) + cubic * max(abs(left), abs(right)) ** 3
    assert abs(fhn.face_average(left, right, w) - gauss) <= 1e-14 * scale


def test_oscillatory_current_reference_limit_cycle():
    cycle = FHN.limit_cycle()
    assert abs(cycle.period - 39.4744) < 5e-5
    assert abs(cycle.x_range[0] + 1.970) < 5e-4 and abs(cycle.x_range[1] - 1.852) < 5e-4
    assert abs(cycle.w_range[0] + 0.246) < 5e-4 and abs(cycle.w_range[1] - 1.394) < 5e-4
    # independent check: another integrator (LSODA) from the orbit's first point returns after one period
    z0 = (cycle.x[0], cycle.w[0])
    back = solve_ivp(lambda t, z: [FHN.f(z[0], z[1]), FHN.g(z[0], z[1])], (0.0, cycle.period), z0,
                     method="LSODA", rtol=1e-10, atol=1e-12).y[:, -1]
    np.testing.assert_allclose(back, z0, atol=1e-6)
    # and the orbit is periodic in the sample itself
    assert abs(cycle.x[-1] - cycle.x[0]) < 1e-8 and abs(cycle.w[-1] - cycle.w[0]) < 1e-8
    (rest,) = FHN.rest_points()
    assert not rest.stable and np.all(rest.eigenvalues.real > 0)


def test_zero_current_reference_rest_point():
    fhn = FitzHughNagumo(current=0.0)
    (rest,) = fhn.rest_points()
    assert abs(rest.x + 1.19941) < 5e-6 and abs(rest.w + 0.62426) < 5e-6
    assert abs(fhn.f(rest.x, rest.w)) < 1e-14 and abs(fhn.g(rest.x, rest.w)) < 1e-15
    assert rest.stable and np.all(rest.eigenvalues.real < 0)
    # independent check: a long integration settles there
    end = solve_ivp(lambda t, z: [fhn.f(z[0], z[1]), fhn.g(z[0], z[1])], (0.0, 400.0), (0.5, 0.0),
                    method="LSODA", rtol=1e-10, atol=1e-12).y[:, -1]
    np.testing.assert_allclose(end, (rest.x, rest.w), atol=1e-6)
    with pytest.raises(ValueError, match="stable"):
        fhn.limit_cycle()
    with pytest.raises(ValueError, match="no sustained oscillation"):
        fhn.limit_cycle(start=(1.0, 0.0))


def test_linear_rest_point_and_three_rest_points():
    (rest,) = FitzHughNagumo(cubic=0.0).rest_points()      # 0.25 x + 0.875 = 0
    assert rest.x == pytest.approx(-3.5, abs=1e-14) and rest.w == pytest.approx(-3.5, abs=1e-14)
    pts = FitzHughNagumo(a=0.0, b=2.0, current=0.0).rest_points()   # x³/3 − x/2 = 0: x = 0, ±√1.5
    np.testing.assert_allclose([p.x for p in pts], [-math.sqrt(1.5), 0.0, math.sqrt(1.5)], atol=1e-14)
    assert [p.stable for p in pts] == [True, False, True]
    with pytest.raises(ValueError, match="a line of fixed points"):
        FitzHughNagumo(cubic=0.0, b=1.0, a=0.5, current=0.5).rest_points()
    with pytest.raises(ValueError, match="no fixed point"):
        FitzHughNagumo(cubic=0.0, b=1.0, a=0.5, current=0.0).rest_points()


@pytest.mark.parametrize("kwargs,match", [
    (dict(c=0.0), "c must be > 0"), (dict(c=-0.1), "FitzHughNagumo.c"), (dict(b=-0.1), "FitzHughNagumo.b"),
    (dict(cubic=-1.0), "FitzHughNagumo.cubic"), (dict(a=math.nan), "FitzHughNagumo.a"),
    (dict(current=math.inf), "FitzHughNagumo.current")])
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FitzHughNagumo(**kwargs)


def test_parameter_type_is_checked():
    with pytest.raises(TypeError, match="FitzHughNagumo.current"):
        FitzHughNagumo(current="0.5")


def test_population_with_fhn_has_two_variables_and_recovery_noise():
    pop = Population("E", intrinsic=FHN, sigma=0.3, sigma_w=0.1)
    assert pop.variables == 2 and pop.intrinsic is FHN
    assert pop.diffusion_w == pytest.approx(0.005)
