"""Result object of :func:`solvers.solve_log`: log-densities u = γ⁻¹ log p on a physical grid."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fokker import Grid, Network

from .solution import _Coupling


@dataclass
class LogSolution(_Coupling):
    """Log-densities of the mean-field equation (the Hopf–Cole variable u = γ⁻¹ log p).

    Fields
    ------
    t : (nt,) output times (the solver lands exactly on them).
    log_p : (nt, P, nx) normalised log-densities at the cell centres, Σ_i e^{log p_i} h = 1
        (finite far below the double-precision underflow of p itself).
    activity : (nt, K) activities m_k(t) = ∫ S_k p_src(k) dx (or a_k(t) for external channels).
    grid, network : the problem solved (0 < γ < ∞).
    method : the time-stepping method.
    stats : steps, stages, evaluations (coupling evaluations), newton_iterations (inner
        Newton iterations, one tridiagonal solve per population each), linear_solves,
        jacobian_updates, wall_time (s), and the stepper's counters.
    notes : remarks about the input (e.g. p0 renormalised) and the run.
    status, message : 0 when the run reached t_span[1], 1 when the callback stopped it (the
        arrays then end at the last output time reached); ``message`` says which.
    """

    t: np.ndarray
    log_p: np.ndarray
    activity: np.ndarray
    grid: Grid
    network: Network
    method: str
    stats: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: int = 0
    message: str = ""

    @property
    def u(self) -> np.ndarray:
        """u = log p / γ, normalised so that ∫ e^{γ u} dx = 1; shape (nt, P, nx)."""
        return self.log_p / self.network.gamma

    def density(self) -> np.ndarray:
        """p = e^{log p}, (nt, P, nx); underflows to 0 where log p < −745."""
        return np.exp(self.log_p)

    def mass(self) -> np.ndarray:
        """Σ_i e^{log p_i} h, shape (nt, P) (1 up to round-off by construction)."""
        return self.grid.integrate(self.density())

    def mean(self) -> np.ndarray:
        """∫ x p dx with weights e^{log p}, shape (nt, P)."""
        return self.grid.mean(self.density())

    def std(self) -> np.ndarray:
        """Standard deviation of each population with weights e^{log p}, shape (nt, P)."""
        return self.grid.std(self.density())
