"""Result object of the two-variable desingularised solver (rescaled voltage y, recovery w)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fokker import Grid2D, Network

from .solution import _Coupling
from .two_variable_solution import TwoVariableSolution


@dataclass
class Desingularised2DSolution(_Coupling):
    """Rescaled densities q_α(t, y, w) = ε p_α(t, μ_α + ε y, w) on a :class:`fokker.Grid2D` (y, w).

    Fields
    ------
    t : (nt,) output times, always physical time t (also for γ = ∞: ``time_unit`` is "t").
    q : (nt, P, ny, nw) cell averages, Σ_ij q h_y h_w = 1.
    mu : (nt, P) centres μ_α(t) (the mean voltages for centred data).
    activity : (nt, K) activities m_k(t).
    grid : the (y, w) grid; network, method, stats, notes, status, message: as in
        ``solvers.TwoVariableSolution``.
    epsilon : γ^(−1/2) (0.0 for γ = ∞: then q = N(0, σ²/(2Ā))(y) · ρ(t, w), the limit dynamics).
    time_unit : "t".
    """

    t: np.ndarray
    q: np.ndarray
    mu: np.ndarray
    activity: np.ndarray
    grid: Grid2D
    network: Network
    epsilon: float
    time_unit: str = "t"
    method: str = "bdf2"
    stats: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: int = 0
    message: str = ""

    def mass(self) -> np.ndarray:
        """∫∫ q dy dw, (nt, P)."""
        return self.grid.integrate(self.q)

    def marginal_y(self) -> np.ndarray:
        """∫ q dw, (nt, P, ny)."""
        return self.grid.marginal_x(self.q)

    def marginal_x(self) -> np.ndarray:
        """The marginals along the grid's first axis (y): :meth:`marginal_y` (for the shared diagnostics)."""
        return self.marginal_y()

    def marginal_w(self) -> np.ndarray:
        """∫ q dy: the recovery marginals, (nt, P, nw)."""
        return self.grid.marginal_w(self.q)

    def mean_y(self) -> np.ndarray:
        """First moment in y, (nt, P) (preserved by the scheme)."""
        return self.grid.mean_x(self.q)

    def std_y(self) -> np.ndarray:
        """Standard deviation in y, (nt, P): √γ · the voltage's standard deviation."""
        return self.grid.std_x(self.q)

    def mean_w(self) -> np.ndarray:
        """Mean recovery w̄_α(t), (nt, P)."""
        return self.grid.mean_w(self.q)

    def std_w(self) -> np.ndarray:
        """Standard deviation of the recovery variable, (nt, P)."""
        return self.grid.std_w(self.q)

    def mean(self) -> np.ndarray:
        """Mean voltage μ + ε ⟨y⟩, (nt, P)."""
        return self.mu + self.epsilon * self.mean_y()

    def std(self) -> np.ndarray:
        """Standard deviation of the voltage ε · std_y, (nt, P) (0 for γ = ∞)."""
        return self.epsilon * self.std_y()

    @property
    def balance_voltage(self) -> np.ndarray:
        """x*_α(t) = B_α / A_α with the mean voltages (electrical coupling), (nt, P)."""
        return self.network.balance_voltage(self.activity, self.mean() if self.network.has_electrical else None)

    def to_physical(self, grid: Grid2D) -> np.ndarray:
        """Cell averages of p_α(t, x, w) = q_α(t, (x − μ_α)/ε, w)/ε on ``grid`` (x, w), (nt, P, nx, nw).

        The w-grid of ``grid`` must be that of the solution (w is not rescaled); finite γ only.
        Each w-row is carried by ``solvers.remap.transfer_rows`` (mass- and positivity-preserving).
        """
        from .remap import transfer_rows
        if not isinstance(grid, Grid2D):
            raise TypeError(f"grid must be a fokker.Grid2D (x, w), got {type(grid).__name__}")
        if grid.w != self.grid.w:
            raise ValueError(f"grid.w must be the solution's w-grid {self.grid.w!r} (w is not rescaled), "
                             f"got {grid.w!r}")
        if self.epsilon == 0.0:
            raise ValueError("gamma = inf: the physical density is a Dirac mass in x at mu; there is no "
                             "density to put on a grid")
        rows = np.swapaxes(self.q, -1, -2)                                   # (nt, P, nw, ny)
        p = transfer_rows(rows, self.grid.x, grid.x, shift=self.mu, scale=self.epsilon)
        return np.swapaxes(p, -1, -2)


@dataclass
class AutoTwoVariableSolution(TwoVariableSolution):
    """The :class:`TwoVariableSolution` of ``solve(net, Grid2D, p0, frame="auto")``.

    ``p`` is mapped onto the user's grid; ``frame_moments`` holds "mean", "std" (voltage) and "mean_w",
    "std_w" (recovery), each (nt, P), computed in the co-moving rescaled frame: exact where the user's
    x-grid is too coarse to resolve the density (at large γ its voltage width is σ/√(2γA)).
    mean(), std(), mean_w() and std_w() return them.
    """

    frame_moments: dict = field(default_factory=dict)

    def mean(self) -> np.ndarray:
        return self.frame_moments["mean"]

    def std(self) -> np.ndarray:
        return self.frame_moments["std"]

    def mean_w(self) -> np.ndarray:
        return self.frame_moments["mean_w"]

    def std_w(self) -> np.ndarray:
        return self.frame_moments["std_w"]
