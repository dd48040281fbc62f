"""Signal measurements of the FitzHugh–Nagumo study: crossings and periods, amplitudes, growth rates, roots.

Every function works on sampled time series (numpy, vectorised) and is tested on synthetic data with
known answers (a sampled sine, an exponentially growing oscillation, an exact line).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ...metrics.fits import LineFit, fit_line


class Period(NamedTuple):
    """Mean period of ``count`` whole cycles, its standard error (NaN with one cycle), first and last crossing."""

    period: float
    se: float
    count: int
    first: float
    last: float


def crossing_times(t, x, level: float) -> np.ndarray:
    """Times where x crosses ``level`` upwards (x_i < level ≤ x_{i+1}), by linear interpolation."""
    t = np.asarray(t, dtype=float)
    x = np.asarray(x, dtype=float) - level
    i = np.flatnonzero((x[:-1] < 0.0) & (x[1:] >= 0.0))
    return t[i] - x[i] * (t[i + 1] - t[i]) / (x[i + 1] - x[i])


def period_of(t, x, level: float, skip: int = 1) -> Period:
    """The period from the upward crossings of ``level`` after the first ``skip`` (transient) ones.

    period = (last − first)/count; se = std of the single periods / √count. NaN when fewer than
    two crossings remain.
    """
    times = crossing_times(t, x, level)[skip:]
    if times.size < 2:
        return Period(math.nan, math.nan, 0, math.nan, math.nan)
    single = np.diff(times)
    se = float(single.std(ddof=1) / math.sqrt(single.size)) if single.size > 1 else math.nan
    return Period(float((times[-1] - times[0]) / single.size), se, int(single.size), float(times[0]),
                  float(times[-1]))


def amplitude(x) -> float:
    """√2 · standard deviation of a signal: the amplitude of a sine sampled over whole periods."""
    return float(math.sqrt(2.0) * np.std(np.asarray(x, dtype=float)))


def window_amplitudes(t, x, window: float) -> tuple[np.ndarray, np.ndarray]:
    """Half the peak-to-peak range of x in consecutive windows [k·window, (k+1)·window): (centres, amplitudes)."""
    t = np.asarray(t, dtype=float)
    x = np.asarray(x, dtype=float)
    k = np.floor((t - t[0]) / window).astype(int)
    full = int(k.max())                                  # the last window is partial (or a single point)
    keep = k < full
    k, x = k[keep], x[keep]
    hi = np.full(full, -np.inf)
    lo = np.full(full, np.inf)
    np.maximum.at(hi, k, x)
    np.minimum.at(lo, k, x)
    return t[0] + (np.arange(full) + 0.5) * window, 0.5 * (hi - lo)


def growth_rate(t, x, window: float, cap: float, skip: int = 1) -> LineFit | None:
    """Exponential growth (or decay) rate of the oscillation of x: the slope of log(window amplitude)
    against time over the windows after the first ``skip``, up to the first one whose amplitude
    reaches ``cap`` (beyond it the oscillation saturates). None with fewer than 3 such windows."""
    centres, amps = window_amplitudes(t, x, window)
    centres, amps = centres[skip:], amps[skip:]
    over = np.flatnonzero(amps >= cap)
    end = int(over[0]) if over.size else amps.size
    if end < 3:
        return None
    return fit_line(centres[:end], np.log(amps[:end]))


def root(fit: LineFit, x) -> tuple[float, float]:
    """The zero x₀ = −intercept/slope of a fitted line and its standard error (delta method).

    ``x``: the abscissae the line was fitted on (their mean gives the covariance of intercept and slope,
    cov = −x̄ · se(slope)² for ordinary least squares).
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    x0 = -fit.intercept / fit.slope
    cov = -float(x.mean()) * fit.slope_se ** 2
    var = (fit.intercept_se ** 2 + x0 ** 2 * fit.slope_se ** 2 + 2.0 * x0 * cov) / fit.slope ** 2
    return float(x0), float(math.sqrt(var)) if var >= 0 else math.nan


def distance_to_curve(px, py, cx, cy) -> np.ndarray:
    """Distance of each point (px_i, py_i) to the polyline through (cx_j, cy_j), (m,) (vectorised)."""
    px, py = np.asarray(px, dtype=float)[:, None], np.asarray(py, dtype=float)[:, None]
    ax, ay = np.asarray(cx[:-1], dtype=float), np.asarray(cy[:-1], dtype=float)
    dx, dy = np.diff(cx), np.diff(cy)
    length2 = np.where(dx * dx + dy * dy > 0, dx * dx + dy * dy, 1.0)
    s = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
    return np.min(np.hypot(px - ax - s * dx, py - ay - s * dy), axis=1)


def time_average(t, x, t_from: float):
    """Mean of x over the samples with t ≥ ``t_from`` (along the first axis)."""
    t = np.asarray(t, dtype=float)
    return np.asarray(x, dtype=float)[t >= t_from].mean(axis=0)
