"""Signal measurements and reducers of the FitzHugh–Nagumo study on synthetic data with known answers.

Tolerances: linear interpolation of a crossing of a smooth signal sampled every dt errs by at most
(dt²/8)·|x''|/|x'| (here < 1e-5 for every crossing); window amplitudes of e^{λt} sin(ωt) on windows of
one period are exact ratios e^{λT}, so their log-slope is λ to round-off; the reducers get exact
power laws and exact linear growth rates, so their fits return the answers to round-off.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import fsolve

from fokker import FitzHughNagumo
from validation.metrics.fits import fit_line
from validation.studies.fhn import QUICK, quick_config
from validation.studies.fhn.reduce import onset_tables, rest_tables
from validation.studies.fhn.signals import (amplitude, crossing_times, distance_to_curve, growth_rate, period_of,
                                            root, time_average, window_amplitudes)
from validation.studies.fhn.theory import corrected, predicted_rest, spread_variance


def test_period_of_a_sampled_sine():
    period, dt = 7.3, 0.01
    t = np.arange(0.0, 10 * period, dt)
    x = np.sin(2 * np.pi * t / period)
    per = period_of(t, x, 0.3)
    assert per.count == 8                                   # 10 upward crossings of 0.3, the first dropped
    assert per.period == pytest.approx(period, abs=1e-5)
    assert per.se < 1e-5
    assert crossing_times(t, x, 0.0)[0] == pytest.approx(period, abs=1e-6)    # t = 0 is not an upward crossing


def test_period_of_too_few_crossings_is_nan():
    t = np.linspace(0.0, 1.0, 11)
    assert math.isnan(period_of(t, np.sin(t), 0.5).period)


def test_amplitude_of_a_sine_over_whole_periods():
    t = np.arange(0, 3 * 200) * (2 * np.pi / 200)
    assert amplitude(1.7 * np.sin(t) + 0.4) == pytest.approx(1.7, rel=1e-12)


def test_growth_rate_of_an_exponential_oscillation():
    period, lam = 10.0, -0.05
    t = np.arange(0, 8 * 400 + 1) * (period / 400)
    x = 0.3 * np.exp(lam * t) * np.sin(2 * np.pi * t / period) - 0.2
    centres, amps = window_amplitudes(t, x, period)
    assert centres.size == 8 and np.allclose(np.diff(np.log(amps)), lam * period, atol=1e-12)
    fit = growth_rate(t, x, period, cap=1.0)
    assert fit.slope == pytest.approx(lam, abs=1e-12) and fit.points == 7
    grown = growth_rate(t, 0.01 * np.exp(0.05 * t) * np.sin(2 * np.pi * t / period), period, cap=0.1)
    assert grown.points == 4 and grown.slope == pytest.approx(0.05, abs=1e-12)   # windows 1-4: below the cap
    assert growth_rate(t[:801], x[:801], period, cap=1.0) is None       # too few windows


def test_root_and_its_standard_error_against_the_covariance_matrix():
    rng = np.random.default_rng(3)
    x = np.linspace(0.02, 0.08, 7)
    y = 0.2 * (x - 0.046) + 1e-4 * rng.standard_normal(x.size)
    fit = fit_line(x, y)
    x0, se = root(fit, x)
    # independent: least squares by numpy with its covariance, delta method with the full gradient
    (b, a), cov = np.polyfit(x, y, 1, cov="unscaled")
    s2 = np.sum((y - a - b * x) ** 2) / (x.size - 2)
    grad = np.array([a / b ** 2, -1.0 / b])                  # d(−a/b)/d(b, a)
    assert x0 == pytest.approx(-a / b, rel=1e-12)
    assert se == pytest.approx(math.sqrt(grad @ (cov * s2) @ grad), rel=1e-9)
    exact = fit_line(x, 0.2 * (x - 0.046))
    assert root(exact, x) == pytest.approx((0.046, 0.0), abs=1e-12)


def test_distance_to_a_polyline():
    square = (np.array([0.0, 1.0, 1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0, 0.0]))
    d = distance_to_curve([0.5, 2.0, 0.5, 1.0], [0.5, 2.0, -0.25, 0.5], *square)
    assert np.allclose(d, [0.5, math.sqrt(2.0), 0.25, 0.0])


def test_time_average():
    t = np.arange(10.0)
    assert time_average(t, t ** 2, 7.0) == pytest.approx((49 + 64 + 81) / 3)


def test_corrected_dynamics_reduce_to_the_ode_and_match_an_independent_root():
    fhn = FitzHughNagumo(current=0.0)
    same = corrected(fhn, 0.0)
    assert same.intrinsic == fhn and same.x_scale == same.w_scale == same.time_scale == 1.0
    v = spread_variance(0.3, 4.5, 1.0)                       # 0.01
    x, w = fsolve(lambda z: [z[0] - z[0] ** 3 / 3 - z[0] * v - z[1], 0.08 * (z[0] + 0.7 - 0.8 * z[1])],
                  [-1.2, -0.6], xtol=1e-14)
    assert predicted_rest(fhn, 0.3, 4.5) == pytest.approx((x, w), abs=1e-12)
    with pytest.raises(ValueError, match="gamma"):
        spread_variance(0.3, 0.0, 1.0)


def _trace(t, mean, mean_w=None, std=None):
    mean = np.asarray(mean, dtype=float)[:, None]
    return dict(t=t, mean=mean, mean_w=mean if mean_w is None else np.asarray(mean_w)[:, None],
                std=np.ones_like(mean) if std is None else std, wall_time=0.0)


def test_rest_reducer_recovers_an_exact_power_law():
    cfg = quick_config(rest_gammas=(10.0, 100.0, 1e3, 1e4), rest_average_from=0.0)
    rest = [p for p in FitzHughNagumo(current=0.0).rest_points() if p.stable][0]
    t = np.linspace(0.0, 1.0, 5)
    offsets = [(g, 0.03 / g) for g in cfg.rest_gammas] + [(1e8, 0.0)]      # the reference run exactly at rest
    results = [dict(gamma=g, **_trace(t, np.full(5, rest.x + 0.6 * d), np.full(5, rest.w + 0.8 * d)))
               for g, d in offsets]
    df, summary = rest_tables(results, cfg)
    rows = {r["quantity"]: r for r in summary}
    slope = rows["slope of the offset |(μ, w̄)_γ − (μ, w̄)_ref|"]
    assert slope["fitted"] == pytest.approx(-1.0, abs=1e-9) and slope["points"] == 3
    assert rows["prefactor C of offset = C/γ"]["fitted"] == pytest.approx(0.03, rel=1e-9)
    assert df.offset.iloc[0] == pytest.approx(0.003, rel=1e-12)


def test_onset_reducer_finds_the_zero_of_a_linear_growth_rate():
    cfg = QUICK
    t = np.arange(0.0, cfg.onset_t_end + 1e-9, 0.5)
    period = cfg.onset_window
    gc, slope = 0.046, 0.2
    pde = [dict(gamma=g, **_trace(t, 0.05 * np.exp(slope * (g - gc) * t) * np.sin(2 * np.pi * t / period)))
           for g in (0.03, 0.04, 0.05, 0.06)]
    amps = {0.0: 0.01, 0.04: 0.012, 0.06: 0.2, 0.1: 1.0}
    # two whole periods of 50 in the late window [100, 200] (201 samples: the repeated end point costs < 0.5 %)
    parts = [dict(gamma=g, seed=0, **_trace(t, a * np.sin(2 * np.pi * t / 50.0))) for g, a in amps.items()]
    pde_df, part_df, summary = onset_tables(pde, parts, cfg)
    assert pde_df.growth.to_numpy() == pytest.approx([slope * (g - gc) for g in (0.03, 0.04, 0.05, 0.06)], abs=1e-12)
    assert summary[0]["fitted"] == pytest.approx(gc, abs=1e-10)
    assert summary[1]["fitted"] == pytest.approx(0.05) and summary[1]["fitted_se"] == pytest.approx(0.01)
    assert part_df.amplitude.to_numpy() == pytest.approx(list(amps.values()), rel=5e-3)


def test_unbiased_std_is_the_sample_std_with_n_minus_one():
    from validation.studies.fhn.reduce import unbiased_std
    x = np.random.default_rng(0).standard_normal(50)
    assert unbiased_std(dict(n=50, std=np.array([[x.std()]])))[0, 0] == pytest.approx(x.std(ddof=1), rel=1e-14)


def test_predicted_period_against_a_direct_solve_of_the_corrected_mean_dynamics():
    """The rescaled FitzHugh–Nagumo ODE of the corrected mean dynamics has the period of a direct solve of
    ẋ = x − x³/3 − v x − w + I, ẇ = c (x + a − b w) (scipy DOP853, rtol 1e-11: periods agree to 1e-8)."""
    from scipy.integrate import solve_ivp
    from validation.studies.fhn.theory import predicted_period
    v = 0.01

    def rhs(t, z):
        return [z[0] - z[0] ** 3 / 3 - v * z[0] - z[1] + 0.5, 0.08 * (z[0] + 0.7 - 0.8 * z[1])]

    def crossing(t, z):
        return z[0]
    crossing.direction = 1.0
    sol = solve_ivp(rhs, (0.0, 600.0), [0.1, 0.5], events=crossing, rtol=1e-11, atol=1e-12, method="DOP853")
    direct = np.diff(sol.t_events[0])[-1]
    assert predicted_period(FitzHughNagumo(current=0.5), 0.3, 0.09 / (2 * v)) == pytest.approx(direct, rel=1e-8)
