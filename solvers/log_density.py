"""The mean-field equation for the log-density u = γ⁻¹ log p (the Hopf–Cole view).

Substituting p = e^{γ u} into the Fokker–Planck equation (D = σ²/2, v = f + γ (B − A x),
A = J m, B = J (m ∘ E)) gives the viscous Hamilton–Jacobi equation

    ∂_t u = A − f'(x)/γ − v ∂_x u + D ∂_xx u + γ D (∂_x u)²,
    m_k = ∫ S_k e^{γ u_src(k)} dx / ∫ e^{γ u_src(k)} dx   (or a_k(t)),

with zero flux at both ends; its viscosity per unit of fast time τ = γ t is D/γ. The
unknown is carried as w = γ u = log p, which is finite far below the underflow of p
(log p = −1e8 and beyond at γ = 1e8).

Space: the Scharfetter–Gummel finite-volume scheme of ``solvers.solve`` written in log
variables. Dividing h dp_i/dt = J_{i−½} − J_{i+½} by p_i = e^{w_i},

    dw_i/dt = G_i(w) = c [ B(−z_{i−½}) e^{w_{i−1} − w_i} − B(z_{i−½})
                          − B(−z_{i+½}) + B(z_{i+½}) e^{w_{i+1} − w_i} ],   c = D/h²,

z = v̄ h / D with v̄ the exact mean of v between neighbouring centres (as in the physical
frame); terms of missing faces are absent (zero flux). Each product B(±z) e^{Δw} is
evaluated as exp(log B(±z) + log c ± Δw) with log B computed stably for every real z, so
no ratio overflows or underflows on its own at γ = 1e10. Properties:

- semi-discretely it *is* the SG scheme: e^{w} solves the same ODE system as the density of
  ``solvers.solve`` on the same grid, so the two differ only by their time discretisation
  (and the round-off of p where p is tiny);
- for frozen m the stationary state is the discrete Gibbs potential exactly:
  G(w) = 0 for w_{i+1} − w_i = z_{i+½}, i.e. w_i = 2 U(x_i)/σ² + const, U' = v, at every h;
- monotone: G_i depends on w only through the differences w_{i±1} − w_i and increases
  with w_{i±1} (exponential fitting, i.e. upwinding where the cell Péclet number |z| is
  large), so the scheme is consistent with the vanishing-viscosity limit without
  oscillations; it is invariant under w + const;
- second order in space on resolved smooth problems, like the SG scheme.

Time: the implicit stages of ``solvers.stepping`` (euler: order 1; bdf2, trbdf2: order 2,
L-stable) applied to w. Each stage α w − a G(w) = rhs is solved by Newton's method with its
exact tridiagonal Jacobian α I − a G'(w), an M-matrix (off-diagonals −a c B e^{Δw} ≤ 0,
strictly diagonally dominant rows). G is convex (a sum of exponentials of affine functions
of w), so Newton's method converges from any start (monotone convergence for convex
M-functions); a step that would overflow an exponential is halved. The activities are the
unknowns of the stage's fixed point, converged to |m − ∫ S p(m)| ≤ tol by the secant–Newton
method of ``solvers.coupling``, with p = e^{w − log Σ e^{w} h} (log-sum-exp: no underflow
of the normalisation). After each stage w is shifted by its log-sum-exp so that
Σ e^{w_i} h = 1; since G depends only on differences this changes nothing but the constant.
No positivity limiter is applied (``nonnegative = False``): w may take any sign.

Accuracy and cost where log p is not resolved. The scheme approximates cell averages of p:
where log p changes by much more than 1 per cell (deep tails on a grid that only resolves
the width σ/√(2γA)), a cell whose log-density lies *above* its stationary value drains at
most at the upwind rate |v|/h per unit time, whereas the continuum tail drops at a rate
∝ (x − x̄)²; such transients in the tails are therefore slower than the exact ones (the
stationary state is still reached exactly), and their stage solves need many Newton
iterations (hundreds per stage for the collapse of O(1)-wide data at γ = 1e4 on a grid of
width-resolving cells, against 2–6 otherwise). Tails *below* their stationary value rise
through the unbounded inflow terms and are handled in a few iterations. Accurate
transients of log p in the tails need h |∂_x log p| ≲ 1.
"""
from __future__ import annotations

import math
import time

import numpy as np
from scipy.special import logsumexp

