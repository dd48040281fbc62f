"""The mean-field Fokker–Planck equation in physical variables (model.md §2, §6).

    ∂_t p_α = −∂_x [ v_α(t, x) p_α ] + (σ_α² / 2) ∂_xx p_α,
    v_α = f_α(x) + γ (B_α − A_α x),   A = J m,  B = J (m ∘ E),
    m_k(t) = ∫ S_k(x) p_src(k)(t, x) dx   (or a_k(t)),   zero flux at both ends.

Discretisation: cell-centred finite volumes with Scharfetter–Gummel fluxes
(``solvers.fluxes``), the face drift being the exact mean of v between the
neighbouring centres (so the frozen-m stationary state is the exact discrete
Gibbs density exp(2U/σ²) at the centres); implicit stages (``solvers.stepping``)
whose nonlocal activities are converged each stage by a secant–Newton method
(``solvers.coupling``) to |m − ∫ S p(m)| ≤ tol. Second order in space on
resolved smooth problems; order 1 (euler) or 2 (bdf2, trbdf2) in time;
mass conserved to round-off; p ≥ 0 for euler.
"""
from __future__ import annotations

import math
import time

import numpy as np

from fokker import Grid, Network, checks
from fokker.balance import fast_growth_rate

from . import diagnostics, inputs
from .coupling import CouplingError, SecantNewton
from .fluxes import apply_bands, sg_bands, stage_bands
from .linalg import solve_stage
from .solution import Solution
from .stepping import State, integrate


class PhysicalFrame:
    """Builds and solves the implicit stages of the physical equation (native backend)."""

    def __init__(self, net: Network, grid: Grid, tol: float) -> None:
        if math.isinf(net.gamma):
            raise ValueError("gamma = inf has no physical-frame equation; use solvers.solve_desingularised "
                             "(or solve(..., frame='auto'))")
        self.net, self.grid = net, grid
        self.h = grid.width
        self.x_faces = grid.inner_faces
        c = grid.centers
        self.f_faces = np.stack([pop.intrinsic.face_average(c[:-1], c[1:]) for pop in net.populations])
        self.D = net.diffusion
        self.internal = np.flatnonzero(~net.is_external)
        self.src = net.source_index[self.internal]
        self.quadrature = net.activation_table(c)[self.internal] * grid.width   # S_k(x_i) h, internal k
        self._pick = (np.arange(self.internal.size), self.src)
        self.coupling = SecantNewton(tol, scale=np.ones(self.internal.size),
                                     typical=np.ones(self.internal.size))
        self.linear_solves = 0

    # -- pieces ----------------------------------------------------------------------------
    def activities(self, p: np.ndarray, t: float, external: np.ndarray | None = None) -> np.ndarray:
        """m_k = Σ_i S_k(x_i) p_src(k), i h, or a_k(t) (``external``: a_k(t) if already known)."""
        m = self.net.external_activities(t) if external is None else external.copy()
        m[self.internal] = (self.quadrature @ p.T)[self._pick]
        return m

    def drift(self, m: np.ndarray) -> np.ndarray:
        """Face drift f̄ + γ (B − A x_f), shape (P, n−1)."""
        gA = self.net.gamma * self.net.conductance(m)
        gB = self.net.gamma * self.net.reversal_current(m)
        drift = np.multiply.outer(-gA, self.x_faces)
        drift += gB[:, None]
        drift += self.f_faces
        return drift

    def bands(self, m: np.ndarray):
        """Bands of L(m)."""
        return sg_bands(self.drift(m), self.D, self.h)

    def solve_linear(self, m: np.ndarray, rhs: np.ndarray, alpha: float, a: float) -> np.ndarray:
        """p solving α p − a L(m) p = rhs (P, n): one LAPACK tridiagonal solve per population."""
        p = solve_stage(*stage_bands(self.drift(m), self.D, self.h, alpha, a), rhs, alpha)
        self.linear_solves += p.shape[0]
        return p

    # -- frame interface ---------------------------------------------------------------------
    def initial_state(self, p0: np.ndarray, t0: float) -> State:
        m = self.activities(p0, t0)
        return State(p0, np.zeros(self.net.P), m, m[self.internal].copy())

    def stage(self, rhs_p, rhs_mu, alpha: float, a: float, t: float, u_guess: np.ndarray) -> State:
        """Solve α p − a L(m) p = rhs with m = ∫ S p."""
        external = self.net.external_activities(t)

        def evaluate(u):
            m = external.copy()
            m[self.internal] = u
            p = self.solve_linear(m, rhs_p, alpha, a)
            m_hat = self.activities(p, t, external)
            return u - m_hat[self.internal], (p, m_hat)

        _, _, (p, m_hat) = self.coupling.solve(evaluate, u_guess)
        if not np.all(np.isfinite(p)):
            raise FloatingPointError(f"non-finite density at t={t}; reduce dt or check the inputs")
        # the activities of the accepted density (one free Picard step) seed the next predictor
        return State(p, rhs_mu, m_hat, m_hat[self.internal])

    def rate(self, state: State, t: float):
        """(∂_t p, ∂_t μ) = (L(m) p, 0) at a converged state."""
        return apply_bands(*self.bands(state.m), state.p), np.zeros_like(state.mu)

    def growth_rate(self, state: State, t: float) -> float:
        """γ × the fast growth rate of the concentrated network at the current means (≥ 0)."""
        return self.net.gamma * max(0.0, fast_growth_rate(self.net, self.grid.mean(state.p), t))

    def expected_width(self, m: np.ndarray) -> np.ndarray:
        """σ / √(2 γ A) (∞ where γ A = 0)."""
        gA = self.net.gamma * self.net.conductance(m)
        with np.errstate(divide="ignore"):
            return np.where(gA > 0, self.net.sigma / np.sqrt(2.0 * np.maximum(gA, 1e-300)), np.inf)

    def stats(self) -> dict:
        return {"evaluations": self.coupling.evaluations, "linear_solves": self.linear_solves,
                "jacobian_updates": self.coupling.jacobian_updates}


