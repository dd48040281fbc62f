"""The finite-n network of model.md §1, stepped with the exact Ornstein–Uhlenbeck update of §6.

For neuron i of population α (n neurons per population)

    dX_i = [ f_α(X_i) + γ Σ_k J_{αk} m_k(t) (E_k − X_i) ] dt + σ_α dW_i,
    m_k(t) = (1/n) Σ_{j ∈ src(k)} S_k(X_j)          (a_k(t) for an external channel),

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
and nothing is divided by A_α). This is model.md §6's exact OU step; for a Leak
intrinsic and constant activations it is the exact transition of the OU process
(no time-discretisation error at all). φ and s use expm1 and switch to their
series (φ → h, s → σ sqrt(h)) as r h → 0, which covers A_α = 0. γ = ∞ is refused.

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
was faster than restoring each block generator's state and redrawing (``NOISE``
= "replay": 14.7 vs 24.6 M particle-steps/s at n = 1e6, ei_single, γ = 1e6,
dt = 1e-3, 1 thread) and gives bit-identical output. Numpy ufuncs and the
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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from fokker import checks
from fokker.activation import Sigmoid
from fokker.grid import Grid
from fokker.intrinsic import Leak
from fokker.network import Network
from fokker.balance import fast_growth_rate
from solvers.coupling import CouplingError, SecantNewton
from solvers.stepping import MAX_GROWTH

BLOCK = 1 << 15
"""Particles per random stream and per compute chunk (part of the reproducibility contract)."""

_SERIES_RH = 1e-10   # below this r h the series φ = h (1 − r h / 2), s² = σ² h (1 − r h) is exact to round-off
# |λ (θ_k − θ₀)| above which sigmoids get their own exponential (no over/underflow of c_k)
_GROUP_SPAN = {"double": 300.0, "single": 40.0}
_DTYPE = {"double": np.float64, "single": np.float32}
AUTO_IMPLICIT = 0.5
"""coupling="auto" is implicit when max_α γ A_α dt exceeds this (A_α from the initial activities)."""
IMPLICIT_TOL = {"double": 1e-12, "single": 1e-6}
"""Implicit coupling: |m'_k − mean_j S_k(X'_j)| ≤ tol · s_max,k at the end of every step."""
NOISE = "buffer"
"""How an implicit step reuses its noise across evaluations: "buffer" or "replay" (see _Stepper)."""


@dataclass
class ParticleRun:
    """Result of :func:`simulate_particles`.

    t: (nt,) output times; x: (nt, P, n) positions at those times (None with
    ``summary_only``); activity: (nt, K) empirical m_k (a_k(t) for external
    channels); mean, std: (nt, P) per-population sample mean and standard
    deviation; n: neurons per population; dt: the largest step used;
    seed: the SeedSequence entropy (re-running with it reproduces the run);
    stats: steps, particle_steps, wall_time, particle_steps_per_second, threads, block,
    precision, coupling ("explicit"/"implicit"), stiffness (max γ A dt at t0); implicit runs
    add coupling_tol, coupling_evaluations, jacobian_updates, evaluations_per_step, noise.
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

    @property
    def balance_voltage(self) -> np.ndarray:
        """x*_α(t) = B_α / A_α from the empirical activities, (nt, P); NaN where A_α = 0."""
        return np.stack([self.network.balance_voltage(m) for m in self.activity])


# --------------------------------------------------------------------------------- planning
@dataclass
class _Plan:
    """Which activations to evaluate on which population's particles."""

    n_terms: int
    term_source: np.ndarray                     # (n_terms,) source population of each term
    channel_term: np.ndarray                    # (K,) term index, −1 for constant or external
    channel_constant: np.ndarray                # (K,) value of constant internal channels
    sigmoid_groups: list[list]                  # per population: [(−λ, λθ₀, [(term, c, s_max)])]
    callable_terms: list[list]                  # per population: [(term, func)]
    leak_rate: np.ndarray                       # (P,) g_α (linear part treated exactly)
    leak_offset: np.ndarray                     # (P,) c_α = g_α E_L
    remainder: list[Callable | None]            # (P,) explicit intrinsic f̃_α or None