from fokker import Grid, Network, checks

from . import cost, diagnostics, inputs
from .coupling import CouplingError
from .fluxes import bernoulli
from .linalg import solve_each
from .log_solution import LogSolution
from .physical import PhysicalFrame
from .api import finish_stats, one_variable
from .controller import make_policy
from .cost import check_cost
from .controller import run
from .frame import Frame, State
from .trackers import standard_trackers

SERIES_BELOW = 1e-3      # |z| below which log B(z) uses its Taylor series
NEWTON_TOL = 1e-12       # inner Newton stops when max |δw| / (1 + |w|) ≤ NEWTON_TOL
MAX_NEWTON = 30          # Newton iterations per stage solve
MAX_DAMPING = 8          # halvings of a Newton step with a non-finite residual before giving up on it
MIN_CONTINUATION = 2.0**-50   # smallest continuation increment, relative to the stage's a


class _NewtonFailure(Exception):
    """Newton's method failed on one stage solve (the caller then continues in the step size)."""


def log_bernoulli(z: np.ndarray) -> np.ndarray:
    """log B(z) = log(z / (e^z − 1)) for every real z, without overflow or cancellation.

    log B(z) = log|z| − max(z, 0) − log(1 − e^{−|z|}) (the last term by expm1), and the series
    −z/2 − z²/24 + z⁴/2880 for |z| < SERIES_BELOW (truncation error < 1e-23).
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < SERIES_BELOW
    zs = z[small]
    z2 = zs * zs
    out[small] = -0.5 * zs - z2 / 24.0 + z2 * z2 / 2880.0
    zb = z[~small]
    ab = np.abs(zb)
    out[~small] = np.log(ab) - np.maximum(zb, 0.0) - np.log(-np.expm1(-ab))
    return out


def log_mass(w: np.ndarray, h: float) -> np.ndarray:
    """log Σ_i e^{w_i} h along the last axis (log-sum-exp: no overflow or underflow)."""
    return logsumexp(w, axis=-1) + math.log(h)


class _Exchange:
    """The m-dependent coefficients of G: log(c B(z)), log(c B(−z)) per face and the outflow c(B(z_{i−½}) + B(−z_{i+½}))."""

    def __init__(self, face_drift: np.ndarray, diffusion: np.ndarray, h: float) -> None:
        D = diffusion[:, None]
        z = face_drift * (h / D)
        log_c = np.log(D / (h * h))
        self.log_right = log_bernoulli(z) + log_c          # weight of e^{w_{i+1} − w_i} in G_i
        self.log_left = log_bernoulli(-z) + log_c          # weight of e^{w_i − w_{i+1}} in G_{i+1}
        c = D / (h * h)
        forward = bernoulli(z)
        P, nf = z.shape
        self.outflow = np.zeros((P, nf + 1))
        self.outflow[:, 1:] += c * forward                  # c B(z_{i−½})
        self.outflow[:, :-1] += c * (forward + z)           # c B(−z_{i+½}) = c (B(z) + z)

    def exponents(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dw = w[:, 1:] - w[:, :-1]
        return self.log_right + dw, self.log_left - dw

    def stage_system(self, w: np.ndarray, rhs: np.ndarray, alpha: float, a: float, jacobian: bool = True):
        """Residual F(w) of the stage α w − a G(w) = rhs, row by row in one of two equivalent forms,
        and (if ``jacobian``) the bands (lower, diag, upper) of ∂F/∂w.

        With S_i = a (inflow_i) = a c (B e^{Δw} terms) and T_i = α w_i − rhs_i + a · outflow_i the
        stage reads T_i = S_i. Rows where the inflow dominates (T_i > 0, S_i > T_i) use
        log T_i − log S_i (log S by log-sum-exp: finite for any exponents, and nearly linear in w,
        so Newton needs a few iterations even where e^{Δw} would overflow); the others use
        T_i − S_i. Both are increasing in w_i and decreasing in w_{i±1}: ∂F/∂w is an M-matrix.
        """
        to_right, to_left = self.exponents(w)
        P, n = w.shape
        log_a = math.log(a)
        e_right = np.full((P, n), -np.inf)
        e_right[:, :-1] = to_right + log_a
        e_left = np.full((P, n), -np.inf)
        e_left[:, 1:] = to_left + log_a
        log_s = np.logaddexp(e_left, e_right)
        T = alpha * w - rhs + a * self.outflow
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_t = np.log(T)
            use_log = (T > 0.0) & (log_s > log_t)
            S = np.exp(np.where(use_log, 0.0, log_s))        # inf only where the row is hopeless (T ≤ 0)
            F = np.where(use_log, log_t - log_s, T - S)
            if not jacobian:
                return F
            share_left = np.exp(e_left - log_s)               # a L / S ∈ [0, 1]
            share_right = np.exp(e_right - log_s)
            diag = np.where(use_log, 1.0 + alpha / T, alpha + S)
            off_left = -np.where(use_log, share_left, S * share_left)
            off_right = -np.where(use_log, share_right, S * share_right)
        return F, off_left[:, 1:], diag, off_right[:, :-1]

    def rates(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(G(w), left, right): G (P, n), left_i = ∂G_{i+1}/∂w_i, right_i = ∂G_i/∂w_{i+1} (P, n−1)."""
        to_right, to_left = self.exponents(w)
        right = np.exp(to_right)
        left = np.exp(to_left)
        G = -self.outflow
        G[:, :-1] += right
        G[:, 1:] += left
        return G, left, right


