"""The two-variable (voltage x, recovery w) mean-field Fokker–Planck equation of FitzHugh–Nagumo networks.

For each population α on [x_a, x_b] × [w_a, w_b] with zero flux on the whole boundary

    ∂_t p_α = −∂_x (v_α p_α) − ∂_w (g_α p_α) + (σ_α²/2) ∂_xx p_α + (σ_w,α²/2) ∂_ww p_α,
    v_α = f_α(x, w) + γ (B_α − A_α x),   g_α = c (x + a − b w),
    A_α = Σ_k J_αk m_k + Σ_β G_αβ,   B_α = Σ_k J_αk m_k E_k + Σ_β G_αβ x̄_β,
    m_k = ∫∫ S_k(x) p_src(k) dx dw,   x̄_β = ∫∫ x p_β dx dw.

Scheme: Strang splitting y ↦ W(h/2) X(h) W(h/2) y on cell averages p_ij (x-cell i, w-cell j).

- W(τ), the recovery part ∂_t p = −∂_w (g p) + D_w ∂_ww p at frozen x, is
  ``solvers.recovery.recovery_step``: exact characteristics w ↦ w* + (w − w*) e^{−c b τ} with a
  conservative second-order remap and, for D_w > 0, the exact discrete heat semigroup. It has no
  time error, keeps every x-row's mass, p ≥ 0, and moves every row's first moment in w exactly
  (M₁ ↦ θ M₁ + s M₀). Consecutive half steps are merged into one (exact, since W is a semigroup);
  only at output times is the pending half step applied separately.
- X(h), the voltage part ∂_t p = −∂_x (v p) + D ∂_xx p, is one step of an implicit method
  (``solvers.methods``) of the semi-discrete system: one Scharfetter–Gummel tridiagonal system per
  w-row (R = P·nw rows, solved together by ``solvers.kernels_2d.SplitRows``, whose face weights reuse
  the exponentials of the intrinsic drift computed once per run),
  the face drift of row j being the exact mean of f(·, w_j) over the face (f is linear in w, so w_j
  gives the exact cell mean in w too) plus γ (B − A x_face); every implicit stage converges the
  K + P coupling scalars (activities m, and the mean voltages x̄ when there is electrical coupling)
  by ``solvers.coupling.SecantNewton``. The x-part keeps every w-row's mass, so it leaves the
  w-marginal, hence ∫ w p, unchanged; the w-part keeps every x-row's mass, so it leaves the
  x-marginal, hence m and x̄, unchanged.

Methods: "euler" (backward Euler: order 1, p ≥ 0 unconditionally) and "trbdf2" (TR-BDF2, order 2,
L-stable; the limiter of ``solvers.methods``, applied per w-row, keeps p ≥ 0) advance the voltage
part of the Strang step (:class:`StrangStepper`). "bdf2" is not a splitting: a two-step method's
history inside a Strang step would come from states that the intervening w-steps have moved, so
it is BDF2 in the integrating factor of the exact recovery flow (:class:`LawsonBDF2`: one voltage
stage and two recovery steps per step, second order, no splitting error), with the same
properties. Both run in :func:`split_run`, the one step loop.

Properties (each tested): mass to round-off; p ≥ 0; the discrete w-mean moves exactly by the
merged w-steps (w̄ ↦ θ w̄ + (1 − θ) w*(x̄) per w-step of length τ, θ = e^{−c b τ}, the exact
time integral of the discrete ∫ g p at the frozen x-marginal; for "bdf2" the recursion of
:class:`LawsonBDF2`); second order in time (Strang with TR-BDF2, and "bdf2") and in h_x, h_w on
smooth resolved problems; stable for every γ h (the voltage part is implicit, the recovery part
exact). Step sizes: fixed, or error controlled (rtol): the Strang steps with the x-method's
embedded estimate — the splitting error is not part of it, so that error control is a control of
the stiff voltage part only — and "bdf2" with the local error of the whole (unsplit) step.

Accuracy at large γ: the Scharfetter–Gummel flux moves the mean voltage with a relative
velocity error ≈ (h_x/ε)²/6, ε = σ/√(2γA) the balanced width (second order in h_x, but relative
to ε). On a grid that does not resolve ε (a ResolutionWarning) the density is pinned to the
cells: with chemical coupling it still clamps at the right voltage (to within a cell), but
with electrical coupling only the synchronised motion of the mean stalls. Resolve ε with ≥ 5
cells there. With γ A h ≫ 1 a resolved density still moves by ⟨f⟩ h, which may be several widths ε
per step: the stage right-hand sides of the second-order methods (TR-BDF2's y + (g h/2) F(y),
BDF2's (1 + ω) yⁿ − ω²/(1 + ω) yⁿ⁻¹) are then negative on the trailing side of every w-row. The
positivity limiter (:class:`RowLimiter`) keeps each row's mass *and* first moment in x by an
exponential tilt, so the mean voltage is not shifted by the clipping (a clip-and-rescale limiter
moved it: at γ G h = 200 TR-BDF2's error of x̄ was 60 × the spatial one; with the tilt both
second-order methods stay at the spatial floor, tested). The density's shape is still only as
accurate as such a coarse step allows: for it prefer a co-moving frame or steps with ⟨f⟩ h ≲ ε.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fokker import FitzHughNagumo, Grid, Grid2D, Network, checks

from . import diagnostics, inputs
from .controller import FINISHED, judge, make_policy, next_step_time, rescue, retry_after_failure
from .cost import DEFAULT_MAX_STEPS
from .coupling import CouplingError
from .frame import Frame, State, StepStats
from .kernels_2d import SplitRows, tilt_limit
from .methods import EULER, TRBDF2, Limiter, Method, Point
from .recovery import recovery_step_wx
from .stepping import BDF2_MAX_RATIO
from .trackers import CallbackTracker, Stop, Tracker, notify, standard_trackers
from .two_variable_solution import TwoVariableSolution

#: the method that advances the voltage part of a Strang step for each ``method`` name ("bdf2": LawsonBDF2)
X_METHODS: dict[str, Method] = {"euler": EULER, "trbdf2": TRBDF2()}


def check_grid_variables(net: Network, grid: object) -> None:
    """ValueError naming ``grid`` when a two-variable network meets a 1D Grid or a one-variable one a Grid2D."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fokker.Network, got {type(net).__name__}")
    if isinstance(grid, Grid2D) and net.variables != 2:
        raise ValueError(f"grid is a Grid2D (x, w) but the network's populations have {net.variables} "
                         "variable: use a fokker.Grid for one-variable networks")
    if isinstance(grid, Grid) and net.variables == 2:
        raise ValueError("grid is a one-dimensional Grid but the network's populations have two variables "
                         "(x, w): pass grid=Grid2D(x_grid, w_grid)")
    if not isinstance(grid, (Grid, Grid2D)):
        raise TypeError(f"grid must be a fokker.Grid2D (two-variable networks) or a fokker.Grid, got "
                        f"{type(grid).__name__}")


