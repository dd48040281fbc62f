"""The finite-n network of neurons, stepped with the exact Ornstein–Uhlenbeck update.

For neuron i of population α (n neurons per population)

    dX_i = [ f_α(X_i) + γ Σ_k J_{αk} m_k(t) (E_k − X_i) + γ Σ_β G_{αβ} (x̄_β(t) − X_i) ] dt + σ_α dW_i,
    m_k(t) = (1/n) Σ_{j ∈ src(k)} S_k(X_j)          (a_k(t) for an external channel),
    x̄_β(t) = (1/n) Σ_{j ∈ β} X_j                   (empirical mean voltage; gap junctions G ≥ 0),

and for two-variable (FitzHugh–Nagumo) populations f_α(X_i, W_i) with the recovery
dW_i = g_α(X_i, W_i) dt + σ_w,α dW'_i (coupling acts on the voltage only),

with the *empirical* activities m_k recomputed from the particles after every
step (this is the finite-n network, not the mean-field law). Over a step of
length h the activities are frozen: at their start-of-step value ("explicit")
or at their end-of-step value ("implicit"; see Coupling below).
Writing f_α(x) = −g_α x + c_α + f̃_α(x), with the linear part of a ``Leak``
(g = rate, c = rate·rest) treated exactly and any other intrinsic f̃ explicit,
the step is

    r = γ A_α + g_α,  e = exp(−r h),  φ = (1 − e)/r,  s = σ_α sqrt((1 − e²)/(2 r)),
    X ← e X + φ (γ B_α + c_α + f̃_α(X)) + s ξ,        ξ ~ N(0, 1),

with A_α = Σ_k J_{αk} m_k and B_α = Σ_k J_{αk} m_k E_k (so φ γ B_α = (1 − e) x*_α
and nothing is divided by A_α). This is the exact Ornstein–Uhlenbeck step; for a Leak
intrinsic and constant activations it is the exact transition of the OU process
(no time-discretisation error at all). φ and s use expm1 and switch to their
series (φ → h, s → σ sqrt(h)) as r h → 0, which covers A_α = 0. γ = ∞ is refused.

Two variables: f̃_α = f_α(x, w) is explicit (evaluated at the start-of-step X, W), then W
takes the exact recovery step at the new voltage, W ← w*(X') + (W − w*(X')) e^(−c b h) +
σ_w sqrt((1 − e^(−2 c b h))/(2 c b)) ξ' (:class:`validation.particles.plan.Recovery`): a
first-order (Lie) splitting, stable for every γ h and every h c b. Limitation: the recovery
sees the voltage at the end of the step only, so with σ_w = 0 and γ A h ≫ 1 the small
spread of W driven by the unresolved voltage noise (variance O(h/γ) per unit time) comes out
(r h/2) coth(r h/2) times too large (r = γ A); it is resolved for γ A h ≲ 1, and with σ_w > 0
it is negligible against the recovery noise.

Gap junctions (``net.has_electrical``): the plain step with x̄ frozen would pull every
neuron to the old mean when γ A h ≫ 1 and freeze a synchronised population (its mean
would move by h ⟨f⟩ / (γ A h) per step). Every step is then the mean-centred step of
:mod:`validation.particles.centred`: the population means are advanced by the exact flow of
their own linear equation (in which the gap junctions' self-coupling cancels), driven by
⟨f̃⟩, so they move by h ⟨f⟩ + O(h²) for every γ h; the deviations relax exactly with
the OU factor. The mean voltages are thus not frozen over the step but integrated with
it; the Newton unknowns of the implicit coupling stay the activity terms, and each
evaluation gives the end-of-step means consistent with them (the empirical mean of X'
is μ' to round-off). Exact for Leak intrinsics with constant activations.

Coupling (``coupling=``): which m the step freezes.

- "explicit" (lagged): m = m(X) at the start of the step (a_k(t) for external
  channels). First order in h for the coupling (exact with constant activations),
  one pass over the particles per step. Positions stay bounded for every γ, but
  the coupling is not stiffly stable: linearised (Leak-free), the mean moves by
  μ' − x̄ ≈ (e + (1 − e) ρ)(μ − x̄), ρ = dx*/dμ (−0.86 for ``presets.ei_single``),
  which is stable only while (1 − e)(1 − ρ) < 2. With γ A h ≫ 1 (e → 0) this is the
  Picard iteration of the balance map, μ' − x̄ ≈ ρ (μ − x̄), instead of a relaxation
  on the time 1/(γ A (1 − ρ)); the stationary fluctuation of the mean is inflated to
  (w/√n)/sqrt(1 − ρ²) (w: the per-neuron width), and where ρ < −1 at a *stable*
  balance point (steep sigmoids) the scheme oscillates with period 2 or diverges.
  Use it only for γ A h ≲ 1.
- "implicit": m = m' = (1/n) Σ_j S(X'_j(m')), the *end-of-step* empirical activities
  (a_k(t + h) for external channels), where X'(m') is the exact OU step above with m'
  frozen and the step's noise ξ — the coupling is treated like backward Euler. The
  fixed point in the few term means is solved each step by a secant/Newton method
  (:class:`solvers.coupling.SecantNewton`: finite-difference Jacobian kept across
  steps and Broyden-updated) to |m' − (1/n) Σ S(X')| ≤ 1e-12 · s_max per channel
  (1e-6 with precision="single"); each evaluation is one pass over the particles
  (step + activations, X untouched), then an accepting pass writes X'. Typically
  2–3 evaluations per step (``run.stats["evaluations_per_step"]``). Also first order
  in h, and stable at every stable balance point (F' < 0, i.e. ρ < 1) whatever γ h:
  with γ A h ≫ 1 the mean lands on the balance manifold in one step, μ' − x̄ =
  s ξ̄ / (1 − ρ), so its fluctuation is (w/√n)/(1 − ρ) — damped, where the continuous
  network has (w/√n)/sqrt(1 − ρ), resolved only when γ A h ≲ 1 (the per-neuron width
  w and the stationary mean are right for either coupling). Like any implicit step it
  would also damp a *growing* mode with λ h > 2 and hold the network at an unstable
  balance point, so a step is split while λ h > ``MAX_GROWTH`` (λ = γ × the fast growth
  rate at the population means, ``fokker.balance.fast_growth_rate``).
- "auto" (default): implicit when max_α γ A_α dt > ``AUTO_IMPLICIT`` = 0.5 for the
  initial activities, explicit otherwise: below that the lag error is small, the
  explicit step is ~2× cheaper per particle-step, and the two agree to O(h); above it the
  lag error dominates. At γ A h = 0.5 the explicit step is stable for ρ > −4.1 only:
  for steeper networks pass coupling="implicit". The choice and max γ A dt are in
  ``run.stats`` ("coupling", "stiffness").

Implementation: particles are cut into blocks of ``BLOCK`` neurons; block b has
its own random stream (child b + 1 of the seed's SeedSequence; child 0 samples
the initial data), and per-block partial sums of the activations are added in
block order, so the output depends only on the seed — not on the number of
threads. Each block is advanced, its noise drawn and its new activations
summed while it is in cache. An implicit step draws its noise once into a
(P, n) buffer (one more position-sized array) that its evaluations reuse; this
(``noise="buffer"``, the default) was faster than restoring each block generator's
state and redrawing (``noise="replay"``: 14.7 vs 24.6 M particle-steps/s at n = 1e6,
ei_single, γ = 1e6, dt = 1e-3, 1 thread); both give bit-identical output. Numpy ufuncs and the
Generator fill release the GIL, so blocks run on ``threads`` worker threads. Sigmoids of one source with
a common slope λ share a single exponential: S_k(x) = s_k / (1 + c_k u),
u = exp(−λ (x − θ₀)), c_k = exp(λ (θ_k − θ₀)); identical activations of one
source are evaluated once (``precision="single"`` evaluates them in float32).
Only positions at ``t_eval`` are stored (or only their mean and standard
deviation with ``summary_only=True``).
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fokker import checks
from fokker.network import Network
from solvers.cost import DEFAULT_MAX_STEPS, check_particle_run, max_steps_value
from solvers.trackers import ProgressTracker

from .implicit import IMPLICIT_TOL, ImplicitCoupling, implicit_steps
from .initial import initial_state
from .plan import DTYPE, make_plan
from .stepper import BLOCK, NOISE_MODES, Stepper, child_generator

AUTO_IMPLICIT = 0.5
"""coupling="auto" is implicit when max_α γ A_α dt exceeds this (A_α from the initial activities)."""


@dataclass
class ParticleRun:
    """Result of :func:`simulate_particles`.

    t: (nt,) output times; x: (nt, P, n) positions at those times (None with
    ``summary_only``); activity: (nt, K) empirical m_k (a_k(t) for external
    channels); mean, std: (nt, P) per-population sample mean and standard
    deviation; n: neurons per population; dt: the largest step used;
    seed: the SeedSequence entropy (re-running with it reproduces the run);
    stats: steps, particle_steps, wall_time, particle_steps_per_second, threads, block,
    precision, coupling ("explicit"/"implicit"), stiffness (max γ A dt at t0, A including the
    gap junctions), step ("mean-centred" with gap junctions, else "exact-OU"; a string so that
    the stats stay storable as file attributes);
    implicit runs add coupling_tol, coupling_evaluations, jacobian_updates,
    evaluations_per_step, noise.
    w: (nt, P, n) recovery variables, mean_w, std_w: (nt, P) their sample mean and standard
    deviation — all None for one-variable networks (w also None with ``summary_only``).
    """

    t: np.ndarray
    x: np.ndarray | None
    activity: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    n: int
    dt: float
    seed: int | Sequence[int]
    network: Network
    stats: dict = field(default_factory=dict)
    w: np.ndarray | None = None
    mean_w: np.ndarray | None = None
    std_w: np.ndarray | None = None

    @property
    def balance_voltage(self) -> np.ndarray:
        """x*_α(t) = B_α / A_α from the empirical activities (and mean voltages, with gap junctions), (nt, P);
        NaN where A_α = 0."""
        return np.stack([self.network.balance_voltage(m, mu) for m, mu in zip(self.activity, self.mean)])


def _seed_sequence(seed) -> np.random.SeedSequence:
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.SeedSequence(seed)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    raise TypeError(f"seed must be a non-negative int, None or numpy.random.SeedSequence, got {type(seed).__name__}")


def _steps_between(t_a: float, t_b: float, dt: float) -> int:
    return max(1, math.ceil((t_b - t_a) / dt * (1.0 - 1e-12)))


def simulate_particles(net: Network, n: int, initial, t_span: tuple[float, float], dt: float, *,
                       seed=None, t_eval=None, summary_only: bool = False,
                       threads: int | None = None, precision: str = "double",
                       coupling: str = "auto", noise: str = "buffer", progress: bool = False,
                       max_steps: int = DEFAULT_MAX_STEPS) -> ParticleRun:
    """Simulate the n-neuron-per-population network (module docstring) with the exact OU step.

    Parameters
    ----------
    net: the network (finite γ ≥ 0; γ = ∞ has no particle system and is refused).
    n: neurons per population (≥ 1).
    initial: positions (P, n), or (n,) when P == 1; a callable ``(rng, n) -> positions``;
        or a pair ``(grid, p0)`` to sample from the grid density p0 ((nx,) or (P, nx)).
        Two-variable networks: states (P, n, 2), or (n, 2) when P == 1 (last axis: x, w); a
        callable returning them; or ``(grid2d, p0)`` with a :class:`fokker.Grid2D` and p0
        (nx, nw) or (P, nx, nw). A Grid2D for a one-variable network, or a Grid for a
        two-variable one, raises ValueError.
    t_span: (t0, t1); dt: the largest step (each interval between output times is
        cut into equal steps ≤ dt so that every output time is hit exactly).
    seed: int, None or SeedSequence; the same seed gives bit-identical output for
        any number of threads.
    t_eval: output times in [t0, t1] (default: t0 and t1); the run stops at the last one.
    summary_only: keep only mean, std and activities (``x`` is None) for long runs.
    threads: worker threads (default: the number of CPUs).
    precision: "double" (default) or "single": evaluate Sigmoid activations in float32
        (argument formed in float64, sums accumulated in float64): each S_k(X_j) to
        ~1e-6 relative, so m_k to ~1e-6 relative — far below its sampling error
        n^(−1/2) for any feasible n — at about 0.7× the cost per particle-step.
        Positions, noise and the OU step stay in float64.
    coupling: "explicit" (activities frozen at their start-of-step value), "implicit"
        (end-of-step activities, solved per step to 1e-12 relative; 1e-6 with
        precision="single") or "auto" (default): implicit when max_α γ A_α dt > AUTO_IMPLICIT
        (= 0.5) with A_α from the initial activities, explicit otherwise (module docstring).
        The choice is ``run.stats["coupling"]``.
    noise: how an implicit step reuses its noise ξ across the evaluations of its
        fixed point: "buffer" (default: ξ drawn once per step into one more (P, n) array)
        or "replay" (each block generator's state restored and ξ redrawn, no extra
        memory). Both give bit-identical output; explicit steps draw ξ once either way
        (with gap junctions, too, unless the intrinsic is a two-variable one other than
        FitzHughNagumo: then its mean-centred steps reuse ξ in the same way).
    progress: show a progress bar over the simulated time with the remaining-time estimate (as
        ``solvers.solve`` does; off by default).
    max_steps: the step cap (default ``solvers.cost.DEFAULT_MAX_STEPS`` = 10⁶). Before any work a
        run is refused (ValueError naming the arguments and the estimate) when its steps exceed it
        or its arrays, ≈ 8 bytes × P × n × variables × (nt + 6) (no nt term with summary_only),
        exceed the available memory (``solvers.cost``).
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fokker.Network, got {type(net).__name__}")
    if math.isinf(net.gamma):
        raise ValueError("gamma = inf has no particle system (the drift is infinite); simulate a finite "
                         "gamma, or use the desingularised limit solver for gamma = inf")
    n = checks.integer("n (neurons per population)", n, low=1)
    dt = checks.positive("dt", dt)
    t0, t1 = checks.time_span(t_span)
    times = checks.output_times(t_eval, t0, t1, default_count=2)
    threads = (os.cpu_count() or 1) if threads is None else checks.integer("threads", threads, low=1)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {type(progress).__name__} {progress!r}")
    check_particle_run(net.P, n, net.variables, t0, times, dt, summary_only, max_steps_value(max_steps))
    ss = _seed_sequence(seed)
    if coupling not in ("auto", "explicit", "implicit"):
        raise ValueError(f"coupling must be 'auto', 'explicit' or 'implicit', got {coupling!r}")
    if noise not in NOISE_MODES:
        raise ValueError(f"noise must be one of {list(NOISE_MODES)}, got {noise!r}")

    X, W = initial_state(initial, net, n, child_generator(ss, 0))
    if precision not in DTYPE:
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    plan = make_plan(net, precision)
    nt, P = times.size, net.P
    xs = None if summary_only else np.empty((nt, P, n))
    ws = None if summary_only or W is None else np.empty((nt, P, n))
    activity = np.empty((nt, net.K))
    mean = np.empty((nt, P))
    std = np.empty((nt, P))
    mean_w = None if W is None else np.empty((nt, P))
    std_w = None if W is None else np.empty((nt, P))

    start = time.perf_counter()
    stepper = Stepper(net, plan, X, ss, threads, precision, W)
    steps = 0
    bar = ProgressTracker(f"particles (n={n})") if progress else None
    try:
        if bar is not None:
            bar.start(t0, float(times[-1]))
        stepper.sweep("sums")
        t = t0
        m = stepper.activity(t)
        stiffness = float(np.max(net.gamma * net.conductance(m) * dt))
        if coupling == "auto":
            coupling = "implicit" if stiffness > AUTO_IMPLICIT else "explicit"
        implicit = coupling == "implicit"
        if (implicit and plan.n_terms > 0) or (stepper.centred and not stepper.fused):
            stepper.use_noise(noise)        # steps that reuse their noise across sweeps
        solver = ImplicitCoupling(stepper, stepper.term_means(), IMPLICIT_TOL[precision]) if implicit else None
        for i, t_out in enumerate(times):
            if t_out > t:
                count = _steps_between(t, t_out, dt)
                h = (t_out - t) / count
                t_start = t
                for j in range(count):
                    t_next = t_out if j == count - 1 else t_start + (j + 1) * h
                    if implicit:
                        steps += implicit_steps(solver, net, X, t, t_next) - 1
                    else:
                        stepper.explicit_step(m, h)
                    t = t_next
                    m = stepper.activity(t)
                    if bar is not None:
                        bar.handle(t, None, None)
                steps += count
            if not (np.all(np.isfinite(X)) and (W is None or np.all(np.isfinite(W)))):
                raise FloatingPointError(f"particle positions became non-finite before t={t_out}; the "
                                         "explicit intrinsic term overflowed (reduce dt)")
            activity[i] = m
            mean[i] = X.mean(axis=1)
            std[i] = X.std(axis=1)
            if xs is not None:
                xs[i] = X
            if W is not None:
                mean_w[i] = W.mean(axis=1)
                std_w[i] = W.std(axis=1)
                if ws is not None:
                    ws[i] = W
    finally:
        if bar is not None:
            bar.finish()
        stepper.close()
    wall = time.perf_counter() - start
    stats = dict(steps=steps, particle_steps=steps * n * P, wall_time=wall,
                 particle_steps_per_second=steps * n * P / wall if wall > 0 else float("nan"),
                 threads=stepper.threads, block=BLOCK, precision=precision,
                 coupling=coupling, stiffness=stiffness,
                 step="mean-centred" if stepper.centred else "exact-OU")
    if implicit:
        stats.update(coupling_tol=solver.tol, coupling_evaluations=solver.solver.evaluations,
                     jacobian_updates=solver.solver.jacobian_updates, noise=noise,
                     continuations=solver.continuations,
                     evaluations_per_step=solver.solver.evaluations / steps if steps else 0.0)
    return ParticleRun(t=times, x=xs, activity=activity, mean=mean, std=std, n=n, dt=dt,
                       seed=ss.entropy, network=net, stats=stats, w=ws, mean_w=mean_w, std_w=std_w)
