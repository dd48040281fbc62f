"""The compiled ("native") backend: the frames with their linear hooks overridden by ``solvers.kernels``.

A backend is an overridden hook of the frame contract (``solvers.frame``): here

- ``Frame.solve_rows`` → ``kernels.sg_solve_rows`` (Scharfetter–Gummel assembly fused with a
  cancellation-free Thomas solve and the mass restoration), ``Frame.apply_rows`` →
  ``kernels.sg_apply_rows`` and ``Frame.combine`` → ``kernels.combine_rows``, for every frame
  (:class:`CompiledRows`);
- the physical frame's coupling evaluation → ``kernels.physical_evaluate_1d`` (drift, stage
  solve, activities and mean voltages in one compiled pass), and, for networks without
  electrical coupling, the whole stage → ``kernels.PhysicalStageKernel`` (the secant–Newton
  iteration of ``solvers.coupling.SecantNewton`` compiled around that evaluation, its Jacobian
  and counters kept on the frame's ``coupling``). With electrical coupling the mean voltages
  are coupling unknowns as well, and the Python iteration runs around the compiled evaluation;
- for such networks with a constant external drive, fixed-step BDF2 runs many steps per call in
  compiled code (:meth:`NativePhysicalFrame.bdf2_steps`, ``solvers.kernels_bdf2``), bit-for-bit
  the steps the controller would take one by one.

The discretisation, its order and its preserved properties are those of the numpy frames
(``solvers.physical``, ``solvers.desingularised``); the compiled elimination is exact to round-off
where LAPACK's loses digits (a‖L‖ ≫ α with several wells) and keeps p ≥ 0 for rhs ≥ 0, so the
two backends agree to round-off on resolved problems (``tests/solvers/test_backends.py``).
"""
from __future__ import annotations

import numpy as np

from fokker import Grid, Network

from . import kernels, kernels_bdf2
from .coupling import MAX_HALVINGS
from .desingularised import DesingularisedFrame
from .frame import GROWTH_REUSE, State
from .methods import Point
from .physical import PhysicalFrame
from .stepping import BDF2_MAX_RATIO, MAX_GROWTH


