"""Result object of the two-variable (voltage x, recovery w) mean-field solver."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fokker import Grid2D, Network

from .solution import _Coupling


@dataclass
class TwoVariableSolution(_Coupling):
    """Densities p_α(t, x, w) of the two-variable mean-field equation on a :class:`fokker.Grid2D`.

    Fields
    ------
    t : (nt,) output times (the solver lands exactly on them).
    p : (nt, P, nx, nw) cell-average densities p_α(t, x_i, w_j), Σ_ij p h_x h_w = 1.
    activity : (nt, K) activities m_k(t) = ∫∫ S_k(x) p_src(k) dx dw (or a_k(t) for external channels).
    grid, network : the problem solved.
    method : the time-stepping method requested ("euler", "bdf2" or "trbdf2"; see ``notes`` for
        the method that advanced the voltage part).
    backend, frame : "native" and "physical" (the only ones of the two-variable solver).
    stats : steps, stages, evaluations, linear_solves (tridiagonal row solves), jacobian_updates,
        recovery_steps, w_clipped_mass and w_moment_defect (largest values per w-step, see
        ``solvers.recovery.RecoveryStep``), wall_time (s), and the stepper's counters.
    notes : remarks about the input and the run.
    status, message : 0 when the run reached t_span[1], 1 when a callback stopped it.
    """

    t: np.ndarray
    p: np.ndarray
    activity: np.ndarray
    grid: Grid2D
    network: Network
    method: str
    backend: str = "native"
    frame: str = "physical"
    stats: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: int = 0
    message: str = ""

    def mass(self) -> np.ndarray:
        """∫∫ p dx dw, shape (nt, P)."""
        return self.grid.integrate(self.p)

    def marginal_x(self) -> np.ndarray:
        """Voltage marginals ∫ p dw, shape (nt, P, nx)."""
        return self.grid.marginal_x(self.p)

    def marginal_w(self) -> np.ndarray:
        """Recovery marginals ∫ p dx, shape (nt, P, nw)."""
        return self.grid.marginal_w(self.p)

    def mean(self) -> np.ndarray:
        """Mean voltage x̄_α(t), shape (nt, P)."""
        return self.grid.mean_x(self.p)

    def std(self) -> np.ndarray:
        """Standard deviation of the voltage, shape (nt, P)."""
        return self.grid.std_x(self.p)

    def mean_w(self) -> np.ndarray:
        """Mean recovery w̄_α(t), shape (nt, P)."""
        return self.grid.mean_w(self.p)

    def std_w(self) -> np.ndarray:
        """Standard deviation of the recovery variable, shape (nt, P)."""
        return self.grid.std_w(self.p)

    def covariance(self) -> np.ndarray:
        """Covariance matrices of (x, w), shape (nt, P, 2, 2)."""
        return self.grid.covariance(self.p)

    @property
    def balance_voltage(self) -> np.ndarray:
        """x*_α(t) = B_α / A_α with the mean voltages of ``p`` (electrical coupling), shape (nt, P)."""
        return self.network.balance_voltage(self.activity, self.mean() if self.network.has_electrical else None)
