"""The desingularised frame of two-variable (FitzHugh–Nagumo) populations: voltage rescaled, recovery not.

With ε = γ^(−1/2), x = μ_α(t) + ε y and q_α(t, y, w) = ε p_α(t, μ_α + ε y, w) (an exact change of
variables at every finite γ), in physical time

    ∂_t q_α = γ ∂_y [ (A_α y − ε f_α(μ_α + ε y, w) + c_α) q_α ] + γ (σ_α²/2) ∂_yy q_α
              − ∂_w [ g_α(μ_α + ε y, w) q_α ] + (σ_w,α²/2) ∂_ww q_α,
    dμ_α/dt = γ (B_α − A_α μ_α + ε c_α),
    A_α = Σ_k J_αk m_k + Σ_β G_αβ,   B_α = Σ_k J_αk m_k E_k + Σ_β G_αβ x̄_β,   x̄_β = μ_β + ε M₀_β,
    m_k = ∫∫ S_k(μ_src + ε y) q_src dy dw,

where the centring constant c_α keeps the first moment ∫∫ y q_α = M₀_α at its initial value (0 for
centred data: μ is then the mean voltage); in the continuum c_α = ε ⟨f_α⟩ − A_α M₀_α, so that
dμ/dt = γ A (x* − μ) + ⟨f⟩ with ⟨f⟩ = ∫∫ f(μ + ε y, w) q dy dw. Every coefficient is O(1) per unit
of γ t (the y-part) or of t (the w-part).

Scheme: Strang splitting W(h/2) Y(h) W(h/2), driven by ``solvers.two_variable.strang_run``.

- Y(h), the y-part and the centres: one step of an implicit method of ``solvers.methods`` of exactly
  the one-dimensional desingularised equation (``solvers.desingularised``), each w-row j a y-row with
  the face drift −A y − c + ε f̄(μ + ε y, w_j) (f̄ the exact face mean of f(·, w_j), f is linear in w so
  w_j is its exact cell mean in w); the R = P·nw rows are solved together (``kernels.sg_solve_rows``)
  and every stage converges the K + P unknowns (m, c) by secant–Newton, the residuals m − ∫∫ S q and
  ∫∫ y q − M₀. The centres' stage is the cancellation-free M-matrix solve of the 1D frame, so along
  a neutral direction (electrical coupling only, A (x* − μ) ≡ 0) μ moves at the O(1) speed ⟨f⟩ for
  every γ h, with the accuracy of the method.
- W(τ), the w-part at frozen y and μ: ``solvers.recovery.recovery_step`` on every y-row with its
  voltage x_i = μ_α + ε y_i (exact characteristics, a conservative remap, the exact heat semigroup
  when σ_w > 0): no time error, every y-row's mass kept, so the y-marginal (hence m, ∫∫ y q and μ)
  is unchanged; the centring constant is re-evaluated (⟨f⟩ changes with the w-distribution).

Preserved: mass to round-off; ∫∫ y q dy dw = M₀ to 1e-3·tol (or its round-off); q ≥ 0 (euler; the
per-row positivity limiter for trbdf2); the exact w-mean recursion of the w-steps. Order: second in
h_y, h_w; in time first (euler) or second (trbdf2, Strang). Cost: the same for every γ at fixed dt and
grid (every coefficient is O(1) in the scaled units). ``method="bdf2"`` advances the y-part by TR-BDF2
(as in the physical two-variable solver). At γ h ≫ 1 the trapezoidal first stage of TR-BDF2 applies
the stiff y-operator explicitly to the profile that the w-step has just moved (by O(ε h)); the error
this costs is measured in the tests.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from fokker import FitzHughNagumo, Grid2D, Network, checks

from . import diagnostics, inputs
from .controller import make_policy
from .cost import DEFAULT_MAX_STEPS, check_cost
from .desingularised import DesingularisedFrame, check_well_prepared
from .desingularised_2d_solution import Desingularised2DSolution
from .frame import State
from .limit_2d import solve_limit_2d
from .native import CompiledRows
from .recovery import recovery_step
from .trackers import standard_trackers
from .two_variable import X_METHODS, TwoVariableFrame, check_grid_variables, check_two_variable_outputs, strang_run


def check_fitzhugh_nagumo(net: Network) -> None:
    """TypeError naming the population whose intrinsic dynamics is not a fokker.FitzHughNagumo."""
    for pop in net.populations:
        if not isinstance(pop.intrinsic, FitzHughNagumo):
            raise TypeError(f"population {pop.name!r}: the two-variable desingularised frame needs a "
                            f"fokker.FitzHughNagumo intrinsic (g = c (x + a − b w)), got {pop.intrinsic!r}")


class Desingularised2DFrame(CompiledRows, DesingularisedFrame):
    """The y-part Y(h) of the splitting on the frame contract (see the module docstring), plus W(τ).

    A state's density is stored as (P, nw·ny), w-row major (row j holds the y-cells of w_j), as in
    ``solvers.two_variable``; :meth:`density` gives the (P, ny, nw) view. Coupling unknowns
    u = (internal activities, centring constants c_α). ``nx`` is the number of cells of a row (ny),
    the name the splitting loop and its row limiter use.
    """

    density = TwoVariableFrame.density
    flat = TwoVariableFrame.flat

    def __init__(self, net: Network, grid: Grid2D, tol: float) -> None:
        if math.isinf(net.gamma):
            raise ValueError("gamma = inf has no desingularised-frame stage; the two-variable limit dynamics is "
                             "solvers.limit_2d (solve_desingularised dispatches to it)")
        check_fitzhugh_nagumo(net)
        super().__init__(net, grid.x, tol)
        self.grid2d = grid
        self.nx, self.nw = grid.shape
        self.w = grid.w.centers
        self.h_w = grid.w.width
        self.row_diffusion = np.repeat(self.D, self.nw)
        intr = [pop.intrinsic for pop in net.populations]
        self.a, self.b, self.c = (np.array([getattr(f, name) for f in intr]) for name in ("a", "b", "c"))
        self.D_w = net.diffusion_w
        self.recovery_steps = 0
        self.w_clipped_mass = 0.0
        self.w_moment_defect = 0.0

    # -- pieces -----------------------------------------------------------------------------------
    def marginal(self, q: np.ndarray) -> np.ndarray:
        """The y-marginals Σ_j q_ij h_w, (P, ny)."""
        return q.reshape(self.net.P, self.nw, self.nx).sum(axis=1) * self.h_w

    def activities(self, q: np.ndarray, mu: np.ndarray, t: float, external: np.ndarray | None = None):
        """m_k = Σ_ij S_k(μ_src + ε y_i) q_src,ij h_y h_w (or a_k(t))."""
        return super().activities(self.marginal(q), mu, t, external)

    def first_moment(self, q: np.ndarray) -> np.ndarray:
        """Σ_ij y_i q_ij h_y h_w, (P,)."""
        return super().first_moment(self.marginal(q))

    def drift(self, m: np.ndarray, c: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Face drift −A y − c + ε f̄(μ + ε y, w_j) of every row, (P·nw, ny − 1).

        f̄(l, r, w) = f̄(l, r, 0) − w (f is linear in w): one face average per population, then the rows.
        """
        A = self.net.conductance(m)
        base = np.multiply.outer(-A, self.y_faces) - c[:, None]                  # (P, ny − 1)
        x = self.positions(mu)
        base += self.eps * np.stack([pop.intrinsic.face_average(x[a, :-1], x[a, 1:], 0.0)
                                     for a, pop in enumerate(self.net.populations)])
        return (base[:, None, :] - self.eps * self.w[None, :, None]).reshape(-1, self.nx - 1)

    def linear(self, face_drift: np.ndarray, alpha: float, a: float, rhs: np.ndarray) -> np.ndarray:
        """The stage solve of every (population, w-row), rhs (P, nw·ny); counted per row."""
        rows = rhs.reshape(-1, self.nx)
        self.linear_solves += rows.shape[0]
        return self.solve_rows(face_drift, self.row_diffusion, alpha, a, rows).reshape(rhs.shape)

    def centring(self, q: np.ndarray, mu: np.ndarray, m: np.ndarray) -> np.ndarray:
        """The continuum centring constants c = ε ⟨f⟩ − A ∫∫ y q, (P,)."""
        x = self.positions(mu)
        rows = q.reshape(self.net.P, self.nw, self.nx)
        mean_f = np.array([float(np.sum(pop.intrinsic(x[a][None, :], self.w[:, None]) * rows[a]))
                           for a, pop in enumerate(self.net.populations)]) * (self.h * self.h_w)
        return self.eps * mean_f - self.net.conductance(m) * self.first_moment(q)

    def recover(self, state: State, tau: float) -> State:
        """W(τ): the recovery step of every y-row at x = μ + ε y; m kept, c re-evaluated; τ = 0: the state."""
        if tau == 0.0:
            return state
        step = recovery_step(self.density(state.p), self.positions(state.mu), self.grid2d.w.lower,
                             self.grid2d.w.upper, self.a, self.b, self.c, tau, self.D_w)
        self.recovery_steps += 1
        self.w_clipped_mass = max(self.w_clipped_mass, float(np.max(step.clipped_mass)))
        self.w_moment_defect = max(self.w_moment_defect, float(np.max(np.abs(step.moment_defect))))
        q = self.flat(step.density)
        return State(q, state.mu, state.m, np.concatenate([state.m[self.internal],
                                                           self.centring(q, state.mu, state.m)]))

    def with_first_moment(self, rhs: np.ndarray, target: np.ndarray) -> np.ndarray:
        """rhs (P, nw·ny) with its first moment Σ_ij y_i rhs_ij h_y h_w set to ``target`` (P,) exactly.

        A fraction ε ≤ 1 of every cell moves one y-cell up (or down) within its w-row, repeated (at most
        ny passes) while the deficit needs ε = 1: the mass and every w-row's mass are kept, rhs ≥ 0
        stays ≥ 0, and the first moment changes by the deficit (up to round-off).
        """
        P = self.net.P
        out = rhs.reshape(P, self.nw, self.nx).copy()
        cell = self.h * self.h_w * self.h                 # first-moment change per unit moved one cell
        for _ in range(self.nx):
            deficit = target - self.h * self.h_w * np.einsum("pji,i->p", out, self.y)
            up = deficit > 0.0
            movable = np.where(up, out[:, :, :-1].sum(axis=(1, 2)), out[:, :, 1:].sum(axis=(1, 2))) * cell
            with np.errstate(divide="ignore", invalid="ignore"):
                fraction = np.where((movable > 0.0) & (deficit != 0.0), np.abs(deficit) / movable, 0.0)
            if not np.any(fraction):
                break
            step = np.minimum(fraction, 1.0)[:, None, None]
            rising = up[:, None, None]
            moved = step * out
            out -= moved
            out[:, :, 1:] += np.where(rising, moved[:, :, :-1], 0.0)
            out[:, :, :-1] += np.where(rising, 0.0, moved[:, :, 1:])
            out[:, :, -1] += np.where(rising[:, :, 0], moved[:, :, -1], 0.0)     # the top cell cannot send up
            out[:, :, 0] += np.where(rising[:, :, 0], 0.0, moved[:, :, 0])       # nor the bottom one down
            if np.all(fraction <= 1.0):
                break
        return out.reshape(rhs.shape)

    # -- frame contract ---------------------------------------------------------------------------------
    def stage(self, rhs_q, rhs_mu, alpha: float, a: float, t: float, u_guess: np.ndarray) -> State:
        """The stage of the 1D frame on every row, its right-hand side's first moment first set to α M₀.

        Every method's stage right-hand side is a combination of states (first moment M₀) and rates
        (first-moment rate 0) with weights summing to α, so Σ y rhs = α M₀ in exact arithmetic; the
        correction (:meth:`with_first_moment`) removes the round-off of γ-sized explicit rates (TR-BDF2's
        first stage) and the first-moment change of the positivity limiter, which the centring constant
        would otherwise turn into a γ^(1/2)-amplified error of μ.
        """
        return super().stage(self.with_first_moment(rhs_q, alpha * self.moment0), rhs_mu, alpha, a, t, u_guess)

    def adopt(self, q: np.ndarray, mu: np.ndarray, t: float) -> State:
        m = self.activities(q, mu, t)
        return State(q, mu, m, np.concatenate([m[self.internal], self.centring(q, mu, m)]))

    def rate(self, state: State, t: float):
        """(∂_t q, ∂_t μ) = γ (L q, B − A μ + ε c) of the y-part at a converged state."""
        c = state.u[self.K:]
        lq = self.apply_rows(self.drift(state.m, c, state.mu), self.row_diffusion, state.p.reshape(-1, self.nx))
        return self.speed * lq.reshape(state.p.shape), self.speed * self.mean_rate(state.m, c, state.mu)

    def stats(self) -> dict:
        out = super().stats()
        out.update(recovery_steps=self.recovery_steps, w_clipped_mass=self.w_clipped_mass,
                   w_moment_defect=self.w_moment_defect)
        return out