class CompiledRows:
    """Mixin: the frame's row solves and explicit rates through the compiled kernels."""

    h: float

    def solve_rows(self, face_drift: np.ndarray, diffusion: np.ndarray, alpha: float, a: float,
                   rhs: np.ndarray) -> np.ndarray:
        """``Frame.solve_rows`` by ``kernels.sg_solve_rows``."""
        return kernels.sg_solve_rows(face_drift, diffusion, self.h, alpha, a, rhs)

    def apply_rows(self, face_drift: np.ndarray, diffusion: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``Frame.apply_rows`` by ``kernels.sg_apply_rows``."""
        return kernels.sg_apply_rows(face_drift, diffusion, self.h, p)

    def combine(self, c1: float, y1: np.ndarray, c0: float, y0: np.ndarray) -> tuple[np.ndarray, float]:
        """``Frame.combine`` by ``kernels.combine_rows``."""
        return kernels.combine_rows(c1, y1, c0, y0)


class NativePhysicalFrame(CompiledRows, PhysicalFrame):
    """``PhysicalFrame`` with compiled row solves, a fused coupling evaluation and (without electrical
    coupling) a compiled stage."""

    def __init__(self, net: Network, grid: Grid, tol: float) -> None:
        super().__init__(net, grid, tol)
        self._stage_kernel = None if self.electrical else kernels.PhysicalStageKernel(
            self.coupling, self.f_faces[:, None, :], self.x_faces, self.D, self.h, self.quadrature, self.src,
            self.internal, net.weights, net.reversal, net.gamma)
        self._external = net.external_activities(0.0)      # read only (copied where filled in)

    def evaluate(self, gA: np.ndarray, gB: np.ndarray, rhs: np.ndarray, alpha: float,
                 a: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``PhysicalFrame.evaluate`` by ``kernels.physical_evaluate_1d``."""
        self.linear_solves += rhs.shape[0]
        p, m_int, xbar = kernels.physical_evaluate_1d(self.f_faces, gA, gB, self.x_faces, self.D, self.h, alpha, a,
                                                      rhs, self.quadrature, self.src)
        return p, m_int, xbar if self.electrical else self._zeros

    def stage(self, rhs_p, rhs_mu, alpha: float, a: float, t: float, u_guess: np.ndarray) -> State:
        """``PhysicalFrame.stage``, entirely compiled when the network has no electrical coupling."""
        kernel = self._stage_kernel
        if kernel is None:
            return super().stage(rhs_p, rhs_mu, alpha, a, t, u_guess)
        external = self._external if self._drive_is_constant else self.net.external_activities(t)
        before = self.coupling.evaluations
        _, _, p, m_int = kernel.solve_checked(np.ascontiguousarray(rhs_p, dtype=np.float64)[:, None, :],
                                              float(alpha), float(a), external,
                                              np.ascontiguousarray(u_guess, dtype=np.float64))
        self.linear_solves += (self.coupling.evaluations - before) * rhs_p.shape[0]
        return self.accepted(p[:, 0, :], external, m_int, self._zeros, t, kernel.next_guess, finite=True,
                             means=kernel.means)

    @property
    def compiled_bdf2(self) -> bool:
        """True when :meth:`bdf2_steps` can run: compiled stages (no electrical coupling), constant drive."""
        return self._stage_kernel is not None and self._drive_is_constant

    def bdf2_steps(self, history: list[Point], times: np.ndarray, out_steps: np.ndarray,
                   nonnegative: bool) -> tuple[int, int, list[Point], list[State]]:
        """Fixed-step BDF2 from the two points of ``history`` to the planned step times ``times`` in one
        compiled call (``solvers.kernels_bdf2``), stopping before the first step that needs Python.

        ``out_steps``: indices of the steps whose points are outputs (increasing). ``nonnegative``: the
        positivity limiter is active (a step it would change stops the run). Requires
        :attr:`compiled_bdf2` and the fast growth rate evaluated (``Frame.fast_growth``). Returns
        (steps taken, the ``kernels_bdf2.STOP_*`` reason, the new two-point history, the states of the
        outputs reached); the coupling counters, Jacobian and linear-solve count are updated as the
        step-by-step path updates them.
        """
        kernel = self._stage_kernel
        c = self.coupling
        P, n = history[-1].state.p.shape
        Ki, K = self.internal.size, self.net.K
        t_slots = np.array([history[-2].t, history[-1].t])
        p_slots = np.array([pt.state.p for pt in history[-2:]], dtype=np.float64)
        rhs_slots = np.zeros((2, P, n))
        stage_slots = np.zeros((2, 2))
        m_slots = np.array([pt.state.m for pt in history[-2:]], dtype=np.float64)
        u_slots = np.array([pt.state.u for pt in history[-2:]], dtype=np.float64)
        means_slots = np.array([self.state_means(pt.state) for pt in history[-2:]], dtype=np.float64)
        q = out_steps.size
        out_p, out_m = np.empty((q, P, n)), np.empty((q, K))
        out_u, out_means = np.empty((q, Ki)), np.empty((q, P))
        counters = np.zeros(2, dtype=np.int64)
        jacobian = kernel._jacobian
        has = c.jacobian is not None
        if has and c.jacobian is not jacobian:
            jacobian[...] = c.jacobian
        taken, reason, newest, has = kernels_bdf2._bdf2_run(
            kernel.f_faces, kernel.x_faces, kernel.diffusion, kernel.h, kernel.quadrature, kernel.source,
            kernel.internal, kernel.weights, kernel.reversal, kernel.gamma, kernel.row_weights, self._external,
            float(c.tol), c.scale, c.typical, int(c.max_evaluations), MAX_HALVINGS, jacobian, has,
            np.ascontiguousarray(times, dtype=np.float64), np.ascontiguousarray(out_steps, dtype=np.int64),
            t_slots, p_slots, rhs_slots, stage_slots, m_slots, u_slots, means_slots, 1,
            np.array(self._growth_at[0], dtype=np.float64), float(self._growth), GROWTH_REUSE, MAX_GROWTH,
            BDF2_MAX_RATIO, bool(nonnegative), out_p, out_m, out_u, out_means, counters)
        evaluations, updates = (int(v) for v in counters)
        c.evaluations += evaluations
        c.jacobian_updates += updates
        c.jacobian = jacobian if has else None
        self.linear_solves += evaluations * P
        if taken == 0:
            return 0, reason, history, []

        def slot_point(i: int) -> Point:
            state = State(p_slots[i], self._zeros, m_slots[i], u_slots[i], means_slots[i])
            stage = (float(stage_slots[i, 0]), float(stage_slots[i, 1]), rhs_slots[i], self._zeros)
            return Point(float(t_slots[i]), state, None, stage)

        points = [history[-1] if taken == 1 else slot_point(1 - newest), slot_point(newest)]
        reached = int(np.searchsorted(out_steps, taken))     # outputs at the steps taken
        outputs = [State(out_p[j], self._zeros, out_m[j], out_u[j], out_means[j]) for j in range(reached)]
        return taken, reason, points, outputs


class NativeDesingularisedFrame(CompiledRows, DesingularisedFrame):
    """``DesingularisedFrame`` with compiled row solves and explicit rates."""
