"""The desingularised mean-field equation and its γ = ∞ limit.

With ε = γ^(−1/2), fast time τ = γ t and x = μ_α(t) + ε y, q_α(y) = ε p_α(μ_α + ε y):

    ∂_τ q_α = −∂_y [ v_α q_α ] + (σ_α²/2) ∂_yy q_α,   v_α(y) = −A_α y + ε f_α(μ_α + ε y) − c_α,
    dμ_α/dτ = B_α − A_α μ_α + ε c_α,
    m_k     = ∫ S_k(μ_src + ε y) q_src dy   (or a_k(t)),
    A_α = Σ_k J_αk m_k + Σ_β G_αβ,   B_α = Σ_k J_αk m_k E_k + Σ_β G_αβ x̄_β,   x̄_β = μ_β + ε ∫ y q_β dy,

where the centring constant c_α is fixed by keeping the first moment ∫ y q_α dy
at its initial value (0 for centred data, so μ is the mean): in the continuum
c_α = ε ⟨f_α⟩ − A_α ∫ y q_α, and the equations above are then exactly those of
the desingularised system. Every coefficient is O(1) uniformly in γ; ε = 0 (γ = ∞) is the
limit equation ∂_τ q = ∂_y(A y q) + (σ²/2) ∂_yy q, m_k = S_k(μ_src), dμ/dτ = A (x* − μ).

Discretisation: the physical solver's machinery on the y-grid — Scharfetter–Gummel
fluxes with exact face means of the drift, implicit stages in *physical* time
(right-hand sides times γ; for γ = ∞ the stages run in τ), and one secant–Newton
solve per stage for the unknowns (m_k internal, c_α): residuals m − ∫ S q and
Σ y q h − M₀. Hence ∫ y q dy is preserved to 1e-3·tol (or to its round-off, ~4e-14·max|y|),
mass to round-off, q ≥ 0 for euler (positivity limiter for the second-order
methods), second order in y, order 1/2 in time as in ``solvers.methods``; an
L-stable stage costs the same for every γ.

Electrical coupling (gap junctions G). The mean voltages x̄_β = μ_β + ε M₀_β (M₀ the preserved
first moment, so that x̄ is the exact mean ∫ x p_β) enter B, so the centres of different
populations are coupled, and on a neutral class (populations reached by no channel, e.g. one
population coupled only to itself) the stiff terms γ A_α μ_α and γ Σ_β G_αβ x̄_β cancel: μ moves at
the O(1) speed γ ε c = ⟨f⟩ while each term is O(γ). The centres' implicit stage is linear in μ,

    [(α + a γ Σ_k J_αk m_k) δ_αβ + a γ (δ_αβ Σ_{β'≠α} G_αβ' − G_αβ (1 − δ_αβ))] μ_β
        = rhs_μ,α + a γ (Σ_k J_αk m_k E_k + ε Σ_β G_αβ M₀_β + ε c_α),

an M-matrix whose row sums α + a γ Σ_k J_αk m_k are known exactly (the G_αα terms cancel exactly and
are dropped); it is solved by a cancellation-free elimination (``solvers.linalg.solve_m_matrix``), so
μ carries only its own round-off along the neutral direction for every γ h (no O(ε_mach γ h) error),
and the rate dμ/dτ is evaluated in the difference form Σ_β G_αβ ((μ_β − μ_α) + ε M₀_β). The coupling
unknowns stay (m, c).
"""
from __future__ import annotations

import math

import numpy as np

from fokker import Grid, Network

from .frame import Frame, State
from .linalg import solve_m_matrix

MOMENT_SCALE = 1e-3     # the first-moment residual is held to tol · MOMENT_SCALE,
MOMENT_ROUNDOFF = 200 * np.finfo(float).eps   # but not below this × max|y| (round-off of Σ y q h)
PREPARED_EDGE = 0.05    # well prepared: q0 has (almost) no mass in the outer 5 % of the y-grid
PREPARED_MASS = 1e-6


