"""γ = ∞ for two-variable (FitzHugh–Nagumo) populations: the slow dynamics, in physical time.

As γ → ∞ at fixed t the rescaled density of the desingularised frame (``solvers.desingularised_2d``)
relaxes instantly in y, so at every t

    q_α(t, y, w) = G_α(t, y) ρ_α(t, w),   G_α = N(0, σ_α²/(2Ā_α(t))) (the y-profile),
    ∂_t ρ_α = −∂_w [ g_α(μ_α, w) ρ_α ] + (σ_w,α²/2) ∂_ww ρ_α          (the recovery marginal),

and the centres μ lie on the balance set F(μ) = 0 (``fokker.balance``: F_α = B_α − A_α μ_α for
concentrated populations). Populations that channels (or electrical links out of their class) pin
sit at the balance voltage x̄(t) that F = 0 gives them; on a neutral class C (populations coupled
only electrically among themselves, ``fokker.balance.neutral_classes``) F vanishes for every common
voltage c_C, and the O(1) intrinsic drift moves it, projected along the fast directions:

    dc_C/dt = Σ_{α∈C} ℓ_α ⟨f_α⟩,   ⟨f_α⟩ = ∫ f_α(c_C, w) ρ_α dw = f_α(c_C, w̄_α)   (f is linear in w),

ℓ the left null vector of the class's electrical Laplacian (Σ ℓ_α = 1; uniform for symmetric G). The
fast dynamics conserves ℓ·μ on a class, so the initial centres are projected onto the balance set
with c_C = ℓ·μ0 on each class, the pinned populations solved for.

Scheme: Strang splitting per step of length h, W(h/2) M(h) W(h/2): W is ``solvers.recovery.recovery_step``
at x = μ_α (exact in time: the w-mean moves exactly, w̄ ↦ w* + (w̄ − w*) e^{−c b h}, w* = (μ + a)/b), M
advances every class voltage by one classical Runge–Kutta step at frozen w̄ and re-solves the pinned
populations (Newton on F_R = 0, ``scipy.optimize.root`` if that fails). Second order in h (Strang),
exact mass of ρ, ρ ≥ 0. For one population with electrical coupling only (``fhn_electrical``) the
pair (μ, w̄) then follows the single-neuron ODE ẋ = f(x, w), ẇ = g(x, w) (f and g are linear in w, so
the mean of ρ closes), with σ_w = 0 and σ_w > 0 alike. Time is physical t (the result's ``time_unit``).
The y-profile G_α is the exact discrete stationary state of the y-part on the y-grid, exp(−Ā (y − s)²/σ²)
at the cell centres, s fixed by the first moment of q0 (s = 0 on a grid symmetric about 0 for centred q0).
"""
from __future__ import annotations

import time

import numpy as np
from scipy import linalg

from fokker import Grid2D, Network
from fokker.balance import net_current, net_current_jacobian, neutral_classes

from .controller import FINISHED, FixedSteps
from .desingularised import DesingularisedFrame
from .desingularised_2d_solution import Desingularised2DSolution
from .frame import State
from .recovery import recovery_step
from .trackers import Stop, standard_trackers
from .two_variable import check_two_variable_outputs

NEWTON_TOL = 1e-13      # |F_R| on the pinned populations, relative to 1 + |B|
NEWTON_STEPS = 30
PROFILE_NEWTON = 8      # Newton steps for the shift s of the y-profile


