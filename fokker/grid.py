"""Uniform cell-centred grid on a truncated interval [lower, upper]."""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from . import checks


class Grid:
    """nx ≥ 3 equal cells on [lower, upper]; densities are cell averages p_i with Σ p_i h = 1."""

    def __init__(self, lower: float, upper: float, nx: int) -> None:
        self.lower = checks.real("Grid lower", lower)
        self.upper = checks.real("Grid upper", upper)
        if not self.upper > self.lower:
            raise ValueError(f"Grid needs lower < upper, got lower={self.lower}, upper={self.upper}")
        self.nx = checks.integer("Grid nx (number of cells)", nx, low=3)
        self.width = (self.upper - self.lower) / self.nx
        self.faces = np.linspace(self.lower, self.upper, self.nx + 1)
        self.centers = 0.5 * (self.faces[:-1] + self.faces[1:])
        self.inner_faces = self.faces[1:-1]

    def __repr__(self) -> str:
        return f"Grid({self.lower:g}, {self.upper:g}, {self.nx})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Grid) and (self.lower, self.upper, self.nx)
                == (other.lower, other.upper, other.nx))

    def __hash__(self) -> int:
        return hash((self.lower, self.upper, self.nx))

    # -- densities ------------------------------------------------------------------------
    def gaussian(self, mean: float, std: float) -> np.ndarray:
        """Cell averages of N(mean, std²), renormalised to unit mass on the grid; shape (nx,)."""
        mean = checks.real("mean", mean)
        std = checks.positive("std", std)
        a = (self.faces[:-1] - mean) / std
        b = (self.faces[1:] - mean) / std
        # differences of ndtr taken on the side of the tail, free of cancellation
        mass = np.where(b <= 0, ndtr(b) - ndtr(a),
                        np.where(a >= 0, ndtr(-a) - ndtr(-b), 1.0 - ndtr(a) - ndtr(-b)))
        total = mass.sum()
        if not total > 0:
            raise ValueError(f"N({mean}, {std}²) has no mass on {self}")
        return mass / (total * self.width)

    def integrate(self, values: np.ndarray) -> np.ndarray:
        """Σ_i values_i h along the last axis."""
        return np.sum(values, axis=-1) * self.width

    def mean(self, p: np.ndarray) -> np.ndarray:
        """Σ_i x_i p_i h / Σ_i p_i h along the last axis."""
        return self.integrate(p * self.centers) / self.integrate(p)

    def variance(self, p: np.ndarray) -> np.ndarray:
        """Central second moment along the last axis (cell-centre quadrature)."""
        mu = self.mean(p)
        return self.integrate(p * (self.centers - mu[..., None]) ** 2) / self.integrate(p)

    def std(self, p: np.ndarray) -> np.ndarray:
        return np.sqrt(self.variance(p))

    def cdf(self, p: np.ndarray) -> np.ndarray:
        """Distribution function at the faces (piecewise-linear between them); shape (..., nx+1)."""
        c = np.cumsum(p, axis=-1) * self.width
        return np.concatenate([np.zeros(c.shape[:-1] + (1,)), c], axis=-1)
