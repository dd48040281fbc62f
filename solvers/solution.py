"""Result objects of the Fokker–Planck solvers (in the manner of solve_ivp's OdeResult)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fokker import Grid, Network


@dataclass
class Solution:
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

    def mass(self) -> np.ndarray:
        """∫ p dx, shape (nt, P)."""
        return self.grid.integrate(self.p)

    def mean(self) -> np.ndarray:
        """∫ x p dx / ∫ p dx, shape (nt, P)."""
        return self.grid.mean(self.p)

    def variance(self) -> np.ndarray:
        return self.grid.variance(self.p)

    def std(self) -> np.ndarray:
        """Standard deviation of each population, shape (nt, P)."""
        return self.grid.std(self.p)

    @property
    def conductance(self) -> np.ndarray:
        """A_α(t) = Σ_k J_{αk} m_k(t), shape (nt, P)."""
        return self.network.conductance(self.activity)

    @property
    def balance_voltage(self) -> np.ndarray:
        """x*_α(t) = Σ_k J_{αk} m_k E_k / A_α, shape (nt, P) (NaN where A_α = 0)."""
        return self.network.balance_voltage(self.activity)

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