class LimitDynamics:
    """The γ = ∞ slow dynamics of a two-variable network on a (y, w) grid (see the module docstring).

    ``expected_width`` (the y-width σ/√(2A)) is that of the desingularised frame.
    """

    expected_width = DesingularisedFrame.expected_width
    resolution_advice = DesingularisedFrame.resolution_advice

    def __init__(self, net: Network, grid: Grid2D, moment0: np.ndarray, t0: float) -> None:
        self.net, self.grid = net, grid
        self.y = grid.x.centers
        self.h_y = grid.x.width
        intr = [pop.intrinsic for pop in net.populations]
        self.intrinsic = intr
        self.a, self.b, self.c = (np.array([getattr(f, name) for f in intr]) for name in ("a", "b", "c"))
        self.D_w = net.diffusion_w
        self.moment0 = moment0
        self.classes = neutral_classes(net, t0)
        self.weights = [self._left_null_vector(cls) for cls in self.classes]
        free = np.zeros(net.P, dtype=bool)
        for cls in self.classes:
            free[cls] = True
        self.pinned = np.flatnonzero(~free)
        self.recovery_steps = 0
        self.balance_solves = 0

    def _left_null_vector(self, cls: np.ndarray) -> np.ndarray:
        """ℓ ≥ 0 with ℓᵀ L_C = 0, Σ ℓ = 1, L_C the electrical Laplacian of the class (off-diagonal −G)."""
        G = self.net.electrical[np.ix_(cls, cls)].copy()
        np.fill_diagonal(G, 0.0)
        laplacian = np.diag(G.sum(axis=1)) - G
        null = linalg.null_space(laplacian.T)
        if null.shape[1] != 1:
            raise ValueError(f"the neutral class {cls.tolist()} has a {null.shape[1]}-dimensional null space")
        v = null[:, 0]
        return v / v.sum()

    # -- centres -------------------------------------------------------------------------------------
    def pin(self, mu: np.ndarray, t: float) -> np.ndarray:
        """μ with the pinned populations solved from F_R(μ) = 0 (class voltages kept)."""
        R = self.pinned
        if R.size == 0:
            return mu
        mu = mu.copy()
        self.balance_solves += 1

        def residual(x_r):
            full = mu.copy()
            full[R] = x_r
            return net_current(self.net, full, t)[R]

        x = mu[R].copy()
        for _ in range(NEWTON_STEPS):
            full = mu.copy()
            full[R] = x
            F = net_current(self.net, full, t)[R]
            scale = 1.0 + np.abs(self.net.reversal_current(self.net.activity_at_voltages(full, t), full)[R])
            if np.all(np.abs(F) <= NEWTON_TOL * scale):
                mu[R] = x
                return mu
            jac = net_current_jacobian(self.net, full, t)[np.ix_(R, R)]
            x = x - np.linalg.solve(jac, F)
            if not np.all(np.isfinite(x)):
                break
        from scipy import optimize            # imported here: only a failed Newton solve needs it (0.3 s)
        sol = optimize.root(residual, mu[R], tol=1e-14)
        if not sol.success or not np.all(np.abs(residual(sol.x)) <= 1e3 * NEWTON_TOL * (1.0 + np.abs(sol.x))):
            raise ValueError(f"no balance voltage for the pinned populations {R.tolist()} at t={t:g} "
                             f"from {mu[R]}: {sol.message}")
        mu[R] = sol.x
        return mu

    def project(self, mu0: np.ndarray, t: float) -> np.ndarray:
        """The balance point reached by the fast dynamics from μ0: c_C = ℓ·μ0 on each class, pinned solved."""
        mu = mu0.copy()
        for cls, ell in zip(self.classes, self.weights):
            mu[cls] = float(ell @ mu0[cls])
        return self.pin(mu, t)

    def class_speed(self, c: np.ndarray, w_bar: np.ndarray) -> np.ndarray:
        """dc_C/dt = Σ_{α∈C} ℓ_α f_α(c_C, w̄_α) for every class, (number of classes,)."""
        return np.array([sum(l * float(self.intrinsic[a].f(c[j], w_bar[a])) for l, a in zip(ell, cls))
                         for j, (cls, ell) in enumerate(zip(self.classes, self.weights))])

    def move(self, mu: np.ndarray, w_bar: np.ndarray, t: float, h: float) -> np.ndarray:
        """M(h): one classical Runge–Kutta step of the class voltages at frozen w̄, then the pinned re-solved at t + h."""
        mu = mu.copy()
        if self.classes:
            c = np.array([mu[cls[0]] for cls in self.classes])
            k1 = self.class_speed(c, w_bar)
            k2 = self.class_speed(c + 0.5 * h * k1, w_bar)
            k3 = self.class_speed(c + 0.5 * h * k2, w_bar)
            k4 = self.class_speed(c + h * k3, w_bar)
            c = c + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0
            for j, cls in enumerate(self.classes):
                mu[cls] = c[j]
        return self.pin(mu, t + h)

    # -- recovery marginals and profiles ---------------------------------------------------------------------
    def recover(self, rho: np.ndarray, mu: np.ndarray, tau: float) -> np.ndarray:
        """W(τ) on the recovery marginals ρ (P, nw) at x = μ."""
        self.recovery_steps += 1
        step = recovery_step(rho[:, None, :], mu[:, None], self.grid.w.lower, self.grid.w.upper,
                             self.a, self.b, self.c, tau, self.D_w)
        return step.density[:, 0, :]

    def mean_w(self, rho: np.ndarray) -> np.ndarray:
        return self.grid.w.mean(rho)

    def activities(self, mu: np.ndarray, t: float) -> np.ndarray:
        """m_k = S_k(μ_src(k)) (concentrated populations) or a_k(t)."""
        return self.net.activity_at_voltages(mu, t)

    def profiles(self, m: np.ndarray) -> np.ndarray:
        """The y-profiles G_α (P, ny): exp(−Ā (y − s)²/σ²) normalised, first moment M₀ (Newton in s)."""
        A = self.net.conductance(m)
        k = (A / self.net.sigma**2)[:, None]
        s = self.moment0.copy()
        for _ in range(PROFILE_NEWTON):
            log = -k * (self.y[None, :] - s[:, None]) ** 2
            g = np.exp(log - log.max(axis=1, keepdims=True))
            g /= g.sum(axis=1, keepdims=True) * self.h_y
            mean = self.h_y * (g @ self.y)
            var = self.h_y * (g @ self.y**2) - mean**2
            s = s + (self.moment0 - mean) / np.maximum(2.0 * k[:, 0] * var, 1e-300)
        return g

    def density(self, rho: np.ndarray, m: np.ndarray) -> np.ndarray:
        """q = G(y) ρ(w), (P, ny, nw)."""
        return self.profiles(m)[:, :, None] * rho[:, None, :]