class LogDensityFrame(Frame):
    """Implicit stages of the log-density equation (see the module docstring); state.p holds w = log p."""

    nonnegative = False      # w = log p can be negative: the stepper's positivity limiter must not touch it

    def __init__(self, net: Network, grid: Grid, tol: float) -> None:
        super().__init__(net, grid, tol)
        self.physical = PhysicalFrame(net, grid, tol)     # drift, activity quadrature and widths
        self.physical.coupling = self.coupling
        self.newton_iterations = 0
        self.linear_solves = 0
        self.continued_stages = 0

    # -- pieces ------------------------------------------------------------------------------
    def normalise(self, w: np.ndarray) -> np.ndarray:
        """w − log Σ e^{w} h: the log-density of unit mass."""
        return w - log_mass(w, self.h)[:, None]

    def density(self, w: np.ndarray) -> np.ndarray:
        """e^{w} normalised to unit mass (entries below ~1e-308 underflow to 0, harmlessly)."""
        return np.exp(self.normalise(w))

    def activities(self, w: np.ndarray, t: float, external: np.ndarray | None = None) -> np.ndarray:
        """m_k = Σ_i S_k(x_i) e^{w_i} h / Σ_i e^{w_i} h, or a_k(t)."""
        return self.physical.activities(self.density(w), t, external)

    def exchange(self, m: np.ndarray) -> _Exchange:
        return _Exchange(self.physical.drift(m), self.net.diffusion, self.h)

    def newton(self, exchange: _Exchange, rhs: np.ndarray, alpha: float, a: float, w: np.ndarray) -> np.ndarray:
        """w solving α w − a G(w) = rhs by Newton's method from ``w`` (tridiagonal Jacobian).

        Raises _NewtonFailure when a step gives a non-finite residual even after MAX_DAMPING
        halvings, or after MAX_NEWTON iterations.
        """
        for _ in range(MAX_NEWTON):
            F, lower, diag, upper = exchange.stage_system(w, rhs, alpha, a)
            if not np.all(np.isfinite(F)):
                raise _NewtonFailure
            step = solve_each(lower, diag, upper, F)
            self.newton_iterations += 1
            self.linear_solves += w.shape[0]
            for _ in range(MAX_DAMPING):
                trial = w - step
                if np.all(np.isfinite(exchange.stage_system(trial, rhs, alpha, a, jacobian=False))):
                    break
                step *= 0.5
            else:
                raise _NewtonFailure
            w = trial
            if float(np.max(np.abs(step) / (1.0 + np.abs(w)))) <= NEWTON_TOL:
                return w
        raise _NewtonFailure

    def solve_nonlinear(self, exchange: _Exchange, rhs: np.ndarray, alpha: float, a: float,
                        w: np.ndarray) -> np.ndarray:
        """w solving α w − a G(w) = rhs: Newton from ``w``, else continuation in a from a = 0.

        A stage with a large a ‖G'‖ (large γ dt far from equilibrium) can throw Newton's first
        step far from the solution; then the same stage is solved for a sequence of step
        sizes b from 0 (solution rhs/α) up to a, each Newton solve starting from the previous
        solution, and b is bisected towards the last solved value wherever Newton fails.
        The result is the solution of the stage with the requested a (the time discretisation
        is unchanged); ``stats["continued_stages"]`` counts these stages.
        """
        try:
            return self.newton(exchange, rhs, alpha, a, w)
        except _NewtonFailure:
            pass
        self.continued_stages += 1
        solved, w = 0.0, rhs / alpha
        targets = [a]
        while targets:
            b = targets[-1]
            try:
                w = self.newton(exchange, rhs, alpha, b, w)
            except _NewtonFailure:
                if b - solved <= MIN_CONTINUATION * a:
                    raise CouplingError(f"the implicit log-density stage did not converge (Newton fails at step "
                                        f"{b:.3g} of {a:.3g} even by continuation); reduce dt") from None
                targets.append(0.5 * (solved + b))
                continue
            solved = b
            targets.pop()
        return w

    # -- frame interface ---------------------------------------------------------------------
    def initial_state(self, p0: np.ndarray, t0: float, mu0: np.ndarray | None = None) -> State:
        """The state of the initial log-density ``p0`` (any finite values; normalised here)."""
        return self.adopt(p0, np.zeros(self.net.P), t0)

    def adopt(self, p: np.ndarray, mu: np.ndarray, t: float) -> State:
        """The state of the log-density p (normalised) with its activities."""
        w = self.normalise(p)
        m = self.activities(w, t)
        return State(w, np.asarray(mu, dtype=float), m, m[self.internal].copy())

    def stage(self, rhs_p, rhs_mu, alpha: float, a: float, t: float, u_guess: np.ndarray) -> State:
        """Solve α w − a G(w; m) = rhs with m = ∫ S e^{w} / ∫ e^{w}; return the normalised w."""
        external = self.net.external_activities(t)
        start = [rhs_p / alpha]          # Newton's start: the last solution of this stage

        def evaluate(u):
            m = external.copy()
            m[self.internal] = u
            w = self.solve_nonlinear(self.exchange(m), rhs_p, alpha, a, start[0])
            start[0] = w
            m_hat = self.activities(w, t, external)
            return u - m_hat[self.internal], (w, m_hat)

        _, _, (w, m_hat) = self.coupling.solve(evaluate, u_guess)
        return State(self.normalise(w), rhs_mu, m_hat, m_hat[self.internal])

    def rate(self, state: State, t: float):
        """(∂_t w, ∂_t μ) = (G(w; m), 0) at a converged state."""
        return self.exchange(state.m).rates(state.p)[0], np.zeros_like(state.mu)

    def growth_rate(self, state: State, t: float) -> float:
        """γ × the fast growth rate of the concentrated network at the current means (≥ 0)."""
        return self.physical.growth_rate(State(self.density(state.p), state.mu, state.m, state.u), t)

    def expected_width(self, m: np.ndarray) -> np.ndarray:
        """σ / √(2 γ A) (∞ where γ A = 0)."""
        return self.physical.expected_width(m)

    def stats(self) -> dict:
        """The base counters plus the inner Newton iterations and the continued stages."""
        return {**super().stats(), "newton_iterations": self.newton_iterations,
                "continued_stages": self.continued_stages}


