"""Small plotting helpers shared by the studies: log–log fits with theory lines, atomic PNG + PDF.

A power law y = C x^s is fitted by least squares on (log x, log y); the slope's standard
error is the usual one of a straight-line fit (:func:`fit_power`). :func:`loglog_fit`
draws the measured points, the fitted line over the fitted range and the predicted
slope through the centre of the fitted points, and puts "slope s ± se (theory t)" in
the legend. Figures are saved with :func:`validation.atomic.save_figure` (PNG + PDF, atomic).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PowerFit:
    """log y = intercept + slope · log x on the points with x in [x_min, x_max]."""

    slope: float
    slope_se: float
    intercept: float
    points: int
    x_min: float
    x_max: float

    def __call__(self, x) -> np.ndarray:
        return np.exp(self.intercept) * np.asarray(x, dtype=float) ** self.slope

    def label(self, theory: float | None = None) -> str:
        se = "n/a" if math.isnan(self.slope_se) else f"{self.slope_se:.2g}"
        text = f"slope {self.slope:+.4f} ± {se}"
        return text if theory is None else f"{text} (theory {theory:+g})"


def fit_power(x, y) -> PowerFit:
    """Least-squares slope of log y against log x with its standard error (NaN with < 3 points).

    Points with y ≤ 0 or non-finite values are dropped; at least two must remain.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"fit_power needs two 1-D arrays of equal length, got shapes {x.shape} and {y.shape}")
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if keep.sum() < 2:
        raise ValueError(f"fit_power needs at least 2 positive finite points, got {int(keep.sum())}")
    lx, ly = np.log(x[keep]), np.log(y[keep])
    dx = lx - lx.mean()
    sxx = float(dx @ dx)
    slope = float(dx @ (ly - ly.mean()) / sxx)
    intercept = float(ly.mean() - slope * lx.mean())
    if lx.size < 3:
        se = float("nan")
    else:
        resid = ly - intercept - slope * lx
        se = math.sqrt(float(resid @ resid) / (lx.size - 2) / sxx)
    return PowerFit(slope, se, intercept, int(lx.size), float(np.exp(lx.min())), float(np.exp(lx.max())))


def pyplot():
    """matplotlib.pyplot with the Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def loglog_fit(ax, x, y, fit: PowerFit | None, theory_slope: float | None, *, label: str = "",
               color=None, marker: str = "o", theory_label: str | None = None) -> None:
    """Measured points, the fitted line (solid) and the theory slope (dashed) through the fit's centre."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(y) & (y > 0)
    text = label if fit is None else f"{label}: {fit.label(theory_slope)}".lstrip(": ")
    line = ax.plot(x[keep], y[keep], marker, color=color, ms=4, label=text)[0]
    color = line.get_color()
    if fit is not None:
        xs = np.geomspace(fit.x_min, fit.x_max, 50)
        ax.plot(xs, fit(xs), "-", color=color, lw=1.0)
        if theory_slope is not None:
            centre = math.sqrt(fit.x_min * fit.x_max)
            ax.plot(xs, fit(centre) * (xs / centre) ** theory_slope, "--", color=color, lw=0.8, alpha=0.7,
                    label=theory_label)
    ax.set_xscale("log")
    ax.set_yscale("log")