def centres(name: str, value: object, P: int) -> np.ndarray:
    """A number or a (P,) array of finite values (errors name the argument)."""
    if np.ndim(value) == 0:
        return np.full(P, float(checks.finite_array(name, value)))
    return checks.finite_array(name, value, shape=(P,)).astype(float)


def solve_desingularised_2d(net: Network, grid: Grid2D, q0, mean0, t_span=(0.0, 1.0), dt: float = 0.01,
                            t_eval=None, method: str = "bdf2", tol: float = 1e-10, progress: bool = False,
                            rtol: float | None = None, atol: float = 1e-10, max_step: float = math.inf,
                            callback: Callable | None = None, backend: str = "native",
                            max_steps: int = DEFAULT_MAX_STEPS):
    """Solve the two-variable desingularised equation (module docstring); called by
    ``solvers.solve_desingularised`` when its grid is a :class:`fokker.Grid2D` (y, w).

    q0 : (ny, nw) when P == 1 or (P, ny, nw), well prepared (O(1) width in y); normalised if needed.
    mean0 : the initial centres μ_α, a number or (P,).
    γ = ∞ (``math.inf``): the limit dynamics of ``solvers.limit_2d``, in physical time t (as finite γ).
    Other arguments as in ``solve_desingularised``; method "euler", "trbdf2" or "bdf2" (the y-part then by
    TR-BDF2, noted); backend "native" only; callback(t, q (P, ny, nw), m) -> bool.
    """
    check_grid_variables(net, grid)
    t0, t1, t_out, dt, method, tol, rtol, atol, max_step, callback = inputs.run_options(
        t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback)
    if backend != "native":
        raise ValueError(f"backend must be 'native' for a Grid2D (the two-variable desingularised frame), "
                         f"got {backend!r}")
    if net.gamma == 0:
        raise ValueError("solve_desingularised needs gamma > 0 (epsilon = gamma^(-1/2)); at gamma = 0 use solvers.solve")
    check_fitzhugh_nagumo(net)
    notes: list[str] = []
    q0 = inputs.density("q0", q0, net.P, grid, notes)
    mu0 = centres("mean0", mean0, net.P)
    check_well_prepared(grid.marginal_x(q0), grid.x)
    if method == "bdf2":
        notes.append("method 'bdf2': the y-part of each Strang step is advanced by TR-BDF2 (a two-step "
                     "method's history would mix split steps and lose second order)")
    max_steps = check_cost(net, grid, "y_grid", t0, t_out, dt, rtol, max_step, max_steps)
    scheme = X_METHODS["trbdf2" if method == "bdf2" else method]      # bdf2: see the note
    if math.isinf(net.gamma):
        return solve_limit_2d(net, grid, q0, mu0, t0, t_out, dt, method, progress, callback, notes)
    frame = Desingularised2DFrame(net, grid, tol)
    start = time.perf_counter()
    state0 = frame.initial_state(frame.flat(q0), t0, mu0)
    if np.any(np.abs(frame.moment0) > 1e-12):
        notes.append(f"q0 has first moment {np.array2string(frame.moment0, precision=3)} in y (preserved): "
                     "mu is offset from the mean voltage by epsilon times it")
    outputs, stats, status, message = strang_run(
        frame, state0, t0, t_out, scheme, make_policy(dt, rtol, atol, max_step, scheme, max_steps),
        standard_trackers(progress, callback, f"{method} (desingularised, two-variable)",
                          view=lambda state, fr: fr.density(state.p).copy()))
    stats["wall_time"] = time.perf_counter() - start
    return solution_of(frame, [t for t, _ in outputs], [s for _, s in outputs], method, stats, notes,
                       status, message)


def solution_of(frame: Desingularised2DFrame, times, states: list[State], method: str, stats: dict,
                notes: list[str], status: int, message: str) -> Desingularised2DSolution:
    """The solution object of a run of ``frame`` with the truncation and resolution warnings."""
    sol = Desingularised2DSolution(t=np.asarray(times, dtype=float), q=np.stack([frame.density(s.p) for s in states]),
                                   mu=np.stack([s.mu for s in states]), activity=np.stack([s.m for s in states]),
                                   grid=frame.grid2d, network=frame.net, epsilon=frame.eps, method=method,
                                   stats=stats, notes=notes, status=status, message=message)
    if stats.get("w_clipped_mass", 0.0) > diagnostics.BOUNDARY_MASS_TOL:
        notes.append(f"the recovery characteristics carried mass up to {stats['w_clipped_mass']:.2e} per y-row "
                     "through a w-wall (kept in the end cell): widen the w-grid")
    check_two_variable_outputs(frame, sol)
    return sol