class StagePredictor:
    """Quadratic extrapolation in time of the converged coupling unknowns of one kind of stage.

    The stages of a method (keyed by their coefficient α: TR-BDF2's trapezoidal and BDF2 stages,
    backward Euler's single stage) each solve for u on a smooth curve of stage times; the last three
    converged values of a kind, u(t₀), u(t₁), u(t₂), give the Lagrange quadratic at the new stage
    time, accurate to O(h³) where the linear extrapolation of ``solvers.methods.guess`` is O(h²).
    The guess is used only when the new time lies at most ``reach`` spacings beyond t₂ and the
    spacings are within a factor ``reach`` of each other (otherwise the caller's guess is kept): a
    long extrapolation of a fast transient could leave the stage solution's basin.
    """

    def __init__(self, reach: float = 2.0, depth: int = 3) -> None:
        self.reach = reach
        self.depth = depth
        self.records: dict[float, list[tuple[float, np.ndarray]]] = {}

    def record(self, key: float, t: float, u: np.ndarray) -> None:
        points = [pt for pt in self.records.get(key, []) if pt[0] < t][-(self.depth - 1):]
        points.append((t, u.copy()))
        self.records[key] = points

    def predict(self, key: float, t: float, fallback: np.ndarray) -> np.ndarray:
        points = self.records.get(key, [])
        if len(points) < self.depth:
            return fallback
        (t0, u0), (t1, u1), (t2, u2) = points
        h1, h2, h = t1 - t0, t2 - t1, t - t2
        if not (h > 0.0 and h <= self.reach * h2 and h2 <= self.reach * h1 and h1 <= self.reach * h2):
            return fallback
        l0 = (t - t1) * (t - t2) / ((t0 - t1) * (t0 - t2))
        l1 = (t - t0) * (t - t2) / ((t1 - t0) * (t1 - t2))
        l2 = (t - t0) * (t - t1) / ((t2 - t0) * (t2 - t1))
        return l0 * u0 + l1 * u1 + l2 * u2

    def clear(self) -> None:
        self.records.clear()


