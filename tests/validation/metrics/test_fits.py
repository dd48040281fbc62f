"""The one line fit (validation.metrics.fits): exact on exact data, textbook standard errors, the NaN policy."""
from __future__ import annotations

import math

import numpy as np
import pytest

from validation.metrics import fit_inverse_limit, fit_line, fit_power, try_fit_power


def test_fit_line_is_exact_on_a_line_and_matches_the_textbook_errors():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    f = fit_line(x, 2.0 - 0.5 * x)
    assert (f.slope, f.intercept) == (pytest.approx(-0.5, abs=1e-14), pytest.approx(2.0, abs=1e-14))
    assert f.slope_se < 1e-14 and f.points == 5 and (f.x_min, f.x_max) == (0.0, 4.0)
    y = np.array([1.0, 3.0, 2.0, 5.0, 4.0])                 # by hand: slope 0.8, intercept 1.4, s² = 1.2
    f = fit_line(x, y)
    assert f.slope == pytest.approx(0.8) and f.intercept == pytest.approx(1.4)
    assert f.slope_se == pytest.approx(math.sqrt(1.2 / 10.0))
    assert f.intercept_se == pytest.approx(math.sqrt(1.2 * (1 / 5 + 4.0 / 10.0)))
    from scipy import stats
    ref = stats.linregress(x, y)
    assert f.slope_se == pytest.approx(ref.stderr) and f.intercept_se == pytest.approx(ref.intercept_stderr)
    lo, hi = f.slope_interval(0.95)
    assert hi - f.slope == pytest.approx(stats.t.ppf(0.975, 3) * f.slope_se)


def test_fit_power_recovers_an_exact_power_law():
    x = np.geomspace(1.0, 1e6, 7)
    f = fit_power(x, 3.0 * x ** -0.75)
    assert f.slope == pytest.approx(-0.75, abs=1e-12) and f.slope_se < 1e-10
    assert f.prefactor == pytest.approx(3.0, rel=1e-12)
    assert f(10.0) == pytest.approx(3.0 * 10.0 ** -0.75, rel=1e-10)
    assert "theory -0.5" in f.label(-0.5)


def test_fit_inverse_limit_is_exact_for_L_plus_C_over_gamma():
    g = np.array([10.0, 100.0, 1000.0, 1e4])
    f = fit_inverse_limit(g, 2.0 + 3.0 / g)
    assert f.intercept == pytest.approx(2.0, abs=1e-12) and f.slope == pytest.approx(3.0, rel=1e-9)
    assert f.intercept_se < 1e-10


def test_nan_policy_drops_unusable_points_and_needs_two():
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    y = 5.0 * x ** -1.0
    y_bad = y.copy()
    y_bad[[1, 3]] = [np.nan, -1.0]                          # NaN: not measured; ≤ 0: no logarithm
    f = fit_power(x, y_bad)
    assert f.points == 3 and f.slope == pytest.approx(-1.0, abs=1e-12)
    g = fit_line(x, np.where(np.isnan(y_bad), np.inf, x))
    assert g.points == 4 and g.slope == pytest.approx(1.0)
    two = fit_power(x[:2], y[:2])
    assert two.slope == pytest.approx(-1.0) and math.isnan(two.slope_se) and math.isnan(two.slope_interval()[0])
    with pytest.raises(ValueError, match="at least 2 usable points"):
        fit_power([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="distinct x"):
        fit_line([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="equal length"):
        fit_line([1.0, 2.0], [1.0])
    assert try_fit_power([1.0], [1.0]) is None
