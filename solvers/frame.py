"""The frame contract: what the time stepper needs from a discretised equation.

A *frame* owns a spatial discretisation of  dy/dt = F(y),  y = (p, μ): densities
p (P, n) on a grid and centres μ (P,) (all zero where the frame has none), with a
nonlocal coupling (activities m, and any further scalar unknowns u) that makes F
nonlinear. The stepper (``solvers.controller``) only ever calls

- ``initial_state(p0, t0, mu0=None) -> State``  set the frame's invariants from the data;
- ``adopt(p, mu, t) -> State``  a state for given densities and centres (activities and
  coupling unknowns recomputed, invariants untouched): used when a history is carried
  onto another frame;
- ``stage(rhs_p, rhs_mu, alpha, a, t, u_guess) -> State``  solve the implicit stage
  α y − a F(y) = rhs with the coupling converged;
- ``rate(state, t) -> (dp, dmu)``  F at a converged state;
- ``growth_rate(state, t) -> float``  rate (per unit t, ≥ 0) of the fastest unstable mode;
- ``expected_width(m) -> (P,)``  the balanced width of each density in the frame's own
  coordinate for the activities m;
- ``reset_coupling()``  drop the coupling Jacobian (after a failed stage);
- ``stats() -> dict``  work counters;
- the class attribute ``nonnegative`` (the positivity limiter applies only when True), and
  ``fixed_centres`` (True where μ ≡ 0 is no unknown: the methods then skip its arithmetic).

A frame may also offer whole fixed-step BDF2 runs in compiled code: ``compiled_bdf2`` (True when
available), ``state_means(state)`` and ``bdf2_steps(history, times, out_steps, nonnegative)``
(``solvers.native``), which the controller then uses between the steps it takes itself.

:class:`Frame` holds the shared set-up (internal channels, the secant–Newton
solver of the coupling, counting of linear solves) and the linear work of one
coupling evaluation behind the single hook :meth:`Frame.solve_rows`; subclasses
override only what differs (drift, activities, residual) and a backend overrides
``solve_rows`` (and ``apply_rows``, the explicit rate L p of the same operator, and ``combine``,
the linear combinations of densities that form the stage right-hand sides).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass

import numpy as np

from fokker import Grid, Network

from fokker.balance import fast_growth_rate

from .coupling import SecantNewton
from .fluxes import apply_bands, sg_bands, stage_bands
from .linalg import solve_stage

GROWTH_REUSE = 1e-10    # the fast growth rate is reused while the means move by less than this (relative)


@dataclass
class State:
    """A converged state: densities p (P, n), centres mu (P,), activities m (K,), coupling unknowns u,
    and the first moments ``means`` (P,) of p where the stage computed them on the way (else None)."""

    p: np.ndarray
    mu: np.ndarray
    m: np.ndarray
    u: np.ndarray
    means: np.ndarray | None = None


@dataclass
class StepStats:
    """Counters of one run of the stepper (``Solution.stats`` holds them as a dict).

    steps: accepted steps; stages: implicit stages solved; limited_stages: stages whose
    right-hand side the positivity limiter changed; rescued_steps: steps retaken as
    backward-Euler substeps after a coupling failure; substeps: steps shortened so that
    λ h ≤ MAX_GROWTH for an unstable mode; rejected_steps: steps refused by the error
    control (or by a coupling failure, adaptive runs); max_error_estimate and
    last_error_estimate: the weighted error norm of the accepted steps (adaptive runs, else 0).
    """

    steps: int = 0
    stages: int = 0
    limited_stages: int = 0
    rescued_steps: int = 0
    substeps: int = 0
    rejected_steps: int = 0
    max_error_estimate: float = 0.0
    last_error_estimate: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


class Frame(ABC):
    """Base of every frame (see the module docstring for the contract).

    ``extra_scales`` are the residual scales of coupling unknowns beyond the K internal
    activities (e.g. one centring constant per population), relative to ``tol``.
    """

    nonnegative: bool = True
    fixed_centres: bool = False
    resolution_advice: str = "refine the grid or use the desingularised frame"   # for the resolution warning

    def __init__(self, net: Network, grid: Grid, tol: float, extra_scales: np.ndarray | None = None) -> None:
        self.net, self.grid = net, grid
        self.h = grid.width
        self.D = net.diffusion
        self.internal = np.flatnonzero(~net.is_external)
        self.src = net.source_index[self.internal]
        self.K = self.internal.size
        extra = np.zeros(0) if extra_scales is None else np.asarray(extra_scales, dtype=float)
        self.coupling = SecantNewton(tol, scale=np.concatenate([np.ones(self.K), extra]),
                                     typical=np.ones(self.K + extra.size))
        self.linear_solves = 0
        self._drive_is_constant = not bool(np.any(net.is_external))
        self._growth_at: tuple[list[float], float] | None = None
        self._growth = 0.0

    def fast_growth(self, means: np.ndarray, t: float) -> float:
        """max(0, fast growth rate of the concentrated network at ``means``) (per unit of τ = γ t).

        Reused while the means move by less than GROWTH_REUSE (relative) and the external drive
        is constant (or t is unchanged): near a steady state this saves its evaluation every step.
        The comparison runs on the P floats directly (P is a handful; numpy's per-call cost would
        dominate).
        """
        values = means.tolist()
        if self.growth_reusable(values, t):
            return self._growth
        self._growth = max(0.0, fast_growth_rate(self.net, means, t))
        self._growth_at = (values, t)
        return self._growth

    def growth_reusable(self, values: list[float], t: float) -> bool:
        """True when :meth:`fast_growth` at the means ``values`` (a list of P floats) and t would return its
        last value without evaluating the rate again."""
        last = self._growth_at
        if last is None or not (self._drive_is_constant or t == last[1]):
            return False
        return not any(abs(x - y) > GROWTH_REUSE * (1.0 + abs(y)) for x, y in zip(values, last[0]))

    # -- the linear hook ---------------------------------------------------------------------------
    def solve_rows(self, face_drift: np.ndarray, diffusion: np.ndarray, alpha: float, a: float,
                   rhs: np.ndarray) -> np.ndarray:
        """p (R, n) solving α p − a L p = rhs (R, n), L the Scharfetter–Gummel operator of the face
        drift (R, n−1) and diffusion (R,) with zero flux at both ends, the exact mass Σ rhs / α restored.

        The only place where a coupling evaluation does linear algebra: a backend overrides this.
        """
        return solve_stage(*stage_bands(face_drift, diffusion, self.h, alpha, a), rhs, alpha)

    def apply_rows(self, face_drift: np.ndarray, diffusion: np.ndarray, p: np.ndarray) -> np.ndarray:
        """L p (R, n) for the same operator as :meth:`solve_rows`: the explicit rate (a backend may override)."""
        return apply_bands(*sg_bands(face_drift, diffusion, self.h), p)

    def combine(self, c1: float, y1: np.ndarray, c0: float, y0: np.ndarray) -> tuple[np.ndarray, float]:
        """(c1 y1 + c0 y0, its smallest entry) for densities (P, n): the right-hand sides of the methods'
        stages, and what the positivity limiter looks at (a backend may compile both in one pass)."""
        out = c1 * y1 + c0 * y0
        return out, float(out.min())

    def linear(self, face_drift: np.ndarray, alpha: float, a: float, rhs: np.ndarray) -> np.ndarray:
        """:meth:`solve_rows` with this frame's diffusion, counted in ``stats()['linear_solves']``."""
        self.linear_solves += rhs.shape[0]
        return self.solve_rows(face_drift, self.D, alpha, a, rhs)

    # -- the contract ---------------------------------------------------------------------------------
    @abstractmethod
    def initial_state(self, p0: np.ndarray, t0: float, mu0: np.ndarray | None = None) -> State:
        """The state at t0 (sets the frame's invariants from p0)."""

    @abstractmethod
    def adopt(self, p: np.ndarray, mu: np.ndarray, t: float) -> State:
        """A state with densities p and centres mu (activities and coupling unknowns recomputed)."""

    @abstractmethod
    def stage(self, rhs_p: np.ndarray, rhs_mu: np.ndarray, alpha: float, a: float, t: float,
              u_guess: np.ndarray) -> State:
        """Solve α y − a F(y) = rhs at time t with the coupling converged (guess u_guess)."""

    @abstractmethod
    def rate(self, state: State, t: float) -> tuple[np.ndarray, np.ndarray]:
        """F = (dp/dt, dμ/dt) at a converged state."""

    @abstractmethod
    def growth_rate(self, state: State, t: float) -> float:
        """Growth rate (per unit t, ≥ 0) of the fastest unstable mode at ``state``."""

    @abstractmethod
    def expected_width(self, m: np.ndarray) -> np.ndarray:
        """Balanced width of each density (P,) in this frame's coordinate for activities m."""

    def reset_coupling(self) -> None:
        """Forget the coupling Jacobian (it is rebuilt by finite differences at the next stage)."""
        self.coupling.jacobian = None

    def stats(self) -> dict:
        """Coupling evaluations, linear (tridiagonal) solves and Jacobian rebuilds so far."""
        return {"evaluations": self.coupling.evaluations, "linear_solves": self.linear_solves,
                "jacobian_updates": self.coupling.jacobian_updates}
