"""The particle engine of :func:`validation.particles.simulate_particles`: blocks, streams, steps.

Particles are cut into blocks of ``BLOCK`` neurons; block b has its own random stream
(child b + 1 of the seed's SeedSequence; child 0 samples the initial data), and
per-block partial sums of the activations are added in block order, so the output
depends only on the seed — not on the number of threads. :class:`Stepper` advances
every block once per sweep (explicit step, or the trial and accepting passes of an
implicit step); :class:`ImplicitCoupling` solves an implicit step's end-of-step
activities; :func:`implicit_steps` splits implicit steps near unstable balance points.
The exact Ornstein–Uhlenbeck step and both couplings are described in
:mod:`validation.particles`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from fokker.activation import Sigmoid
from fokker.balance import fast_growth_rate
from fokker.intrinsic import Leak
from fokker.network import Network
from solvers.coupling import CouplingError, SecantNewton
from solvers.stepping import MAX_GROWTH

BLOCK = 1 << 15
"""Particles per random stream and per compute chunk (part of the reproducibility contract)."""

SERIES_RH = 1e-10   # below this r h the series φ = h (1 − r h / 2), s² = σ² h (1 − r h) is exact to round-off
# |λ (θ_k − θ₀)| above which sigmoids get their own exponential (no over/underflow of c_k)
GROUP_SPAN = {"double": 300.0, "single": 40.0}
DTYPE = {"double": np.float64, "single": np.float32}
IMPLICIT_TOL = {"double": 1e-12, "single": 1e-6}
"""Implicit coupling: |m'_k − mean_j S_k(X'_j)| ≤ tol · s_max,k at the end of every step."""



@dataclass
class Plan:
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


def make_plan(net: Network, precision: str = "double") -> Plan:
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
                if group[0] == -lam and abs(lam * theta - group[1]) <= GROUP_SPAN[precision]:
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
    return Plan(len(term_source), np.array(term_source, dtype=int), channel_term, channel_constant,
                 groups, calls, rate, offset, remainder)


# --------------------------------------------------------------------------------- initial data


def child_generator(ss: np.random.SeedSequence, i: int) -> np.random.Generator:
    """The i-th child stream of ``ss`` (without mutating ``ss``)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        ss.entropy, spawn_key=tuple(ss.spawn_key) + (i,), pool_size=ss.pool_size)))


# --------------------------------------------------------------------------------- stepping


class Stepper:
    """Blocks, their random streams and worker scratch; :meth:`sweep` advances all blocks once.

    Sweep modes: "sums" (activation sums of X only), "explicit" (draw ξ, update X in place,
    sum the activations of the new X), and for the implicit coupling "trial" (X' = step(X, ξ)
    into scratch, sum its activations, X untouched) and "accept" (X ← step(X, ξ), no sums).
    Within one step every trial and the accept pass use the same ξ: either kept in a (P, n)
    buffer filled by the step's first sweep (``noise="buffer"``), or redrawn after restoring
    each block generator's saved state (``noise="replay"``). Both give bit-identical output.
    """

    def __init__(self, net: Network, plan: Plan, X: np.ndarray, ss: np.random.SeedSequence,
                 threads: int, precision: str = "double", noise: str | None = None) -> None:
        self.net, self.plan, self.X = net, plan, X
        P, n = X.shape
        self.blocks = [(a, lo, min(lo + BLOCK, n)) for a in range(P) for lo in range(0, n, BLOCK)]
        self.gens = [child_generator(ss, b + 1) for b in range(len(self.blocks))]
        self.sums = np.zeros((len(self.blocks), plan.n_terms))
        self.threads = max(1, min(threads, len(self.blocks)))
        size = min(BLOCK, n)
        low = DTYPE[precision]
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
        small = rh < SERIES_RH
        safe_r = np.where(small, 1.0, r)
        e = np.exp(-rh)
        phi = np.where(small, h * (1.0 - 0.5 * rh), -np.expm1(-rh) / safe_r)
        var = np.where(small, h * (1.0 - rh), -np.expm1(-2.0 * rh) / (2.0 * safe_r))
        s = net.sigma * np.sqrt(var)
        drive = net.gamma * net.reversal_current(m) + plan.leak_offset
        self.coef = (e, phi, s, drive)


class ImplicitCoupling:
    """One implicit step: solve u = G(u) for the end-of-step term means, then accept X'(u).

    G(u) = (1/n) Σ_j S(X'_j(u)) with X'(u) the exact OU step with m(u) frozen and the
    step's noise ξ; r(u) = u − G(u) = 0 is solved by :class:`solvers.coupling.SecantNewton`
    (finite-difference Jacobian kept across steps, Broyden-updated) to
    |r_i| ≤ tol · scale_i, scale_i = s_max of a Sigmoid term (max(1, |u_i|) for a callable one).
    """

    def __init__(self, stepper: Stepper, u0: np.ndarray, tol: float) -> None:
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


def implicit_steps(solver: ImplicitCoupling, net: Network, X: np.ndarray, t: float, t_end: float) -> int:
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
