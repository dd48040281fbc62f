"""The mean-field Fokker–Planck equation in physical variables.

    ∂_t p_α = −∂_x [ v_α(t, x) p_α ] + (σ_α² / 2) ∂_xx p_α,
    v_α = f_α(x) + γ (B_α − A_α x),   A_α = Σ_k J_αk m_k + Σ_β G_αβ,  B_α = Σ_k J_αk m_k E_k + Σ_β G_αβ x̄_β,
    m_k(t) = ∫ S_k(x) p_src(k)(t, x) dx   (or a_k(t)),   zero flux at both ends.

Discretisation: cell-centred finite volumes with Scharfetter–Gummel fluxes
(``solvers.fluxes``), the face drift being the exact mean of v between the
neighbouring centres (so the frozen-m stationary state is the exact discrete
Gibbs density exp(2U/σ²) at the centres); implicit stages (``solvers.methods``)
whose nonlocal activities are converged each stage by a secant–Newton method
(``solvers.coupling``) to |m − ∫ S p(m)| ≤ tol. With electrical coupling G (gap junctions)
the mean voltages x̄_β = ∫ x p_β dx are coupling unknowns as well, converged with them to
|x̄ − ∫ x p(m, x̄)| ≤ tol. Second order in space on
resolved smooth problems; order 1 (euler) or 2 (bdf2, trbdf2) in time;
mass conserved to round-off; p ≥ 0 for euler.
"""
from __future__ import annotations

import math

import numpy as np

from fokker import Grid, Network

from .fluxes import sg_bands
from .frame import Frame, State


