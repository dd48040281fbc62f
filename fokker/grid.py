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
        """Standard deviation along the last axis (square root of :meth:`variance`)."""
        return np.sqrt(self.variance(p))

    def cdf(self, p: np.ndarray) -> np.ndarray:
        """Distribution function at the faces (piecewise-linear between them); shape (..., nx+1)."""
        c = np.cumsum(p, axis=-1) * self.width
        return np.concatenate([np.zeros(c.shape[:-1] + (1,)), c], axis=-1)


class Grid2D:
    """Product grid of a voltage grid ``x`` and a recovery grid ``w``: nx × nw cells of area h_x h_w.

    Densities are cell averages p_ij of shape (..., nx, nw) with Σ_ij p_ij h_x h_w = 1; every
    reduction acts on the last two axes, so stacks such as (nt, P, nx, nw) work. Moments use the
    cell-centre quadrature of :class:`Grid` in each direction.
    """

    def __init__(self, x: Grid, w: Grid) -> None:
        for name, g in (("x", x), ("w", w)):
            if not isinstance(g, Grid):
                raise TypeError(f"Grid2D {name} must be a Grid (e.g. Grid(lower, upper, n)), "
                                f"got {type(g).__name__} {g!r}")
        self.x = x
        self.w = w
        self.shape = (x.nx, w.nx)
        self.cell_area = x.width * w.width

    def __repr__(self) -> str:
        return f"Grid2D({self.x!r}, {self.w!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Grid2D) and self.x == other.x and self.w == other.w

    def __hash__(self) -> int:
        return hash((self.x, self.w))

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres (X, W), each of shape (nx, nw)."""
        return np.meshgrid(self.x.centers, self.w.centers, indexing="ij")

    def _check(self, p) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        if p.ndim < 2 or p.shape[-2:] != self.shape:
            raise ValueError(f"p must have shape (..., nx, nw) = (..., {self.shape[0]}, {self.shape[1]}) "
                             f"on {self!r}, got {p.shape}")
        return p

    @staticmethod
    def _pair(name: str, value) -> tuple[object, object]:
        try:
            first, second = value
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a pair (x, w), got {value!r}") from None
        return first, second

    # -- densities ------------------------------------------------------------------------------
    def gaussian(self, mean: tuple[float, float], std: tuple[float, float]) -> np.ndarray:
        """Cell averages of N(mean_x, std_x²) ⊗ N(mean_w, std_w²), unit mass on the grid; shape (nx, nw).

        The product of the 1D cell averages of :meth:`Grid.gaussian` (each renormalised on its grid).
        """
        (mx, mw), (sx, sw) = self._pair("mean", mean), self._pair("std", std)
        px = self.x.gaussian(checks.real("mean[0] (x)", mx), checks.positive("std[0] (x)", sx))
        pw = self.w.gaussian(checks.real("mean[1] (w)", mw), checks.positive("std[1] (w)", sw))
        return px[:, None] * pw[None, :]

    def integrate(self, values) -> np.ndarray:
        """Σ_ij values_ij h_x h_w over the last two axes."""
        return np.sum(self._check(values), axis=(-2, -1)) * self.cell_area

    def marginal_x(self, p) -> np.ndarray:
        """Σ_j p_ij h_w: the x-marginal density, shape (..., nx) (integrates to the mass with :class:`Grid`)."""
        return np.sum(self._check(p), axis=-1) * self.w.width

    def marginal_w(self, p) -> np.ndarray:
        """Σ_i p_ij h_x: the w-marginal density, shape (..., nw)."""
        return np.sum(self._check(p), axis=-2) * self.x.width

    def mean_x(self, p) -> np.ndarray:
        """Mean voltage Σ x_i p_ij / Σ p_ij, shape (...)."""
        return self.x.mean(self.marginal_x(p))

    def mean_w(self, p) -> np.ndarray:
        """Mean recovery Σ w_j p_ij / Σ p_ij, shape (...)."""
        return self.w.mean(self.marginal_w(p))

    def variance_x(self, p) -> np.ndarray:
        """Central second moment in x, shape (...)."""
        return self.x.variance(self.marginal_x(p))

    def variance_w(self, p) -> np.ndarray:
        """Central second moment in w, shape (...)."""
        return self.w.variance(self.marginal_w(p))

    def std_x(self, p) -> np.ndarray:
        """Standard deviation in x, shape (...)."""
        return np.sqrt(self.variance_x(p))

    def std_w(self, p) -> np.ndarray:
        """Standard deviation in w, shape (...)."""
        return np.sqrt(self.variance_w(p))

    def covariance(self, p) -> np.ndarray:
        """Covariance matrix [[var_x, cov_xw], [cov_xw, var_w]] of p, shape (..., 2, 2)."""
        p = self._check(p)
        mass = self.integrate(p)
        dx = self.x.centers - self.mean_x(p)[..., None]              # (..., nx)
        dw = self.w.centers - self.mean_w(p)[..., None]              # (..., nw)
        cross = np.einsum("...i,...ij,...j->...", dx, p, dw) * self.cell_area / mass
        vx, vw = self.variance_x(p), self.variance_w(p)
        return np.stack([np.stack([vx, cross], axis=-1), np.stack([cross, vw], axis=-1)], axis=-2)
