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
  are coupling unknowns as well, and the Python iteration runs around the compiled evaluation.

The discretisation, its order and its preserved properties are those of the numpy frames
(``solvers.physical``, ``solvers.desingularised``); the compiled elimination is exact to round-off
where LAPACK's loses digits (a‖L‖ ≫ α with several wells) and keeps p ≥ 0 for rhs ≥ 0, so the
two backends agree to round-off on resolved problems (``tests/solvers/test_backends.py``).
"""
from __future__ import annotations

import numpy as np

from fokker import Grid, Network

from . import kernels
from .desingularised import DesingularisedFrame
from .frame import State
from .physical import PhysicalFrame


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


class NativeDesingularisedFrame(CompiledRows, DesingularisedFrame):
    """``DesingularisedFrame`` with compiled row solves and explicit rates."""
