"""Distances between a grid density and samples, or between two sample sets.

A grid density is a set of cell averages p_i on a uniform :class:`fokker.Grid`,
i.e. a piecewise-constant density, so its distribution function F is
piecewise linear between the faces (0 left of the grid, 1 right of it, after
normalising the mass to 1). The empirical distribution function of samples
x_1..x_n is the step function G_n(x) = #{x_j ≤ x} / n.

- Wasserstein-1: W1 = ∫ |F(x) − G(x)| dx, computed exactly: on each interval
  between consecutive breakpoints (faces and samples) G is constant and F is
  linear, and ∫ |linear| has a closed form. O((n + nx) log(n + nx)).
- Kolmogorov–Smirnov: sup_x |F(x) − G(x)|, attained at a sample (from either side).
- L1: Σ_i |p_i − hist_i| h + (fraction of samples outside the grid), with hist
  the histogram of the samples on the grid cells as a density.
"""
from __future__ import annotations

import numpy as np

from fokker import checks
from fokker.grid import Grid


def _samples(name: str, samples) -> np.ndarray:
    x = checks.finite_array(name, samples)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {x.shape}")
    return np.sort(x)


def _grid_cdf(grid: Grid, density) -> np.ndarray:
    """Normalised F at the faces, shape (nx + 1,)."""
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a fokker.Grid, got {type(grid).__name__}")
    p = checks.finite_array("density", density, nonnegative=True)
    if p.shape != (grid.nx,):
        raise ValueError(f"density must have shape ({grid.nx},) on {grid}, got {p.shape}")
    cdf = grid.cdf(p)
    if not cdf[-1] > 0:
        raise ValueError("density has no mass")
    return cdf / cdf[-1]


def _abs_linear_integral(f0: np.ndarray, f1: np.ndarray, width: np.ndarray) -> np.ndarray:
    """∫ |f| over intervals where f is linear from f0 to f1."""
    a0, a1 = np.abs(f0), np.abs(f1)
    same = f0 * f1 >= 0
    total = a0 + a1
    crossing = np.divide(f0 * f0 + f1 * f1, 2.0 * total, out=np.zeros_like(total), where=total > 0)
    return np.where(same, 0.5 * total, crossing) * width


def wasserstein1(grid: Grid, density, samples) -> float:
    """W1 between the piecewise-constant density on ``grid`` (nx,) and the samples (n,), exactly."""
    F_faces = _grid_cdf(grid, density)
    x = _samples("samples", samples)
    points = np.sort(np.concatenate([grid.faces, x]))
    F = np.interp(points, grid.faces, F_faces, left=0.0, right=1.0)
    G = np.searchsorted(x, points[:-1], side="right") / x.size    # G on [points_i, points_{i+1})
    return float(np.sum(_abs_linear_integral(F[:-1] - G, F[1:] - G, np.diff(points))))


def wasserstein1_samples(a, b) -> float:
    """W1 between the empirical laws of two sample sets: ∫ |G_a − G_b| dx (equals scipy's)."""
    xa, xb = _samples("a", a), _samples("b", b)
    points = np.sort(np.concatenate([xa, xb]))
    Ga = np.searchsorted(xa, points[:-1], side="right") / xa.size
    Gb = np.searchsorted(xb, points[:-1], side="right") / xb.size
    return float(np.sum(np.abs(Ga - Gb) * np.diff(points)))


def ks_distance(grid: Grid, density, samples) -> float:
    """sup_x |F(x) − G_n(x)| between a grid density and samples."""
    F_faces = _grid_cdf(grid, density)
    x = _samples("samples", samples)
    F = np.interp(x, grid.faces, F_faces, left=0.0, right=1.0)
    i = np.arange(1, x.size + 1) / x.size
    return float(max(np.max(i - F), np.max(F - (i - 1.0 / x.size))))


def ks_distance_samples(a, b) -> float:
    """sup_x |G_a(x) − G_b(x)| between two sample sets."""
    xa, xb = _samples("a", a), _samples("b", b)
    points = np.concatenate([xa, xb])
    Ga = np.searchsorted(xa, points, side="right") / xa.size
    Gb = np.searchsorted(xb, points, side="right") / xb.size
    return float(np.max(np.abs(Ga - Gb)))


def l1_density_histogram(grid: Grid, density, samples) -> float:
    """Σ_i |p_i − hist_i| h + (fraction of samples outside the grid), p normalised to mass 1.

    hist_i = (#samples in cell i) / (n h); it lies in [0, 2].
    """
    F_faces = _grid_cdf(grid, density)
    x = _samples("samples", samples)
    counts = np.diff(np.searchsorted(x, grid.faces, side="left"))
    counts[-1] += np.count_nonzero(x == grid.faces[-1])        # the last cell is closed
    mass = np.diff(F_faces)
    outside = 1.0 - counts.sum() / x.size
    return float(np.sum(np.abs(mass - counts / x.size)) + outside)