def _plan(net: Network, precision: str = "double") -> _Plan:
    P, K = net.P, net.K
    channel_term = np.full(K, -1)
    channel_constant = np.zeros(K)
    term_source: list[int] = []
    groups: list[list] = [[] for _ in range(P)]
    calls: list[list] = [[] for _ in range(P)]
    seen: dict = {}
    for k, ch in enumerate(net.channels):
        if ch.is_external:
            continue
        src = int(net.source_index[k])
        act = ch.activation
        if isinstance(act, Sigmoid) and act.slope == 0.0:
            channel_constant[k] = 0.5 * act.s_max
            continue
        try:
            key = (src, act)
            hash(key)
        except TypeError:
            key = (src, id(act))
        if key in seen:
            channel_term[k] = seen[key]
            continue
        term = len(term_source)
        term_source.append(src)
        seen[key] = channel_term[k] = term
        if isinstance(act, Sigmoid):
            lam, theta = act.slope, act.threshold
            for group in groups[src]:
                if group[0] == -lam and abs(lam * theta - group[1]) <= _GROUP_SPAN[precision]:
                    group[2].append((term, math.exp(lam * theta - group[1]), act.s_max))
                    break
            else:
                groups[src].append((-lam, lam * theta, [(term, 1.0, act.s_max)]))
        else:
            calls[src].append((term, act))
    rate = np.zeros(P)
    offset = np.zeros(P)
    remainder: list[Callable | None] = []
    for a, pop in enumerate(net.populations):
        f = pop.intrinsic
        if isinstance(f, Leak):
            rate[a], offset[a] = f.rate, f.rate * f.rest
            remainder.append(None)
        else:
            remainder.append(f)
    return _Plan(len(term_source), np.array(term_source, dtype=int), channel_term, channel_constant,
                 groups, calls, rate, offset, remainder)


# --------------------------------------------------------------------------------- initial data
def _initial_positions(initial, net: Network, n: int, rng: np.random.Generator) -> np.ndarray:
    """Initial positions as a float (P, n) array, validated."""
    P = net.P
    if isinstance(initial, tuple) and len(initial) == 2 and isinstance(initial[0], Grid):
        values = sample_density(initial[0], initial[1], n, rng, P=P)
    elif callable(initial):
        values = initial(rng, n)
    elif initial is None:
        raise TypeError("initial is required: an array (P, n) or (n,) when P == 1, a callable "
                        "(rng, n) -> positions, or a pair (grid, density)")
    else:
        values = initial
    x = checks.finite_array("initial positions", values)
    if x.ndim == 1 and P == 1:
        x = x[None, :]
    if x.shape != (P, n):
        allowed = f"({P}, {n})" + (f" or ({n},)" if P == 1 else "")
        raise ValueError(f"initial positions must have shape {allowed} (P populations × n neurons), "
                         f"got {x.shape}")
    return np.array(x, dtype=float, order="C")


def sample_density(grid: Grid, density, n: int, rng: np.random.Generator, *, P: int = 1) -> np.ndarray:
    """n samples per population from piecewise-constant densities on ``grid``: (P, n) (or (n,) if density is 1-D).

    Inverse CDF: a cell is chosen with probability p_i h / Σ p h, then a uniform point inside it.
    """
    p = checks.finite_array("initial density", density, nonnegative=True)
    one = p.ndim == 1
    p2 = p[None, :] if one else p
    if p2.shape != (P, grid.nx) and not (one and p2.shape[1] == grid.nx):
        raise ValueError(f"initial density must have shape ({grid.nx},) or ({P}, {grid.nx}) on {grid}, "
                         f"got {p.shape}")
    out = np.empty((p2.shape[0], n))
    for a, row in enumerate(p2):
        cdf = np.cumsum(row) * grid.width
        total = cdf[-1]
        if not total > 0:
            raise ValueError(f"initial density of population {a} has no mass")
        v = rng.random(n) * total
        cell = np.minimum(np.searchsorted(cdf, v, side="right"), grid.nx - 1)
        below = np.where(cell > 0, cdf[cell - 1], 0.0)
        frac = np.clip((v - below) / (row[cell] * grid.width), 0.0, 1.0)
        out[a] = grid.faces[cell] + frac * grid.width
    if one and P > 1:
        out = np.repeat(out, P, axis=0)
    return out[0] if one and P == 1 else out