class DesingularisedFrame(Frame):
    """Implicit stages of the desingularised equation on a y-grid (see the module docstring).

    Coupling unknowns u = (m_k internal, c_α); ``expected_width`` is the limit width σ/√(2A) in y.
    """

    resolution_advice = "refine the y-grid (the rescaled frame needs cells across σ/√(2A) too)"

    def __init__(self, net: Network, y_grid: Grid, tol: float) -> None:
        moment_tol = max(tol * MOMENT_SCALE, MOMENT_ROUNDOFF * max(abs(y_grid.lower), abs(y_grid.upper)))
        super().__init__(net, y_grid, tol, extra_scales=moment_tol / tol * np.ones(net.P))
        self.electrical = net.has_electrical
        self.eps = 0.0 if math.isinf(net.gamma) else net.gamma ** -0.5
        self.speed = 1.0 if math.isinf(net.gamma) else net.gamma     # d/dt = γ d/dτ
        self.y = y_grid.centers
        self.y_faces = y_grid.inner_faces
        self.moment0 = np.zeros(net.P)

    # -- pieces ----------------------------------------------------------------------------------
    def positions(self, mu: np.ndarray) -> np.ndarray:
        """x = μ_α + ε y at the cell centres, shape (P, ny)."""
        return mu[:, None] + self.eps * self.y[None, :]

    def activities(self, q: np.ndarray, mu: np.ndarray, t: float, external: np.ndarray | None = None):
        """m_k = Σ_i S_k(μ_src + ε y_i) q_src,i h (or a_k(t))."""
        m = self.net.external_activities(t) if external is None else external.copy()
        x = self.positions(mu)
        for k, a in zip(self.internal, self.src):                    # a loop over channels
            m[k] = self.h * float(self.net.channels[k].activation(x[a]) @ q[a])
        return m

    def drift(self, m: np.ndarray, c: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Face drift −A y + ε f̄(μ + ε y) − c, shape (P, ny − 1)."""
        A = self.net.conductance(m)
        v = np.multiply.outer(-A, self.y_faces)
        v -= c[:, None]
        if self.eps > 0:
            x = self.positions(mu)
            for a, pop in enumerate(self.net.populations):          # a loop over populations
                v[a] += self.eps * pop.intrinsic.face_average(x[a, :-1], x[a, 1:])
        return v

    def mean_rate(self, m: np.ndarray, c: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """dμ/dτ = B − A μ + ε c, the electrical part in the difference form Σ_β G_αβ ((μ_β − μ_α) + ε M₀_β)."""
        J = self.net.weights
        rate = (m * self.net.reversal) @ J.T - (m @ J.T) * mu + self.eps * c
        if self.electrical:
            offset = (mu[None, :] - mu[:, None]) + self.eps * self.moment0[None, :]
            rate += (self.net.electrical * offset).sum(axis=1)
        return rate

    def centre(self, m, c, rhs_mu, alpha: float, a: float) -> np.ndarray:
        """μ from its implicit stage α μ − a γ (B − A μ + ε c) = rhs_μ (see the module docstring)."""
        s = a * self.speed
        J = self.net.weights
        if not self.electrical:
            return (rhs_mu + s * (self.net.reversal_current(m) + self.eps * c)) / (alpha + s * self.net.conductance(m))
        G = self.net.electrical
        rhs = rhs_mu + s * ((m * self.net.reversal) @ J.T + self.eps * (G @ self.moment0) + self.eps * c)
        return solve_m_matrix(alpha + s * (m @ J.T), s * G, rhs)

    def first_moment(self, q: np.ndarray) -> np.ndarray:
        return self.h * (q @ self.y)

    # -- frame contract ---------------------------------------------------------------------------------
    def initial_state(self, q0: np.ndarray, t0: float, mu0: np.ndarray | None = None) -> State:
        """Sets the preserved first moment ∫ y q dy to that of q0."""
        self.moment0 = self.first_moment(q0)
        return self.adopt(q0, np.zeros(self.net.P) if mu0 is None else mu0, t0)

    def adopt(self, q: np.ndarray, mu: np.ndarray, t: float) -> State:
        m = self.activities(q, mu, t)
        x = self.positions(mu)
        mean_f = np.array([self.h * float(pop.intrinsic(x[a]) @ q[a])
                           for a, pop in enumerate(self.net.populations)])
        c = self.eps * mean_f - self.net.conductance(m) * self.first_moment(q)   # continuum value
        return State(q, mu, m, np.concatenate([m[self.internal], c]))

    def stage(self, rhs_q, rhs_mu, alpha: float, a: float, t: float, u_guess: np.ndarray) -> State:
        external = self.net.external_activities(t)
        K = self.K

        def evaluate(u):
            m = external.copy()
            m[self.internal] = u[:K]
            c = u[K:]
            mu = self.centre(m, c, rhs_mu, alpha, a)
            q = self.linear(self.drift(m, c, mu), alpha, a * self.speed, rhs_q)
            m_hat = self.activities(q, mu, t, external)
            r = np.concatenate([u[:K] - m_hat[self.internal], self.first_moment(q) - self.moment0])
            return r, (q, mu, m_hat)

        u, _, (q, mu, m_hat) = self.coupling.solve(evaluate, u_guess)
        if not (np.all(np.isfinite(q)) and np.all(np.isfinite(mu))):
            raise FloatingPointError(f"non-finite rescaled density at t={t}; reduce dt")
        return State(q, mu, m_hat, np.concatenate([m_hat[self.internal], u[K:]]))

    def rate(self, state: State, t: float):
        """(∂_t q, ∂_t μ) = γ (L q, B − A μ + ε c) at a converged state (τ-derivatives for γ = ∞)."""
        c = state.u[self.K:]
        lq = self.apply_rows(self.drift(state.m, c, state.mu), self.D, state.p)
        return self.speed * lq, self.speed * self.mean_rate(state.m, c, state.mu)

    def growth_rate(self, state: State, t: float) -> float:
        """γ (or 1 in τ) × the fast growth rate of the concentrated network at μ (≥ 0)."""
        return self.speed * self.fast_growth(state.mu, t)

    def expected_width(self, m: np.ndarray) -> np.ndarray:
        """σ / √(2A): the width in y of the limit profile for the conductance at m."""
        A = self.net.conductance(m)
        return np.where(A > 0, self.net.sigma / np.sqrt(2.0 * np.maximum(A, 1e-300)), np.inf)


def check_well_prepared(q0: np.ndarray, y_grid: Grid) -> None:
    """Refuse q0 with mass near the ends of the y-grid (data too wide for the rescaled frame)."""
    edge = max(1, int(math.ceil(PREPARED_EDGE * y_grid.nx)))
    outer = (q0[:, :edge].sum(axis=1) + q0[:, -edge:].sum(axis=1)) * y_grid.width
    if np.any(outer > PREPARED_MASS):
        a = int(np.argmax(outer))
        raise ValueError(
            f"q0 is not well prepared for y_grid {y_grid}: population {a} has mass {outer[a]:.2e} "
            f"(> {PREPARED_MASS:g}) in the outer {PREPARED_EDGE:.0%} of the grid. The rescaled frame needs "
            "data of width O(ε) in x, i.e. O(1) in y: widen y_grid, or start from a physical density with "
            "solvers.solve(..., frame='auto')")