def solve_limit_2d(net: Network, grid: Grid2D, q0: np.ndarray, mu0: np.ndarray, t0: float, t_out: np.ndarray,
                   dt: float, method: str, progress: bool, callback, notes: list[str]) -> Desingularised2DSolution:
    """γ = ∞ for ``solvers.solve_desingularised`` on a Grid2D (module docstring): q0 (P, ny, nw) and μ0 (P,)
    already checked; steps of at most dt between the output times (physical time)."""
    start = time.perf_counter()
    marginal_y = grid.marginal_x(q0)
    dynamics = LimitDynamics(net, grid, grid.x.integrate(marginal_y * grid.x.centers), t0)
    rho = grid.marginal_w(q0)
    mu = dynamics.project(mu0, t0)
    notes.append("gamma = inf: the limit dynamics in physical time t (Gaussian y-profiles, the recovery marginals "
                 f"transported at x = mu, mu on the balance set); method {method!r} is not used")
    if np.any(np.abs(mu - mu0) > 1e-12):
        notes.append(f"mean0 {np.array2string(mu0, precision=6)} projected onto the balance set: "
                     f"{np.array2string(mu, precision=6)}")
    policy = FixedSteps(dt)
    trackers = standard_trackers(progress, callback, "gamma = inf (two-variable)",
                                 view=lambda state, fr: dynamics.density(state.p, state.m))
    state_of = lambda rho, mu, t: State(rho, mu, dynamics.activities(mu, t), np.zeros(0))   # noqa: E731
    outputs: list[tuple[float, State]] = []
    status, message, steps, t = 0, FINISHED, 0, t0
    for tr in trackers:
        tr.start(t0, float(t_out[-1]))
    try:
        for target in t_out:
            while t < target and status == 0:
                t_new = policy.next_time(t, float(target))
                h = t_new - t
                rho = dynamics.recover(rho, mu, 0.5 * h)
                mu = dynamics.move(mu, dynamics.mean_w(rho), t, h)
                rho = dynamics.recover(rho, mu, 0.5 * h)
                policy.accepted(t_new, h, 0.0, 1)
                steps, t = steps + 1, t_new
                for tr in trackers:
                    request = tr.handle(t, state_of(rho, mu, t), dynamics)
                    if isinstance(request, Stop):
                        status, message = 1, request.message
            if status == 0 or t >= target:
                outputs.append((t, state_of(rho, mu, t)))
            if status == 1:
                break
    finally:
        for tr in trackers:
            tr.finish()
    stats = {"steps": steps, "recovery_steps": dynamics.recovery_steps, "balance_solves": dynamics.balance_solves,
             "wall_time": time.perf_counter() - start}
    states = [s for _, s in outputs]
    sol = Desingularised2DSolution(t=np.array([t for t, _ in outputs]),
                                   q=np.stack([dynamics.density(s.p, s.m) for s in states]),
                                   mu=np.stack([s.mu for s in states]), activity=np.stack([s.m for s in states]),
                                   grid=grid, network=net, epsilon=0.0, time_unit="t", method=method, stats=stats,
                                   notes=notes, status=status, message=message)
    check_two_variable_outputs(dynamics, sol)
    return sol