def _seed_sequence(seed) -> np.random.SeedSequence:
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.SeedSequence(seed)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    raise TypeError(f"seed must be a non-negative int, None or numpy.random.SeedSequence, got {type(seed).__name__}")


def _child(ss: np.random.SeedSequence, i: int) -> np.random.Generator:
    """The i-th child stream of ``ss`` (without mutating ``ss``)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        ss.entropy, spawn_key=tuple(ss.spawn_key) + (i,), pool_size=ss.pool_size)))


# --------------------------------------------------------------------------------- stepping
class _Stepper:
    """Blocks, their random streams and worker scratch; :meth:`sweep` advances all blocks once.

    Sweep modes: "sums" (activation sums of X only), "explicit" (draw ξ, update X in place,
    sum the activations of the new X), and for the implicit coupling "trial" (X' = step(X, ξ)
    into scratch, sum its activations, X untouched) and "accept" (X ← step(X, ξ), no sums).
    Within one step every trial and the accept pass use the same ξ: either kept in a (P, n)
    buffer filled by the step's first sweep (``noise="buffer"``), or redrawn after restoring
    each block generator's saved state (``noise="replay"``). Both give bit-identical output.
    """

    def __init__(self, net: Network, plan: _Plan, X: np.ndarray, ss: np.random.SeedSequence,
                 threads: int, precision: str = "double", noise: str | None = None) -> None:
        self.net, self.plan, self.X = net, plan, X
        P, n = X.shape
        self.blocks = [(a, lo, min(lo + BLOCK, n)) for a in range(P) for lo in range(0, n, BLOCK)]
        self.gens = [_child(ss, b + 1) for b in range(len(self.blocks))]
        self.sums = np.zeros((len(self.blocks), plan.n_terms))
        self.threads = max(1, min(threads, len(self.blocks)))
        size = min(BLOCK, n)
        low = _DTYPE[precision]
        self.scratch = [(np.empty(size), np.empty(size), np.empty(size, low), np.empty(size, low), np.empty(size))
                        for _ in range(self.threads)]
        self._next = iter(())
        self.pool = ThreadPoolExecutor(self.threads - 1) if self.threads > 1 else None
        self.coef: tuple | None = None
        self._saved: list | None = None
        self._draw = True
        self.use_noise(noise)

    def use_noise(self, noise: str | None) -> None:
        """How implicit steps reuse ξ: "buffer", "replay" or None (explicit steps only)."""
        if noise not in (None, "buffer", "replay"):
            raise ValueError(f"noise must be 'buffer' or 'replay', got {noise!r}")
        self.noise_buffer = np.empty_like(self.X) if noise == "buffer" else None
        self.replay = noise == "replay"

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def begin_step(self) -> None:
        """Start an implicit step: its first sweep draws ξ, later sweeps reuse the same ξ."""
        self._draw = True
        if self.replay:
            self._saved = [g.bit_generator.state for g in self.gens]

    def _scaled_noise(self, b: int, tmp: np.ndarray, s: float, mode: str) -> np.ndarray:
        """s ξ of block b into tmp (ξ drawn once per step; see the class docstring)."""
        gen = self.gens[b]
        if mode == "explicit" or self.noise_buffer is None:
            if mode != "explicit" and self.replay and not self._draw:
                gen.bit_generator.state = self._saved[b]
            gen.standard_normal(out=tmp)
            tmp *= s
            return tmp
        a, lo, hi = self.blocks[b]
        xi = self.noise_buffer[a, lo:hi]
        if self._draw:
            gen.standard_normal(out=xi)
        np.multiply(xi, s, out=tmp)
        return tmp

    def _work(self, worker: int, mode: str) -> None:
        """Process blocks taken from the shared queue until it is empty (any order: results do not depend on it)."""
        noise, arg, u, w, trial = self.scratch[worker]
        plan = self.plan
        with np.errstate(over="ignore", under="ignore"):
            for b in self._next:
                a, lo, hi = self.blocks[b]
                x = self.X[a, lo:hi]
                m = hi - lo
                if mode != "sums":
                    # X' = e X + φ (γ B + c + f̃(X)) + s ξ
                    e, phi, s, drive = self.coef
                    xi = self._scaled_noise(b, noise[:m], s[a], mode)
                    f = plan.remainder[a]
                    if f is not None:
                        extra = np.add(f(x), drive[a])
                        extra *= phi[a]
                        xi += extra
                    else:
                        xi += phi[a] * drive[a]
                    if mode == "trial":
                        x = np.multiply(x, e[a], out=trial[:m])
                    else:
                        x *= e[a]
                    x += xi
                    if mode == "accept":
                        continue
                self._activation_sums(b, a, x, arg[:m], u[:m], w[:m])

    def _activation_sums(self, b: int, a: int, x: np.ndarray, arg: np.ndarray, uu: np.ndarray,
                         ww: np.ndarray) -> None:
        """sums[b, term] = Σ_j S_term(x_j) over the block's positions x (population a)."""
        plan = self.plan
        for neg_lam, lam_theta0, terms in plan.sigmoid_groups[a]:
            # the argument −λ (x − θ₀) in double precision, rounded once if u is single
            np.multiply(x, neg_lam, out=arg)
            np.add(arg, lam_theta0, out=uu, casting="same_kind")
            np.exp(uu, out=uu)
            for term, c, s_max in terms:
                if c == 1.0:
                    np.add(uu, 1.0, out=ww)
                else:
                    np.multiply(uu, c, out=ww)
                    ww += 1.0
                np.reciprocal(ww, out=ww)
                self.sums[b, term] = s_max * ww.sum(dtype=np.float64)
        for term, func in plan.callable_terms[a]:
            self.sums[b, term] = float(np.sum(func(x)))

    def sweep(self, mode: str | bool) -> None:
        """One pass over every block in ``mode`` (True/False: "explicit"/"sums", the older spelling)."""
        if isinstance(mode, bool):
            mode = "explicit" if mode else "sums"
        self._next = iter(range(len(self.blocks)))      # next() on a range iterator is atomic under the GIL
        futures = [self.pool.submit(self._work, i, mode) for i in range(1, self.threads)] if self.pool else []
        self._work(0, mode)
        for fut in futures:
            fut.result()
        if mode in ("trial", "accept"):
            self._draw = False

    def term_means(self) -> np.ndarray:
        """(1/n) Σ_j S_term(X_j) per activation term, block sums added in block order."""
        return self.sums.sum(axis=0) / self.X.shape[1]

    def activities(self, term_mean: np.ndarray, t: float) -> np.ndarray:
        """m_k from per-term means (internal channels) and a_k(t) (external channels)."""
        plan, net = self.plan, self.net
        m = net.external_activities(t)
        internal = ~net.is_external
        m[internal] = plan.channel_constant[internal]
        evaluated = plan.channel_term >= 0
        m[evaluated] = term_mean[plan.channel_term[evaluated]]
        return m

    def activity(self, t: float) -> np.ndarray:
        """Empirical m_k from the block sums (added in block order), a_k(t) for external channels."""
        m = self.activities(self.term_means(), t)
        if not np.all(np.isfinite(m)):
            raise FloatingPointError(f"empirical activities became non-finite at t={t}: {m}; "
                                     "an activation or intrinsic function overflowed (reduce dt?)")
        return m

    def set_step(self, m: np.ndarray, h: float) -> None:
        """Coefficients e, φ, s and the drive γ B_α + c_α of the exact OU step over h with m frozen."""
        net, plan = self.net, self.plan
        r = net.gamma * net.conductance(m) + plan.leak_rate
        rh = r * h
        small = rh < _SERIES_RH
        safe_r = np.where(small, 1.0, r)
        e = np.exp(-rh)
        phi = np.where(small, h * (1.0 - 0.5 * rh), -np.expm1(-rh) / safe_r)
        var = np.where(small, h * (1.0 - rh), -np.expm1(-2.0 * rh) / (2.0 * safe_r))
        s = net.sigma * np.sqrt(var)
        drive = net.gamma * net.reversal_current(m) + plan.leak_offset
        self.coef = (e, phi, s, drive)