class TwoVariableFrame(Frame):
    """The voltage part X(h) of the splitting on the frame contract, plus the recovery part W(τ).

    A state's density is stored as (P, nw·nx), w-row major (row j holds the x-cells of w_j), so
    the rows of the voltage solves are contiguous; :meth:`density` gives the (P, nx, nw) view.
    Coupling unknowns u = (internal activities, mean voltages if electrical).
    """

    nonnegative = True

    def __init__(self, net: Network, grid: Grid2D, tol: float) -> None:
        if math.isinf(net.gamma):
            raise ValueError("gamma = inf has no physical-frame equation; the two-variable solver needs finite gamma")
        for pop in net.populations:
            if not isinstance(pop.intrinsic, FitzHughNagumo):
                raise TypeError(f"population {pop.name!r}: the two-variable solver needs a fokker.FitzHughNagumo "
                                f"intrinsic (g = c (x + a − b w)), got {pop.intrinsic!r}")
        self.electrical = net.has_electrical
        super().__init__(net, grid.x, tol, np.ones(net.P) if self.electrical else None)
        self.grid2d = grid
        self.nx, self.nw = grid.shape
        self.h_w = grid.w.width
        self.x_faces = np.ascontiguousarray(grid.x.inner_faces)
        xc, wc = grid.x.centers, grid.w.centers
        self.f_faces = np.stack([pop.intrinsic.face_average(xc[:-1][None, :], xc[1:][None, :], wc[:, None])
                                 for pop in net.populations])                        # (P, nw, nx − 1)
        self.quadrature = np.ascontiguousarray(net.activation_table(xc)[self.internal] * grid.x.width)
        self.source = np.ascontiguousarray(self.src, dtype=np.int64)
        self.row_weights = np.full(self.nw, self.h_w)
        self.row_diffusion = np.repeat(self.D, self.nw)      # D of every row, with row_drift: the rows' operator
        self.rows = SplitRows(self.f_faces, self.x_faces, self.D, self.h)
        intr = [pop.intrinsic for pop in net.populations]
        self.a, self.b, self.c = (np.array([getattr(f, name) for f in intr]) for name in ("a", "b", "c"))
        self.D_w = net.diffusion_w
        self._zeros = np.zeros(net.P)
        self.predictor = StagePredictor()
        self.recovery_steps = 0
        self.w_clipped_mass = 0.0
        self.w_moment_defect = 0.0

    # -- layout ---------------------------------------------------------------------------------
    def density(self, p: np.ndarray) -> np.ndarray:
        """(P, nx, nw) view of a state density (P, nw·nx)."""
        return p.reshape(self.net.P, self.nw, self.nx).transpose(0, 2, 1)

    def flat(self, density: np.ndarray) -> np.ndarray:
        """State layout (P, nw·nx) of a density (P, nx, nw)."""
        return np.ascontiguousarray(density.transpose(0, 2, 1)).reshape(self.net.P, -1)

    # -- pieces -----------------------------------------------------------------------------------
    def means(self, p: np.ndarray) -> np.ndarray:
        """Mean voltages x̄_α = Σ_ij x_i p_ij h_x h_w, (P,)."""
        rows = p.reshape(self.net.P, self.nw, self.nx)
        return (rows.sum(axis=1) @ self.grid.centers) * (self.h * self.h_w)

    def activities(self, p: np.ndarray, t: float) -> np.ndarray:
        """m_k = Σ_ij S_k(x_i) p_src(k),ij h_x h_w, or a_k(t)."""
        m = self.net.external_activities(t)
        marginal = p.reshape(self.net.P, self.nw, self.nx).sum(axis=1) * self.h_w     # (P, nx)
        m[self.internal] = np.einsum("ki,ki->k", self.quadrature, marginal[self.src])
        return m

    def _unknowns(self, m: np.ndarray, xbar: np.ndarray) -> np.ndarray:
        u = m[self.internal]
        return np.concatenate([u, xbar]) if self.electrical else u.copy()

    def _coupling(self, m: np.ndarray, xbar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(γA, γB) (P,) for activities m and mean voltages xbar."""
        A, B = self.net.coupling(m, xbar if self.electrical else None)
        return self.net.gamma * A, self.net.gamma * B

    def row_drift(self, m: np.ndarray, xbar: np.ndarray) -> np.ndarray:
        """Face drift of every row, (P·nw, nx − 1): with ``row_diffusion`` the operator of the rows in the
        form of ``kernels.sg_solve_rows`` (the stages use the equivalent ``SplitRows``)."""
        gA, gB = self._coupling(m, xbar)
        drift = self.f_faces + (gB[:, None] - gA[:, None] * self.x_faces[None, :])[:, None, :]
        return drift.reshape(-1, self.nx - 1)

    def recover(self, state: State, tau: float) -> State:
        """W(τ) applied to a state: m and x̄ are kept (the x-marginal does not change); τ = 0: the state."""
        if tau == 0.0:
            return state
        P = self.net.P
        step = recovery_step_wx(state.p.reshape(P, self.nw, self.nx), self.grid.centers, self.grid2d.w.lower,
                                self.grid2d.w.upper, self.a, self.b, self.c, tau, self.D_w)
        self.recovery_steps += 1
        self.w_clipped_mass = max(self.w_clipped_mass, float(np.max(step.clipped_mass)))
        self.w_moment_defect = max(self.w_moment_defect, float(np.max(np.abs(step.moment_defect))))
        return State(step.density.reshape(P, -1), state.mu, state.m, state.u)

    # -- frame contract -----------------------------------------------------------------------------
    def initial_state(self, p0: np.ndarray, t0: float, mu0: np.ndarray | None = None) -> State:
        return self.adopt(p0, self._zeros, t0)

    def adopt(self, p: np.ndarray, mu: np.ndarray, t: float) -> State:
        m = self.activities(p, t)
        return State(p, self._zeros, m, self._unknowns(m, self.means(p)))

    def stage(self, rhs_p, rhs_mu, alpha: float, a: float, t: float, u_guess: np.ndarray) -> State:
        """Solve α p − a L(m, x̄) p = rhs row by row with m = ∫∫ S p and x̄ = ∫∫ x p converged."""
        external = self.net.external_activities(t)
        P = self.net.P
        rhs = np.ascontiguousarray(rhs_p).reshape(P, self.nw, self.nx)

        def evaluate(u):
            m = external.copy()
            m[self.internal] = u[:self.K]
            xbar = u[self.K:] if self.electrical else self._zeros
            gA, gB = self._coupling(m, xbar)
            p, m_int, xbar_hat = self.rows.evaluate(gA, gB, alpha, a, rhs, self.quadrature, self.source,
                                                    self.row_weights)
            self.linear_solves += P * self.nw
            m_hat = external.copy()
            m_hat[self.internal] = m_int
            hat = np.concatenate([m_int, xbar_hat]) if self.electrical else m_int
            return u - hat, (p, m_hat, xbar_hat)

        kind = round(alpha, 9)              # the stage kind (equal steps: the same α up to round-off)
        u, _, (p, m_hat, xbar_hat) = self.coupling.solve(evaluate, self.predictor.predict(kind, t, u_guess))
        self.predictor.record(kind, t, u)
        return State(p.reshape(P, -1), self._zeros, m_hat, self._unknowns(m_hat, xbar_hat))

    def rate(self, state: State, t: float):
        """(L(m, x̄) p, 0) at a converged state."""
        xbar = state.u[self.K:] if self.electrical else self._zeros
        dp = self.rows.apply(*self._coupling(state.m, xbar), state.p.reshape(self.net.P, self.nw, self.nx))
        return dp.reshape(self.net.P, -1), self._zeros

    def reset_coupling(self) -> None:
        """Forget the coupling Jacobian and the stage predictor (after a failed stage)."""
        super().reset_coupling()
        self.predictor.clear()

    def growth_rate(self, state: State, t: float) -> float:
        """γ × the fast growth rate of the concentrated network at the mean voltages (≥ 0)."""
        return self.net.gamma * self.fast_growth(self.means(state.p), t)

    def expected_width(self, m: np.ndarray) -> np.ndarray:
        """Balanced voltage width σ / √(2 γ A) (∞ where γ A = 0)."""
        gA = self.net.gamma * self.net.conductance(m)
        with np.errstate(divide="ignore"):
            return np.where(gA > 0, self.net.sigma / np.sqrt(2.0 * np.maximum(gA, 1e-300)), np.inf)

    def stats(self) -> dict:
        out = super().stats()
        out.update(recovery_steps=self.recovery_steps, w_clipped_mass=self.w_clipped_mass,
                   w_moment_defect=self.w_moment_defect)
        return out


class RowLimiter(Limiter):
    """Positivity limiter of stage right-hand sides (P, nw·nx) acting on every w-row separately.

    A w-row with negative entries is clipped and exponentially tilted (``kernels_2d.tilt_limit``)
    so that it keeps its mass (hence the w-marginal and the exact w-mean identity) and its first
    moment in x (hence its share of the mean voltage x̄; the tilt runs on the cell index, an affine
    function of x on the uniform grid, so the moment in x is the same). A row whose sum is ≤ 0
    (round-off, far in the tails) is set to 0; a row whose negative part is below ROUND_OFF × its
    population's total is only clipped and rescaled (all such rows together move x̄ by less than
    nw · ROUND_OFF × the x-range: round-off). ``worst_mean`` is the largest mean (in cells) that a
    tilt could not match (the target outside the clipped row's support).
    """

    ROUND_OFF = 1e-16

    def __init__(self, cells: int) -> None:
        super().__init__(True)
        self.cells = cells
        self.x = np.arange(cells, dtype=float)     # cell index: on a uniform grid the same tilt as the centres
        self.worst_mean = 0.0

    def __call__(self, rhs: np.ndarray, lowest: float | None = None) -> np.ndarray:
        if (rhs.min() if lowest is None else lowest) >= 0.0:
            return rhs
        self.count += 1
        rows = rhs.reshape(-1, self.cells)
        floor = np.repeat(self.ROUND_OFF * np.abs(rhs).sum(axis=1), rows.shape[0] // rhs.shape[0])
        out, _, worst = tilt_limit(rows, self.x, floor)
        self.worst_mean = max(self.worst_mean, worst)
        return out.reshape(rhs.shape)


@dataclass
class Attempt:
    """A proposed step of a split scheme: the new state, the state its error is weighed against
    (the voltage step's start), implicit stages used, the embedded error estimate (or None) and its
    order in h."""

    state: State
    reference: State
    stages: int
    error: tuple[np.ndarray, np.ndarray] | None
    error_order: int


class StrangStepper:
    """W(h/2) X(h) W(h/2), the voltage step X by ``scheme`` (module docstring).

    The second half w-step of a step and the first of the next are merged: ``pending`` is the
    w-time still owed to the current state (applied at output times and for callbacks).
    """

    def __init__(self, scheme: Method, cells: int) -> None:
        self.scheme = scheme
        self.limit = RowLimiter(cells)
        self.pending = 0.0
        self.previous: Point | None = None      # the last accepted voltage-step start: the guesses extrapolate
        self._start: Point | None = None

    def _begin(self, frame: TwoVariableFrame, t: float, state: State, t_new: float) -> Point:
        self._start = Point(t, frame.recover(state, self.pending + 0.5 * (t_new - t)))
        return self._start

    def attempt(self, frame: TwoVariableFrame, t: float, state: State, t_new: float, adaptive: bool) -> Attempt:
        start = self._begin(frame, t, state, t_new)
        history = [start] if self.previous is None else [self.previous, start]
        step = self.scheme.step(frame, history, t_new, self.limit, adaptive)
        return Attempt(step.point.state, start.state, step.stages, step.error, step.error_order)

    def rescue(self, frame: TwoVariableFrame, t: float, state: State, t_new: float) -> tuple[State, int]:
        point, used = rescue(frame, self._begin(frame, t, state, t_new), t_new)
        return point.state, used

    def accepted(self, t: float, t_new: float) -> None:
        self.previous = Point(t, self._start.state)
        self.pending = 0.5 * (t_new - t)

    def synced(self, frame: TwoVariableFrame, state: State, commit: bool) -> State:
        """The state with the pending half w-step applied (``commit``: the pending time is then 0)."""
        out = frame.recover(state, self.pending)
        if commit:
            self.pending = 0.0
        return out


class LawsonBDF2:
    """method "bdf2" on a Grid2D: variable-step BDF2 in the integrating factor of the recovery flow.

    With W(τ) the exact recovery semigroup (``solvers.recovery``) and X the voltage operator, the
    transported density q(s) = W(t − s) p(s) obeys dq/ds = W(t − s) X p(s), and BDF2 for q at
    t = t_{n+1} gives, with h = t_{n+1} − t_n and ω = h / (t_n − t_{n−1}),

        α p_{n+1} − h X(m, x̄) p_{n+1} = (1 + ω) W(h) p_n − ω²/(1 + ω) W(h) W(t_n − t_{n−1}) p_{n−1},
        α = (1 + 2ω)/(1 + ω),

    one implicit voltage stage (coupling converged: ``TwoVariableFrame.stage``) per step and only
    forward recovery steps; W(t_n − t_{n−1}) p_{n−1} is the previous step's W(h) p_n, so a step
    costs two recovery steps and one stage. The first step (and a step with ω > BDF2_MAX_RATIO) is
    the Lie step p_{n+1} − h X p_{n+1} = W(h) p_n (local error O(h²), once).

    Order 2 (BDF2 of the smooth transported trajectory; the w-part is exact in time and there is no
    splitting error). Mass to round-off (W and the stage keep it, the coefficients sum to α).
    p ≥ 0: W keeps it, and the right-hand side, negative only where the density falls by a factor
    > 4 within a step, passes the positivity limiter of each w-row (``RowLimiter``). The w-mean:
    the voltage stage keeps every w-row's mass, hence the w-marginal of the right-hand side, and W
    moves the w-mean exactly (w̄ ↦ θ w̄ + (1 − θ) w*(x̄), θ = e^{−c b τ}), so to round-off

        α w̄_{n+1} = (1 + ω) [θ_h w̄_n + (1 − θ_h) w*(x̄_n)]
                    − ω²/(1 + ω) [θ_{h+h'} w̄_{n−1} + (1 − θ_{h+h'}) w*(x̄_{n−1})],   h' = t_n − t_{n−1},

    a recursion solved exactly by the decay w̄ − w* ∝ e^{−c b t} at frozen x̄, for any steps (the
    time integral of ∫ g p, no numerical drift of the mean). Stable for every γ h: the voltage
    stage is implicit (an M-matrix), W is exact, and p ≥ 0 with unit mass gives ‖p‖₁ = 1.

    Adaptive steps: the local error −(1+ω)²/(6ω(1+2ω)) h³ q''' is estimated with q''' ≈ 6 × the
    third divided difference of the four transported values W(t_{n+1} − t_k) p_k, k = n−2 … n, and
    p_{n+1} (one more recovery step per step); until three past points exist the steps are Lie
    steps with the backward-Euler estimate (h/2)(X q(t_n) − X p_{n+1}).
    """

    name, order, stages, error_order = "bdf2", 2, 1, 3
    max_ratio = BDF2_MAX_RATIO

    def __init__(self, cells: int) -> None:
        self.limit = RowLimiter(cells)
        self.past: list[tuple[float, State]] = []      # (t_k, W(t_n − t_k) p_k), newest first
        self._carried: list[tuple[float, State]] = []

    def attempt(self, frame: TwoVariableFrame, t: float, state: State, t_new: float, adaptive: bool) -> Attempt:
        h = t_new - t
        current = frame.recover(state, h)
        carried = [(tk, frame.recover(sk, h)) for tk, sk in self.past[:2 if adaptive else 1]]
        self._carried = [(t, current)] + carried
        zeros = np.zeros_like(current.mu)
        if len(carried) < (2 if adaptive else 1) or h > BDF2_MAX_RATIO * (t - carried[0][0]):
            new = frame.stage(current.p, zeros, 1.0, h, t_new, current.u)
            error = None
            if adaptive:
                error = (0.5 * h * (frame.rate(current, t)[0] - (new.p - current.p) / h), zeros)
            return Attempt(new, current, 1, error, 2)
        t1, s1 = carried[0]
        w = h / (t - t1)
        rhs = self.limit((1.0 + w) * current.p - (w * w / (1.0 + w)) * s1.p)
        new = frame.stage(rhs, zeros, (1.0 + 2.0 * w) / (1.0 + w), h, t_new, current.u)
        error = None
        if adaptive:
            t2, s2 = carried[1]
            times = (t2, t1, t, t_new)
            values = [s2.p, s1.p, current.p, new.p]
            for level in range(1, 4):                   # divided differences of order 1, 2, 3
                values = [(values[k + 1] - values[k]) / (times[k + level] - times[k]) for k in range(4 - level)]
            error = ((1.0 + w) ** 2 / (w * (1.0 + 2.0 * w)) * h**3 * values[0], zeros)
        return Attempt(new, current, 1, error, 3)

    def rescue(self, frame: TwoVariableFrame, t: float, state: State, t_new: float) -> tuple[State, int]:
        current = frame.recover(state, t_new - t)
        self._carried = [(t, current)]
        point, used = rescue(frame, Point(t, current), t_new)
        return point.state, used

    def accepted(self, t: float, t_new: float) -> None:
        self.past = self._carried[:2]

    def synced(self, frame: TwoVariableFrame, state: State, commit: bool) -> State:
        """The state itself: no w-time is ever pending."""
        return state


def split_run(frame: TwoVariableFrame, state0: State, t0: float, t_out: np.ndarray,
              stepper: StrangStepper | LawsonBDF2, policy,
              trackers: list[Tracker]) -> tuple[list[tuple[float, State]], dict, int, str]:
    """Advance by the steps of ``stepper`` through the output times (see the module docstring).

    The policy (``solvers.controller.FixedSteps`` or ``AdaptiveSteps``) proposes the steps; a step
    is shortened to λ h ≤ MAX_GROWTH while the network has a growing mode λ; a step whose
    coupling fails is rejected (adaptive runs, up to RESCUE_LEVELS times) or retaken as
    backward-Euler substeps of the voltage part (``solvers.controller.rescue``).
    Returns (outputs, stats, status, message).
    """
    stats = StepStats()
    step_trackers = [tr for tr in trackers if tr.every_step]
    output_trackers = [tr for tr in trackers if not tr.every_step]
    watched = any(isinstance(tr, CallbackTracker) for tr in step_trackers)
    outputs: list[tuple[float, State]] = []
    status, message = 0, FINISHED
    t, state = t0, state0
    failures = 0
    for tr in trackers:
        tr.start(t0, float(t_out[-1]))
    try:
        for target in t_out:
            while t < target:
                t_new = next_step_time(frame, state, t, float(target), policy, stats,
                                       getattr(policy, "max_steps", DEFAULT_MAX_STEPS), float(t_out[-1]))
                h = t_new - t
                try:
                    attempt = stepper.attempt(frame, t, state, t_new, policy.adaptive)
                    stats.stages += attempt.stages
                    new = attempt.state
                except CouplingError:
                    if retry_after_failure(frame, policy, stats, failures, h):
                        failures += 1
                        continue
                    new, used = stepper.rescue(frame, t, state, t_new)
                    stats.rescued_steps += 1
                    stats.stages += used
                    attempt = None
                error = None if attempt is None or not policy.adaptive else \
                    policy.norm(attempt.error, attempt.reference, new)
                if not judge(policy, stats, t_new, h, error, attempt.error_order if attempt is not None else 1):
                    continue
                failures = 0
                stats.steps += 1
                stepper.accepted(t, t_new)
                t, state = t_new, new
                request = None
                if step_trackers:
                    # the trackers (the user's callback) see the density with its pending w-step done
                    synced = stepper.synced(frame, state, False) if watched else state
                    request = notify(step_trackers, t, synced, frame)
                if isinstance(request, Stop):
                    status, message = 1, request.message
                    break
            if status == 1:
                if t >= target:                       # the output time was reached: keep it
                    outputs.append((t, stepper.synced(frame, state, True)))
                break
            state = stepper.synced(frame, state, True)
            outputs.append((t, state))
            request = notify(output_trackers, t, state, frame)
            if isinstance(request, Stop):
                status, message = 1, request.message
                break
    finally:
        for tr in trackers:
            tr.finish()
    stats.limited_stages = stepper.limit.count
    out = stats.as_dict()
    out.update(frame.stats())
    return outputs, out, status, message


def make_stepper(method: str, frame: TwoVariableFrame) -> StrangStepper | LawsonBDF2:
    """The stepper of ``method``: "bdf2" → :class:`LawsonBDF2`, "euler"/"trbdf2" → :class:`StrangStepper`."""
    if method == "bdf2":
        return LawsonBDF2(frame.nx)
    if method not in X_METHODS:
        raise ValueError(f"method must be 'euler', 'trbdf2' or 'bdf2' for a Grid2D, got {method!r}")
    return StrangStepper(X_METHODS[method], frame.nx)


def strang_run(frame: TwoVariableFrame, state0: State, t0: float, t_out: np.ndarray, scheme: Method, policy,
               trackers: list[Tracker]) -> tuple[list[tuple[float, State]], dict, int, str]:
    """Advance by Strang steps W(h/2) X(h) W(h/2) (X by ``scheme``) through the output times:
    :func:`split_run` with a :class:`StrangStepper`. Returns (outputs, stats, status, message)."""
    return split_run(frame, state0, t0, t_out, StrangStepper(scheme, frame.nx), policy, trackers)


def check_two_variable_outputs(frame: TwoVariableFrame, sol: TwoVariableSolution) -> None:
    """Truncation and resolution warnings (once per kind and variable) at the output times."""
    names = sol.network.population_names
    grid = sol.grid
    warned_x: set = set()
    warned_w: set = set()
    marg_x, marg_w = sol.marginal_x(), sol.marginal_w()
    std_w = sol.std_w()
    for k, t in enumerate(sol.t):
        diagnostics.check_resolution(frame.expected_width(sol.activity[k]), grid.x.width, names, warned_x,
                                     frame.resolution_advice)
        diagnostics.check_boundary(marg_x[k], grid.x.width, float(t), names, warned_x,
                                   advice="widen the voltage (x) grid")
        diagnostics.check_boundary(marg_w[k], grid.w.width, float(t), names, warned_w,
                                   advice="widen the recovery (w) grid")
        cells = std_w[k] / grid.w.width
        if "resolution" not in warned_w and np.any(cells < diagnostics.CELLS_PER_WIDTH):
            a = int(np.argmin(cells))
            warned_w.add("resolution")
            checks.warn(f"population {names[a]!r}: the recovery variable's standard deviation {std_w[k, a]:.3e} "
                        f"spans only {cells[a]:.2f} cells of width {grid.w.width:.3e} at t={float(t):g} (want >= "
                        f"{diagnostics.CELLS_PER_WIDTH:g}); refine the w-grid", diagnostics.ResolutionWarning)


def solve_two_variable(net: Network, grid: Grid2D, p0, t_span=(0.0, 1.0), dt: float = 0.01, t_eval=None,
                       method: str = "bdf2", backend: str = "native", tol: float = 1e-10,
                       frame: str = "physical", progress: bool = False, rtol: float | None = None,
                       atol: float = 1e-10, max_step: float = math.inf,
                       callback: Callable | None = None,
                       max_steps: int = DEFAULT_MAX_STEPS) -> TwoVariableSolution:
    """Solve the two-variable mean-field equation of a FitzHugh–Nagumo ``net`` on a ``Grid2D`` (module docstring).

    Called by :func:`solvers.solve` when ``grid`` is a :class:`fokker.Grid2D`; the arguments are
    those of ``solve`` with: p0 of shape (nx, nw) when P == 1 or (P, nx, nw); method "euler",
    "trbdf2" (Strang steps) or "bdf2" (:class:`LawsonBDF2`, see the module docstring); backend
    "native" and frame "physical" only; callback(t, p (P, nx, nw), m) -> bool.
    """
    check_grid_variables(net, grid)
    t0, t1, t_out, dt, method, tol, rtol, atol, max_step, callback = inputs.run_options(
        t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback)
    if backend != "native":
        raise ValueError(f"backend must be 'native' for a Grid2D (the two-variable solver), got {backend!r}")
    if frame != "physical":
        raise ValueError(f"frame must be 'physical' for a Grid2D (the two-variable solver), got {frame!r}")
    notes: list[str] = []
    p0 = inputs.density("p0", p0, net.P, grid, notes)
    solver = TwoVariableFrame(net, grid, tol)
    stepper = make_stepper(method, solver)
    scheme = stepper if isinstance(stepper, LawsonBDF2) else stepper.scheme
    policy = make_policy(dt, rtol, atol, max_step, scheme, max_steps)
    start = time.perf_counter()
    state0 = solver.initial_state(solver.flat(p0), t0)
    outputs, stats, status, message = split_run(
        solver, state0, t0, t_out, stepper, policy,
        standard_trackers(progress, callback, f"{method} (two-variable)",
                          view=lambda state, fr: fr.density(state.p).copy()))
    stats["wall_time"] = time.perf_counter() - start
    states = [s for _, s in outputs]
    sol = TwoVariableSolution(t=t_out[:len(states)], p=np.stack([solver.density(s.p) for s in states]),
                              activity=np.stack([s.m for s in states]), grid=grid, network=net, method=method,
                              stats=stats, notes=notes, status=status, message=message)
    if stats["w_clipped_mass"] > diagnostics.BOUNDARY_MASS_TOL:
        notes.append(f"the recovery characteristics carried mass up to {stats['w_clipped_mass']:.2e} per x-row "
                     "through a w-wall (kept in the end cell): widen the w-grid")
    check_two_variable_outputs(solver, sol)
    return sol