BACKENDS: tuple[str, ...] = ("native", "fipy")   # backend names accepted by solve()


def _make_frame(backend: str, net: Network, grid: Grid, tol: float):
    if backend == "native":
        return PhysicalFrame(net, grid, tol)
    if backend == "fipy":
        from .fipy_backend import FipyFrame
        return FipyFrame(net, grid, tol)
    raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")


def solve(net: Network, grid: Grid, p0, t_span=(0.0, 1.0), dt: float = 0.01, t_eval=None,
          method: str = "bdf2", backend: str = "native", tol: float = 1e-10, frame: str = "physical",
          progress: bool = False, auto_cells: int = 800, auto_zoom: float = 3.0) -> Solution:
    """Solve the mean-field Fokker–Planck equation of ``net`` on ``grid``.

    Parameters
    ----------
    net : the network (finite γ for frame='physical').
    grid : cell-centred grid on the truncated interval (zero-flux ends).
    p0 : initial density, (nx,) when P == 1 or (P, nx); normalised if its mass is not 1.
    t_span : (t0, t1) with t1 > t0.
    dt : maximal step; every interval between outputs is split into equal steps ≤ dt.
    t_eval : output times inside t_span (default: 101 equal times); hit exactly.
    method : "euler" (backward Euler, order 1), "bdf2" (variable-step BDF2, order 2,
        L-stable) or "trbdf2" (TR-BDF2, order 2, L-stable).
    backend : "native" (LAPACK tridiagonal solves) or "fipy" (the same discretisation
        through FiPy's TransientTerm, DiffusionTerm and ExponentialConvectionTerm).
    tol : activities converged each stage to |m − ∫ S p(m)| ≤ tol.
    frame : "physical" (default), or "auto": physical through the initial layer, then the
        desingularised frame once the density has collapsed (for large γ).
    progress : show a progress bar over the steps.
    auto_cells, auto_zoom : frame="auto" only: cells of each co-moving y-grid (which span ±10
        standard deviations), and the factor by which the spread must shrink before re-gridding
        in the initial layer. The layer's error decreases with more cells (first order in the
        cell width for the collapse time).
    """
    inputs.network_and_grid(net, grid)
    t0, t1 = checks.time_span(t_span)
    t_out = checks.output_times(t_eval, t0, t1)
    dt, method, tol = inputs.options(dt, method, tol)
    if frame not in ("physical", "auto"):
        raise ValueError(f"frame must be 'physical' or 'auto', got {frame!r}")
    notes: list[str] = []
    p0 = inputs.density("p0", p0, net.P, grid, notes)
    if frame == "auto" and net.gamma == 0:
        notes.append("frame='auto' at gamma = 0: nothing collapses, solved in the physical frame")
        frame = "physical"
    if frame == "auto":
        from .hybrid import solve_auto
        cells = checks.integer("auto_cells", auto_cells, low=50)
        zoom = checks.real("auto_zoom", auto_zoom, low=1.0, low_open=True)
        return solve_auto(net, grid, p0, t0, t_out, dt, method, backend, tol, progress, notes, cells, zoom)
    solver = _make_frame(backend, net, grid, tol)
    start = time.perf_counter()
    state0 = solver.initial_state(p0, t0)
    try:
        states, stats = integrate(solver, state0, t0, t_out, dt, method, progress)
    except CouplingError as exc:
        cells = float(np.min(solver.expected_width(state0.m))) / grid.width
        if cells < diagnostics.CELLS_PER_WIDTH:
            raise CouplingError(f"{exc}. The grid resolves the balanced width σ/√(2γA) with only {cells:.2g} "
                                "cells, so the activities jump as the density moves between cells: refine the "
                                "grid or use frame='auto'") from exc
        raise
    stats.update(solver.stats(), wall_time=time.perf_counter() - start)
    sol = Solution(t=t_out, p=np.stack([s.p for s in states]), activity=np.stack([s.m for s in states]),
                   grid=grid, network=net, method=method, backend=backend, frame="physical",
                   stats=stats, notes=notes)
    diagnostics.check_outputs([solver.expected_width(m) for m in sol.activity], sol.p, grid.width, t_out,
                              net.population_names)
    return sol
