"""The mean-field Fokker–Planck equation in physical variables.

    ∂_t p_α = −∂_x [ v_α(t, x) p_α ] + (σ_α² / 2) ∂_xx p_α,
    v_α = f_α(x) + γ (B_α − A_α x),   A = J m,  B = J (m ∘ E),
    m_k(t) = ∫ S_k(x) p_src(k)(t, x) dx   (or a_k(t)),   zero flux at both ends.

Discretisation: cell-centred finite volumes with Scharfetter–Gummel fluxes
(``solvers.fluxes``), the face drift being the exact mean of v between the
neighbouring centres (so the frozen-m stationary state is the exact discrete
Gibbs density exp(2U/σ²) at the centres); implicit stages (``solvers.methods``)
whose nonlocal activities are converged each stage by a secant–Newton method
(``solvers.coupling``) to |m − ∫ S p(m)| ≤ tol. Second order in space on
resolved smooth problems; order 1 (euler) or 2 (bdf2, trbdf2) in time;
mass conserved to round-off; p ≥ 0 for euler.
"""
from __future__ import annotations

import math

import numpy as np

from fokker import Grid, Network

from .fluxes import apply_bands, sg_bands
from .frame import Frame, State


class PhysicalFrame(Frame):
    """Implicit stages of the physical equation; the linear work is :meth:`Frame.solve_rows`."""

    def __init__(self, net: Network, grid: Grid, tol: float) -> None:
        if math.isinf(net.gamma):
            raise ValueError("gamma = inf has no physical-frame equation; use solvers.solve_desingularised "
                             "(or solve(..., frame='auto'))")
        super().__init__(net, grid, tol)
        self.x_faces = grid.inner_faces
        c = grid.centers
        self.f_faces = np.stack([pop.intrinsic.face_average(c[:-1], c[1:]) for pop in net.populations])
        self.quadrature = net.activation_table(c)[self.internal] * grid.width   # S_k(x_i) h, internal k
        self._pick = (np.arange(self.K), self.src)
        self._zeros = np.zeros(net.P)

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
        """p solving α p − a L(m) p = rhs (P, n)."""
        return self.linear(self.drift(m), alpha, a, rhs)

    # -- frame contract ----------------------------------------------------------------------
    def initial_state(self, p0: np.ndarray, t0: float, mu0: np.ndarray | None = None) -> State:
        return self.adopt(p0, self._zeros, t0)

    def adopt(self, p: np.ndarray, mu: np.ndarray, t: float) -> State:
        m = self.activities(p, t)
        return State(p, self._zeros, m, m[self.internal].copy())

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
        return State(p, self._zeros, m_hat, m_hat[self.internal])

    def rate(self, state: State, t: float):
        """(∂_t p, ∂_t μ) = (L(m) p, 0) at a converged state."""
        return apply_bands(*self.bands(state.m), state.p), self._zeros

    def growth_rate(self, state: State, t: float) -> float:
        """γ × the fast growth rate of the concentrated network at the current means (≥ 0)."""
        return self.net.gamma * self.fast_growth(self.grid.mean(state.p), t)

    def expected_width(self, m: np.ndarray) -> np.ndarray:
        """σ / √(2 γ A) (∞ where γ A = 0)."""
        gA = self.net.gamma * self.net.conductance(m)
        with np.errstate(divide="ignore"):
            return np.where(gA > 0, self.net.sigma / np.sqrt(2.0 * np.maximum(gA, 1e-300)), np.inf)