class _ImplicitCoupling:
    """One implicit step: solve u = G(u) for the end-of-step term means, then accept X'(u).

    G(u) = (1/n) Σ_j S(X'_j(u)) with X'(u) the exact OU step with m(u) frozen and the
    step's noise ξ; r(u) = u − G(u) = 0 is solved by :class:`solvers.coupling.SecantNewton`
    (finite-difference Jacobian kept across steps, Broyden-updated) to
    |r_i| ≤ tol · scale_i, scale_i = s_max of a Sigmoid term (max(1, |u_i|) for a callable one).
    """

    def __init__(self, stepper: _Stepper, u0: np.ndarray, tol: float) -> None:
        self.stepper = stepper
        plan = stepper.plan
        scale = np.maximum(1.0, np.abs(u0))
        for groups in plan.sigmoid_groups:
            for _, _, terms in groups:
                for term, _, s_max in terms:
                    scale[term] = s_max
        self.solver = SecantNewton(tol, scale, scale)
        self.tol = tol
        self.continuations = 0

    def step(self, t_end: float, h: float) -> None:
        """Advance X by h; afterwards ``stepper.sums`` are the activation sums of the new X."""
        st = self.stepper
        st.begin_step()
        if st.plan.n_terms == 0:            # no particle-dependent activity: one exact-OU pass
            st.set_step(st.activities(np.zeros(0), t_end), h)
            st.sweep("accept")
            return
        last: list = [None, None]

        def evaluate(u: np.ndarray, length: float = h):
            st.set_step(st.activities(u, t_end), length)
            st.sweep("trial")
            last[0], last[1] = u.copy(), length
            return u - st.term_means(), None

        u0 = st.term_means()
        try:
            u, _, _ = self.solver.solve(evaluate, u0)
        except CouplingError:
            u = self._continuation(evaluate, u0, h)
        if not (np.array_equal(last[0], u) and last[1] == h):   # keep sums = G(u) at the accepted u
            evaluate(u)
        st.set_step(st.activities(u, t_end), h)
        st.sweep("accept")                  # X ← X'(u): bit-identical to the trial whose sums are kept

    def _continuation(self, evaluate, u0: np.ndarray, h: float) -> np.ndarray:
        """Fallback when Newton fails from u0 (a large first jump, e.g. broad initial data at γ h ≫ 1).

        Follows the solution of the same fixed-point problem (same ξ) along the step length
        θ h, θ: 0 → 1 (at θ = 0 the solution is u0), with θ's increment doubled after a
        success and halved after a failure; raises CouplingError below an increment of 1e-9.
        """
        self.continuations += 1
        theta, u, dtheta = 0.0, u0, 1e-3
        while theta < 1.0:
            trial = min(1.0, theta + dtheta)
            self.solver.jacobian = None
            try:
                u, _, _ = self.solver.solve(lambda v: evaluate(v, trial * h), u)
            except CouplingError:
                dtheta *= 0.5
                if dtheta < 1e-9:
                    raise CouplingError(f"implicit coupling: no solution path from the start-of-step "
                                        f"activities to the step length {h} (stuck at {theta:.3g} of it); "
                                        "reduce dt") from None
                continue
            theta, dtheta = trial, 2.0 * dtheta
        return u


