"""Result objects of the Fokker–Planck solvers (in the manner of solve_ivp's OdeResult)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fokker import Grid, Network


class _Coupling:
    """Quantities derived from the activities ``activity`` (nt, K) of a result with a ``network``."""

    @property
    def conductance(self) -> np.ndarray:
        """A_α(t) = Σ_k J_{αk} m_k(t), shape (nt, P)."""
        return self.network.conductance(self.activity)

    @property
    def balance_voltage(self) -> np.ndarray:
        """x*_α(t) = Σ_k J_{αk} m_k E_k / A_α, shape (nt, P) (NaN where A_α = 0)."""
        return self.network.balance_voltage(self.activity)


@dataclass
class Solution(_Coupling):
    """Densities of the mean-field equation on a physical grid.

    Fields
    ------
    t : (nt,) output times (the solver lands exactly on them).
    p : (nt, P, nx) cell-average densities p_α(t, x_i).
    activity : (nt, K) activities m_k(t) = ∫ S_k p_src(k) dx (or a_k(t) for external channels).
    grid, network : the problem solved.
    method, backend, frame : how it was solved.
    stats : steps, stages, evaluations (coupling evaluations), linear_solves (tridiagonal
        solves), jacobian_updates, wall_time (s), and solver specifics.
    notes : remarks about the input (e.g. p0 renormalised) and the run.
    frame_moments : for frame="auto", (mean, std) (nt, P) computed in the solver's rescaled
        frame, exact where ``grid`` is too coarse to resolve the density; mean() and std()
        return them. None for frame="physical" (moments from ``p``).
    status : 0 when the run reached the end of t_span, 1 when a callback stopped it (the
        arrays then end at the last output time reached).
    message : what happened, in words.
    """

    t: np.ndarray
    p: np.ndarray
    activity: np.ndarray
    grid: Grid
    network: Network
    method: str
    backend: str = "native"
    frame: str = "physical"
    stats: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    frame_moments: tuple[np.ndarray, np.ndarray] | None = None
    status: int = 0
    message: str = ""

    def mass(self) -> np.ndarray:
        """∫ p dx, shape (nt, P)."""
        return self.grid.integrate(self.p)

    def mean(self) -> np.ndarray:
        """∫ x p dx / ∫ p dx, shape (nt, P)."""
        return self.grid.mean(self.p) if self.frame_moments is None else self.frame_moments[0]

    def std(self) -> np.ndarray:
        """Standard deviation of each population, shape (nt, P)."""
        return self.grid.std(self.p) if self.frame_moments is None else self.frame_moments[1]

    def to_xarray(self):
        """An xarray.Dataset with coordinates (t, population, x, channel)."""
        import xarray as xr
        net = self.network
        return xr.Dataset(
            {"p": (("t", "population", "x"), self.p),
             "activity": (("t", "channel"), self.activity),
             "mean": (("t", "population"), self.mean()),
             "std": (("t", "population"), self.std()),
             "balance_voltage": (("t", "population"), self.balance_voltage)},
            coords={"t": self.t, "population": net.population_names, "x": self.grid.centers,
                    "channel": net.channel_names},
            attrs={"gamma": net.gamma, "method": self.method, "backend": self.backend,
                   "frame": self.frame, "notes": "; ".join(self.notes),
                   **{f"stats_{k}": v for k, v in self.stats.items() if np.isscalar(v)}})


@dataclass
class DesingularisedSolution(_Coupling):
    """Rescaled densities of the desingularised equation .

    Fields
    ------
    t : (nt,) output times (physical t, or fast time τ when γ = ∞: see ``time_unit``).
    q : (nt, P, ny) rescaled densities on ``y_grid``, q_α(y) = ε p_α(μ_α + ε y).
    mu : (nt, P) centres μ_α(t) (the means, for centred initial data).
    activity : (nt, K) activities m_k(t).
    epsilon : γ^(−1/2) (0.0 for γ = ∞).
    time_unit : "t" or "tau".
    y_grid, network, method, stats, notes, status, message : as in :class:`Solution`.
    """

    t: np.ndarray
    q: np.ndarray
    mu: np.ndarray
    activity: np.ndarray
    y_grid: Grid
    network: Network
    epsilon: float
    time_unit: str = "t"
    method: str = "bdf2"
    stats: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: int = 0
    message: str = ""

    def mass(self) -> np.ndarray:
        """∫ q dy, shape (nt, P)."""
        return self.y_grid.integrate(self.q)

    def mean_y(self) -> np.ndarray:
        """First moment of q in y, (nt, P) (preserved by the scheme)."""
        return self.y_grid.mean(self.q)

    def std_y(self) -> np.ndarray:
        """Standard deviation in y, (nt, P): √γ · std of the physical density."""
        return self.y_grid.std(self.q)

    def mean(self) -> np.ndarray:
        """Physical mean μ + ε ⟨y⟩, (nt, P)."""
        return self.mu + self.epsilon * self.mean_y()

    def std(self) -> np.ndarray:
        """Physical standard deviation ε · std_y, (nt, P) (0 for γ = ∞)."""
        return self.epsilon * self.std_y()

    def to_physical(self, grid: Grid) -> np.ndarray:
        """Cell averages of p_α(t, x) = q_α((x − μ_α)/ε)/ε on a physical grid, (nt, P, nx) (finite γ only)."""
        from .remap import transfer
        if not isinstance(grid, Grid):
            raise TypeError(f"grid must be a fokker.Grid, got {type(grid).__name__}")
        if self.epsilon == 0.0:
            raise ValueError("gamma = inf: the physical density is a Dirac mass at mu; there is no density "
                             "to put on a grid")
        return transfer(self.q, self.y_grid, grid, shift=self.mu, scale=self.epsilon)

    def to_xarray(self):
        """An xarray.Dataset with coordinates (t, population, y, channel)."""
        import xarray as xr
        net = self.network
        return xr.Dataset(
            {"q": (("t", "population", "y"), self.q), "mu": (("t", "population"), self.mu),
             "activity": (("t", "channel"), self.activity), "std_y": (("t", "population"), self.std_y())},
            coords={"t": self.t, "population": net.population_names, "y": self.y_grid.centers,
                    "channel": net.channel_names},
            attrs={"gamma": net.gamma, "epsilon": self.epsilon, "time_unit": self.time_unit,
                   "method": self.method, "notes": "; ".join(self.notes),
                   **{f"stats_{k}": v for k, v in self.stats.items() if np.isscalar(v)}})