def initial_log_density(p0: object, log_p0: object, P: int, grid: Grid, notes: list[str]) -> np.ndarray:
    """The normalised initial log-density (P, n) from exactly one of p0 (> 0 everywhere) or log_p0."""
    if (p0 is None) == (log_p0 is None):
        raise ValueError("give exactly one of p0 (a density > 0 everywhere) or log_p0 (the log of a density, "
                         f"any finite values); got p0={'None' if p0 is None else 'an array'}, "
                         f"log_p0={'None' if log_p0 is None else 'an array'}")
    if p0 is not None:
        p = inputs.density("p0", p0, P, grid, notes)
        if np.any(p <= 0.0):
            bad = tuple(int(i) for i in np.argwhere(p <= 0.0)[0])
            raise ValueError(f"p0 must be > 0 everywhere (its logarithm is the unknown); entry {bad} is 0: "
                             "pass log_p0 for densities below round-off")
        return np.log(p)
    w = checks.finite_array("log_p0", log_p0)
    if w.ndim == 1 and P == 1:
        w = w[None, :]
    if w.shape != (P, grid.nx):
        allowed = f"({grid.nx},) or {(P, grid.nx)}" if P == 1 else f"{(P, grid.nx)}"
        raise ValueError(f"log_p0 must have shape {allowed} (P populations × grid cells), got {np.shape(log_p0)}")
    shift = log_mass(w, grid.width)
    if np.any(np.abs(shift) > 1e-12):
        notes.append(f"log_p0 had log-mass {np.array2string(shift, precision=6)}; shifted to unit mass")
    return w - shift[:, None]