def _implicit_steps(solver: _ImplicitCoupling, net: Network, X: np.ndarray, t: float, t_end: float) -> int:
    """Implicit steps from t to t_end, split so that λ h ≤ MAX_GROWTH for an unstable fast mode.

    An implicit step with λ h > 2 damps a growing mode, so at large γ h it would hold the
    network at an unstable balance point (as in ``solvers.stepping``); λ = γ × the fast growth
    rate of the concentrated network at the population means. Returns the number of steps.
    """
    taken = 0
    while t < t_end:
        rate = net.gamma * max(0.0, fast_growth_rate(net, X.mean(axis=1), t))
        t_next = t_end if rate * (t_end - t) <= MAX_GROWTH else min(t_end, t + MAX_GROWTH / rate)
        solver.step(t_next, t_next - t)
        t, taken = t_next, taken + 1
    return taken


def _steps_between(t_a: float, t_b: float, dt: float) -> int:
    return max(1, math.ceil((t_b - t_a) / dt * (1.0 - 1e-12)))


def simulate_particles(net: Network, n: int, initial, t_span: tuple[float, float], dt: float, *,
                       seed=None, t_eval=None, summary_only: bool = False,
                       threads: int | None = None, precision: str = "double",
                       coupling: str = "auto") -> ParticleRun:
    """Simulate the n-neuron-per-population network of model.md §1 with the exact OU step.

    Parameters
    ----------
    net: the network (finite γ ≥ 0; γ = ∞ has no particle system and is refused).
    n: neurons per population (≥ 1).
    initial: positions (P, n), or (n,) when P == 1; a callable ``(rng, n) -> positions``;
        or a pair ``(grid, p0)`` to sample from the grid density p0 ((nx,) or (P, nx)).
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
    ss = _seed_sequence(seed)
    if coupling not in ("auto", "explicit", "implicit"):
        raise ValueError(f"coupling must be 'auto', 'explicit' or 'implicit', got {coupling!r}")

    X = _initial_positions(initial, net, n, _child(ss, 0))
    if precision not in _DTYPE:
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    plan = _plan(net, precision)
    nt, P = times.size, net.P
    xs = None if summary_only else np.empty((nt, P, n))
    activity = np.empty((nt, net.K))
    mean = np.empty((nt, P))
    std = np.empty((nt, P))

    start = time.perf_counter()
    stepper = _Stepper(net, plan, X, ss, threads, precision)
    steps = 0
    try:
        stepper.sweep("sums")
        t = t0
        m = stepper.activity(t)
        stiffness = float(np.max(net.gamma * net.conductance(m) * dt))
        if coupling == "auto":
            coupling = "implicit" if stiffness > AUTO_IMPLICIT else "explicit"
        implicit = coupling == "implicit"
        if implicit:
            stepper.use_noise(NOISE)
        solver = _ImplicitCoupling(stepper, stepper.term_means(), IMPLICIT_TOL[precision]) if implicit else None
        for i, t_out in enumerate(times):
            if t_out > t:
                count = _steps_between(t, t_out, dt)
                h = (t_out - t) / count
                t_start = t
                for j in range(count):
                    t_next = t_out if j == count - 1 else t_start + (j + 1) * h
                    if implicit:
                        steps += _implicit_steps(solver, net, X, t, t_next) - 1
                    else:
                        stepper.set_step(m, h)
                        stepper.sweep("explicit")
                    t = t_next
                    m = stepper.activity(t)
                steps += count
            if not np.all(np.isfinite(X)):
                raise FloatingPointError(f"particle positions became non-finite before t={t_out}; the "
                                         "explicit intrinsic term overflowed (reduce dt)")
            activity[i] = m
            mean[i] = X.mean(axis=1)
            std[i] = X.std(axis=1)
            if xs is not None:
                xs[i] = X
    finally:
        stepper.close()
    wall = time.perf_counter() - start
    stats = dict(steps=steps, particle_steps=steps * n * P, wall_time=wall,
                 particle_steps_per_second=steps * n * P / wall if wall > 0 else float("nan"),
                 threads=stepper.threads, block=BLOCK, precision=precision,
                 coupling=coupling, stiffness=stiffness)
    if implicit:
        stats.update(coupling_tol=solver.tol, coupling_evaluations=solver.solver.evaluations,
                     jacobian_updates=solver.solver.jacobian_updates, noise=NOISE,
                     continuations=solver.continuations,
                     evaluations_per_step=solver.solver.evaluations / steps if steps else 0.0)
    return ParticleRun(t=times, x=xs, activity=activity, mean=mean, std=std, n=n, dt=dt,
                       seed=ss.entropy, network=net, stats=stats)
