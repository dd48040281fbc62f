"""Least-squares line fits: the one fit every study uses, in three forms.

- :func:`fit_line`: y = intercept + slope · x;
- :func:`fit_power`: a power law y = C x^s, i.e. the line log y = log C + s log x;
- :func:`fit_inverse_limit`: value = L + C/γ, i.e. the line in 1/γ, whose intercept is the limit L.

Standard errors are those of ordinary least squares with the residual variance on
n − 2 degrees of freedom: SE(slope) = s / √Sxx and SE(intercept) = s √(1/n + x̄²/Sxx),
s² = Σ residual² / (n − 2), Sxx = Σ (x − x̄)².

NaN/inf policy (the same for every form): a point is used only when its x and y are
finite and, for :func:`fit_power`, both > 0 (a NaN marks a quantity that was not
measured at that point, e.g. a collapse time beyond the end of the run). The other
points are dropped and the number used is ``points``. At least 2 points with distinct
x must remain, otherwise ValueError; with exactly 2 the standard errors are NaN (no
residual degrees of freedom), never a silent 0. :func:`try_fit_power` returns None
instead of raising, for figures that draw what can be drawn.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LineFit:
    """y = intercept + slope · x fitted on ``points`` points with x in [x_min, x_max]."""

    slope: float
    slope_se: float
    intercept: float
    intercept_se: float
    points: int
    x_min: float
    x_max: float

    def __call__(self, x) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(x, dtype=float)

    def slope_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Two-sided Student-t confidence interval of the slope (NaN with 2 points)."""
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level!r}")
        if math.isnan(self.slope_se):
            return float("nan"), float("nan")
        from scipy import stats
        half = float(stats.t.ppf(0.5 + level / 2.0, self.points - 2)) * self.slope_se
        return self.slope - half, self.slope + half


@dataclass(frozen=True)
class PowerFit(LineFit):
    """y = C x^slope with intercept = log C, fitted on log–log axes; x_min, x_max are in x (not log x)."""

    @property
    def prefactor(self) -> float:
        """C = exp(intercept)."""
        return math.exp(self.intercept)

    def __call__(self, x) -> np.ndarray:
        return np.exp(self.intercept) * np.asarray(x, dtype=float) ** self.slope

    def label(self, theory: float | None = None) -> str:
        """``slope s ± se`` (and ``(theory t)``) for a legend."""
        se = "n/a" if math.isnan(self.slope_se) else f"{self.slope_se:.2g}"
        text = f"slope {self.slope:+.4f} ± {se}"
        return text if theory is None else f"{text} (theory {theory:+g})"


def _pairs(x, y, name: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"{name} needs two 1-D arrays of equal length, got shapes {x.shape} and {y.shape}")
    return x, y


def _least_squares(x: np.ndarray, y: np.ndarray, name: str) -> tuple[float, float, float, float]:
    """(slope, slope_se, intercept, intercept_se) of the points given (already filtered)."""
    if x.size < 2:
        raise ValueError(f"{name} needs at least 2 usable points (finite{', > 0' if name == 'fit_power' else ''}), "
                         f"got {x.size}")
    dx = x - x.mean()
    sxx = float(dx @ dx)
    if not sxx > 0:
        raise ValueError(f"{name} needs at least 2 distinct x values, got x = {x[0]!r} only")
    slope = float(dx @ (y - y.mean()) / sxx)
    intercept = float(y.mean() - slope * x.mean())
    if x.size < 3:
        return slope, float("nan"), intercept, float("nan")
    resid = y - intercept - slope * x
    s2 = float(resid @ resid) / (x.size - 2)
    return (slope, math.sqrt(s2 / sxx), intercept,
            math.sqrt(s2 * (1.0 / x.size + float(x.mean()) ** 2 / sxx)))


def fit_line(x, y) -> LineFit:
    """Least-squares line y = intercept + slope · x (module docstring: policy, errors)."""
    x, y = _pairs(x, y, "fit_line")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    slope, slope_se, intercept, intercept_se = _least_squares(x, y, "fit_line")
    return LineFit(slope, slope_se, intercept, intercept_se, int(x.size), float(x.min()), float(x.max()))


def fit_power(x, y) -> PowerFit:
    """Least-squares power law y = C x^s on log–log axes (points with x, y > 0 and finite)."""
    x, y = _pairs(x, y, "fit_power")
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    lx, ly = np.log(x[keep]), np.log(y[keep])
    slope, slope_se, intercept, intercept_se = _least_squares(lx, ly, "fit_power")
    return PowerFit(slope, slope_se, intercept, intercept_se, int(lx.size),
                    float(x[keep].min()), float(x[keep].max()))


def try_fit_power(x, y) -> PowerFit | None:
    """:func:`fit_power`, or None when fewer than 2 usable points remain."""
    try:
        return fit_power(x, y)
    except ValueError:
        return None


def fit_inverse_limit(gamma, value) -> LineFit:
    """Least squares value = L + C/γ as a line in 1/γ: L is ``intercept`` (± ``intercept_se``), C ``slope``."""
    gamma, value = _pairs(gamma, value, "fit_inverse_limit")
    with np.errstate(divide="ignore"):
        return fit_line(1.0 / gamma, value)