class PhysicalFrame(Frame):
    """Implicit stages of the physical equation; the linear work is :meth:`Frame.solve_rows`."""

    fixed_centres = True         # μ ≡ 0: the densities live on the fixed grid

    def __init__(self, net: Network, grid: Grid, tol: float) -> None:
        if math.isinf(net.gamma):
            raise ValueError("gamma = inf has no physical-frame equation; use solvers.solve_desingularised "
                             "(or solve(..., frame='auto'))")
        self.electrical = net.has_electrical
        super().__init__(net, grid, tol, extra_scales=np.ones(net.P) if self.electrical else None)
        self.x_faces = grid.inner_faces
        c = grid.centers
        self.x = c
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

    def means(self, p: np.ndarray) -> np.ndarray:
        """Mean voltages x̄_α = Σ_i x_i p_α,i h (P,) (unit mass)."""
        return self.h * (p @ self.x)

    def coefficients(self, m: np.ndarray, means: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(γ A, γ B) for activities m and mean voltages ``means`` (used only with electrical coupling)."""
        A, B = self.net.coupling(m, means if self.electrical else None)
        return self.net.gamma * A, self.net.gamma * B

    def drift(self, m: np.ndarray, means: np.ndarray | None = None) -> np.ndarray:
        """Face drift f̄ + γ (B − A x_f), shape (P, n−1)."""
        gA, gB = self.coefficients(m, means)
        return self.face_drift(gA, gB)

    def face_drift(self, gA: np.ndarray, gB: np.ndarray) -> np.ndarray:
        """f̄ + γB − γA x_f for given γA, γB (P,)."""
        drift = np.multiply.outer(-gA, self.x_faces)
        drift += gB[:, None]
        drift += self.f_faces
        return drift

    def bands(self, m: np.ndarray, means: np.ndarray | None = None):
        """Bands of L(m)."""
        return sg_bands(self.drift(m, means), self.D, self.h)

    def solve_linear(self, m: np.ndarray, rhs: np.ndarray, alpha: float, a: float,
                     means: np.ndarray | None = None) -> np.ndarray:
        """p solving α p − a L(m) p = rhs (P, n)."""
        return self.linear(self.drift(m, means), alpha, a, rhs)

    def evaluate(self, gA: np.ndarray, gB: np.ndarray, rhs: np.ndarray, alpha: float,
                 a: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One coupling evaluation: p solving α p − a L p = rhs for the drift of γA, γB, the internal
        activities Σ S_k p_src h (K,) and the mean voltages (P,) of p (zeros without electrical coupling)."""
        p = self.linear(self.face_drift(gA, gB), alpha, a, rhs)
        return p, (self.quadrature @ p.T)[self._pick], self.means(p) if self.electrical else self._zeros

    def unknowns(self, m: np.ndarray, means: np.ndarray) -> np.ndarray:
        """The coupling unknowns u: the internal activities, then (electrical coupling) the mean voltages."""
        return np.concatenate([m[self.internal], means]) if self.electrical else m[self.internal].copy()

    # -- frame contract ----------------------------------------------------------------------
    def initial_state(self, p0: np.ndarray, t0: float, mu0: np.ndarray | None = None) -> State:
        return self.adopt(p0, self._zeros, t0)

    def adopt(self, p: np.ndarray, mu: np.ndarray, t: float) -> State:
        m = self.activities(p, t)
        means = self.means(p)
        return State(p, self._zeros, m, self.unknowns(m, means), means)

    def stage(self, rhs_p, rhs_mu, alpha: float, a: float, t: float, u_guess: np.ndarray) -> State:
        """Solve α p − a L(m, x̄) p = rhs with m = ∫ S p (and x̄ = ∫ x p with electrical coupling)."""
        external = self.net.external_activities(t)
        K = self.K

        def evaluate(u):
            m = external.copy()
            m[self.internal] = u[:K]
            p, m_int, xbar = self.evaluate(*self.coefficients(m, u[K:]), rhs_p, alpha, a)
            r = u[:K] - m_int
            if self.electrical:
                r = np.concatenate([r, u[K:] - xbar])
            return r, (p, m_int, xbar)

        u, r, (p, m_int, xbar) = self.coupling.solve(evaluate, u_guess)
        return self.accepted(p, external, m_int, xbar, t, unknowns=self.coupling.newton_estimate(u, r))

    def accepted(self, p: np.ndarray, external: np.ndarray, m_int: np.ndarray, xbar: np.ndarray, t: float,
                 unknowns: np.ndarray, finite: bool = False, means: np.ndarray | None = None) -> State:
        """The state of a converged stage: p, the activities m̂ of p and the coupling ``unknowns`` that
        seed the next predictor (the quasi-Newton estimate u − J⁻¹r of the root, which beats both
        the last iterate and the Picard value m̂ whether the coupling map contracts or expands: at
        γ = 1e4 it halves the evaluations per step). ``finite``: p is known to be finite (a compiled
        solve raises otherwise), so the check is skipped. ``means``: the mean voltages of p if the
        stage computed them (with electrical coupling they are ``xbar``)."""
        if not (finite or np.isfinite(p).all()):
            raise FloatingPointError(f"non-finite density at t={t}; reduce dt or check the inputs")
        m_hat = external.copy()
        m_hat[self.internal] = m_int
        return State(p, self._zeros, m_hat, unknowns, xbar if self.electrical else means)

    def rate(self, state: State, t: float):
        """(∂_t p, ∂_t μ) = (L(m, x̄) p, 0) at a converged state."""
        return self.apply_rows(self.drift(state.m, self.means(state.p)), self.D, state.p), self._zeros

    def growth_rate(self, state: State, t: float) -> float:
        """γ × the fast growth rate of the concentrated network at the current means (≥ 0)."""
        return self.net.gamma * self.fast_growth(self.state_means(state), t)

    def state_means(self, state: State) -> np.ndarray:
        """The mean voltages of ``state``: those its stage computed, else :meth:`means` of its density."""
        return self.means(state.p) if state.means is None else state.means

    def expected_width(self, m: np.ndarray) -> np.ndarray:
        """σ / √(2 γ A) (∞ where γ A = 0)."""
        gA = self.net.gamma * self.net.conductance(m)
        with np.errstate(divide="ignore"):
            return np.where(gA > 0, self.net.sigma / np.sqrt(2.0 * np.maximum(gA, 1e-300)), np.inf)
