"""The particle engine of :func:`validation.particles.simulate_particles`: blocks, streams, steps.

Particles are cut into blocks of ``BLOCK`` neurons; block b has its own random stream
(child b + 1 of the seed's SeedSequence; child 0 samples the initial data), and
per-block partial sums of the activations are added in block order, so the output
depends only on the seed — not on the number of threads. :class:`Stepper` advances
every block once per sweep (explicit step, or the trial and accepting passes of an
implicit step; the implicit coupling itself is :mod:`validation.particles.implicit`).
The exact Ornstein–Uhlenbeck step and both couplings are described in
:mod:`validation.particles.simulate`.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from fokker.network import Network

from .plan import DTYPE, Plan

BLOCK = 1 << 15
"""Particles per random stream and per compute chunk (part of the reproducibility contract)."""

NOISE_MODES = ("buffer", "replay")
"""How an implicit step reuses its noise ξ across evaluations (see :class:`Stepper`)."""
SERIES_RH = 1e-10   # below this r h the series φ = h (1 − r h / 2), s² = σ² h (1 − r h) is exact to round-off


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
                 threads: int, precision: str = "double") -> None:
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
        self.use_noise(None)

    def use_noise(self, noise: str | None) -> None:
        """How implicit steps reuse ξ: one of ``NOISE_MODES``, or None (explicit steps only)."""
        if noise is not None and noise not in NOISE_MODES:
            raise ValueError(f"noise must be one of {list(NOISE_MODES)}, got {noise!r}")
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

    def sweep(self, mode: str) -> None:
        """One pass over every block in ``mode``: "sums", "explicit", "trial" or "accept" (class docstring)."""
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