def solve_log(net: Network, grid: Grid, p0=None, t_span=(0.0, 1.0), dt: float = 0.01, t_eval=None,
              method: str = "bdf2", tol: float = 1e-10, log_p0=None, progress: bool = False,
              rtol: float | None = None, atol: float = 1e-10, max_step: float = math.inf,
              callback=None, max_steps: int = cost.DEFAULT_MAX_STEPS) -> LogSolution:
    """Solve the mean-field equation of ``net`` for u = γ⁻¹ log p on ``grid`` (see the module docstring).

    Parameters
    ----------
    net : the network, 0 < γ < ∞ (u = log p / γ); tested for γ from 1 to 1e10.
    grid : cell-centred grid on the truncated interval (zero-flux ends).
    p0 : initial density > 0 everywhere, (nx,) when P == 1 or (P, nx); normalised if its mass
        is not 1. Give exactly one of p0 and log_p0.
    t_span : (t0, t1) with t1 > t0.
    dt : maximal step; every interval between outputs is split into equal steps ≤ dt.
    t_eval : output times inside t_span (default: 101 equal times); hit exactly.
    method : "euler" (order 1), "bdf2" (order 2, L-stable) or "trbdf2" (order 2, L-stable).
    tol : activities converged each stage to |m − ∫ S p(m)| ≤ tol.
    log_p0 : the initial log-density instead of p0, any finite values (shifted to unit mass),
        for data far below the underflow of p.
    progress : show a progress bar over the steps.
    rtol, atol, max_step : None (default) for steps of at most dt; with rtol the steps are
        error controlled as in :func:`solvers.solve` (the error of the log-density w = log p is
        weighted by atol + rtol·max_i |w_α,i|), ``dt`` is then the first step.
    callback : ``callback(t, log_p, m) -> bool`` after every accepted step; True stops the
        run (``status`` 1, arrays ending at the last output time reached).
    max_steps : the step cap and memory guard of :func:`solvers.solve` (default 10⁶ steps).

    Returns a :class:`LogSolution` with ``log_p`` (normalised), ``u = log_p / γ``, ``mean()``,
    ``std()``, ``activity`` (nt, K) and the run's ``stats`` and ``notes``.
    """
    one_variable(net)
    inputs.network_and_grid(net, grid)
    if net.has_electrical:
        raise ValueError("solve_log does not support electrical coupling yet (the mean voltages would join the "
                         "coupling unknowns): use solvers.solve or solvers.solve_desingularised for net")
    if not 0.0 < net.gamma < math.inf:
        raise ValueError(f"solve_log needs 0 < gamma < inf (u = log p / gamma), got gamma = {net.gamma}: "
                         "use solvers.solve for gamma = 0 and solvers.solve_desingularised for gamma = inf")
    t0, t1, t_out, dt, method, tol, rtol, atol, max_step, callback = inputs.run_options(
        t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback)
    max_steps = check_cost(net, grid, "grid", t0, t_out, dt, rtol, max_step, max_steps)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {type(progress).__name__} {progress!r}")
    notes: list[str] = []
    w0 = initial_log_density(p0, log_p0, net.P, grid, notes)
    frame = LogDensityFrame(net, grid, tol)
    start = time.perf_counter()
    result = run(frame, frame.initial_state(w0, t0), t0, t_out, method, make_policy(dt, rtol, atol, max_step, method, max_steps),
                 standard_trackers(progress, callback, f"{method} (log-density)"))
    states = [s for _, s, _ in result.outputs]
    t_done = t_out[:len(states)]
    sol = LogSolution(t=t_done, log_p=np.stack([s.p for s in states]), activity=np.stack([s.m for s in states]),
                      grid=grid, network=net, method=method, stats=finish_stats(result, start), notes=notes,
                      status=result.status, message=result.message)
    diagnostics.check_outputs(frame.expected_width(sol.activity), sol.density(), grid.width, t_done,
                              net.population_names)
    return sol
