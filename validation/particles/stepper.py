"""The particle engine of :func:`validation.particles.simulate_particles`: blocks, streams, steps.

Particles are cut into blocks of ``BLOCK`` neurons; block b has its own random stream
(child b + 1 of the seed's SeedSequence; child 0 samples the initial data), and
per-block partial sums of the activations are added in block order, so the output
depends only on the seed — not on the number of threads. :class:`Stepper` advances
every block once per sweep (explicit step, or the trial and accepting passes of an
implicit step; the implicit coupling itself is :mod:`validation.particles.implicit`).
The exact Ornstein–Uhlenbeck step and both couplings are described in
:mod:`validation.particles.simulate`; with gap junctions every step is the mean-centred
step of :mod:`validation.particles.centred`, whose first sweep ("moments") draws the step's
noise and sums X, f̃(X) and ξ per block. A two-variable population also advances W in the
sweeps that write X ("explicit", "centred", "accept"): the x-step first, then the exact
recovery step at the new voltage (:class:`validation.particles.plan.Recovery`); its noise ξ'
is drawn from the block's stream after ξ, once per step.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from fokker.network import Network

from fokker.fhn import FitzHughNagumo

from .centred import centred_offset, ou_coefficients
from .kernels import fhn_step, fhn_sums
from .plan import DTYPE, Plan

BLOCK = 1 << 15
"""Particles per random stream and per compute chunk (part of the reproducibility contract)."""

NOISE_MODES = ("buffer", "replay")
"""How an implicit (or mean-centred) step reuses its noise ξ across sweeps (see :class:`Stepper`)."""
MOMENTS = 3         # per-block sums of X, f̃(X) and ξ (the mean-centred step)


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
                 threads: int, precision: str = "double", W: np.ndarray | None = None) -> None:
        self.net, self.plan, self.X, self.W = net, plan, X, W
        if (W is None) != (plan.variables == 1):
            raise ValueError("W (recovery variables) must be given exactly for a two-variable network")
        P, n = X.shape
        self.blocks = [(a, lo, min(lo + BLOCK, n)) for a in range(P) for lo in range(0, n, BLOCK)]
        self.gens = [child_generator(ss, b + 1) for b in range(len(self.blocks))]
        self.sums = np.zeros((len(self.blocks), plan.n_terms))
        self.centred = net.has_electrical
        self.moments = np.zeros((len(self.blocks), MOMENTS))
        self.threads = max(1, min(threads, len(self.blocks)))
        size = min(BLOCK, n)
        low = DTYPE[precision]
        self.scratch = [(np.empty(size), np.empty(size), np.empty(size, low), np.empty(size, low), np.empty(size),
                         np.empty(size)) for _ in range(self.threads)]
        self.recovery_coef: list | None = None
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
        """Start an implicit or mean-centred step: its first sweep draws ξ, later sweeps reuse the same ξ.

        For a mean-centred step (networks with gap junctions) the first sweep is "moments",
        run here: it draws ξ and sums X, f̃(X) and ξ per block (see :meth:`population_moments`).
        """
        self._draw = True
        if self.replay:
            self._saved = [g.bit_generator.state for g in self.gens]
        if self.centred:
            self.sweep("moments")

    def population_moments(self) -> np.ndarray:
        """(3, P) start-of-step population averages of X, f̃(X) and ξ, block sums added in block order."""
        P, n = self.X.shape
        totals = np.zeros((P, MOMENTS))
        for (a, _, _), row in zip(self.blocks, self.moments):
            totals[a] += row
        return totals.T / n

    @property
    def fused(self) -> bool:
        """Mean-centred steps with known activities take two fused passes ("advance", "shift")
        instead of "moments" + "centred": every recovery step is affine in x (FitzHugh–Nagumo)."""
        return self.centred and all(rec.affine(1.0) is not None for rec in self.plan.recovery)

    def explicit_step(self, m: np.ndarray, h: float) -> None:
        """One step with the activities m frozen (the explicit coupling, or no activity unknowns);
        afterwards ``sums`` are the activation sums of the new X.

        Mean-centred and ``fused``: pass "advance" draws ξ, sums X, f̃(X) and ξ, and writes
        Z = e X + φ f̃(X) + s ξ (and W advanced at the voltages Z); then κ is known and pass
        "shift" adds it, X ← Z + κ, W ← W + q κ (the recovery map is affine in x), and sums
        the activations. Same step as "moments" + "centred" (to round-off), without the noise
        buffer's round trip.
        """
        if self.fused:
            self.set_step(m, h, offset=False)
            self.sweep("advance")
            e, phi, s, _ = self.coef
            self.coef = (e, phi, s, centred_offset(self.net, self.plan, self.population_moments(), m, h, e, phi, s))
            self.sweep("shift")
        elif self.centred:
            self.begin_step()
            self.set_step(m, h)
            self.sweep("centred")
        else:
            self.set_step(m, h)
            self.sweep("explicit")

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

    def _intrinsic(self, a: int, lo: int, hi: int, x: np.ndarray):
        """f̃_α of the block (f̃(x, w) for two variables), or None for a pure Leak."""
        f = self.plan.remainder[a]
        if f is None:
            return None
        return f(x) if self.W is None else f(x, self.W[a, lo:hi])

    def _work(self, worker: int, mode: str) -> None:
        """Process blocks taken from the shared queue until it is empty (any order: results do not depend on it)."""
        noise, arg, u, w, trial, spare = self.scratch[worker]
        with np.errstate(over="ignore", under="ignore"):
            for b in self._next:
                a, lo, hi = self.blocks[b]
                x = self.X[a, lo:hi]
                m = hi - lo
                if mode == "moments":
                    self._moments(b, a, lo, hi, x, noise[:m])
                    continue
                if mode == "shift":
                    x += self.coef[3][a]
                    if self.W is not None:
                        self.W[a, lo:hi] += self.recovery_coef[a][0][1] * self.coef[3][a]
                elif mode == "advance":
                    self._advance(b, a, lo, hi, x, noise[:m], spare[:m])
                    continue
                elif mode != "sums":
                    e, phi, s, drive = self.coef
                    xi = self._scaled_noise(b, noise[:m], s[a], mode)
                    if self.W is not None and self.recovery_coef[a][0] is not None:
                        out = x if mode != "trial" else trial[:m]
                        self._fitzhugh_nagumo(b, a, lo, hi, x, xi, out, spare[:m], mode)
                        x = out
                        if mode != "accept":
                            self._activation_sums(b, a, x, arg[:m], u[:m], w[:m])
                        continue
                    f = self._intrinsic(a, lo, hi, x)
                    if self.centred:
                        # X' = e X + φ f̃(X) + s ξ + κ   (mean-centred step; drive holds κ)
                        if f is not None:
                            xi += np.multiply(f, phi[a], out=spare[:m])
                        xi += drive[a]
                    elif f is not None:
                        # X' = e X + φ (γ B + c + f̃(X)) + s ξ
                        extra = np.add(f, drive[a])
                        extra *= phi[a]
                        xi += extra
                    else:
                        xi += phi[a] * drive[a]
                    if mode == "trial":
                        x = np.multiply(x, e[a], out=trial[:m])
                    else:
                        x *= e[a]
                    x += xi
                    if self.W is not None and mode != "trial":
                        self._recover(b, a, lo, hi, x, spare[:m])
                    if mode == "accept":
                        continue
                self._activation_sums(b, a, x, arg[:m], u[:m], w[:m])

    def _fitzhugh_nagumo(self, b: int, a: int, lo: int, hi: int, x: np.ndarray, xi: np.ndarray,
                         out: np.ndarray, tmp: np.ndarray, mode: str, scale: float = 1.0) -> tuple[float, float, float]:
        """The step of a FitzHugh–Nagumo block by the fused kernel (same arithmetic as the numpy path):
        the new voltages into ``out`` (X itself except in a trial sweep, which leaves W alone; otherwise W
        is advanced in place, its noise drawn after ξ); the voltage noise is ``scale`` × xi.
        Returns the start-of-step (Σ X, Σ f, Σ xi)."""
        fhn = self.plan.recovery[a].intrinsic
        w = self.W[a, lo:hi]
        e, phi, _, drive = self.coef
        (e_w, q, shift), s_w, _ = self.recovery_coef[a]
        recover = mode != "trial"
        sums = fhn_step(x, w, xi, scale, out, e[a], phi[a], drive[a], self.centred, fhn.cubic, fhn.current,
                        recover, e_w, q, shift)
        if recover:
            self.plan.recovery[a].add_noise(w, s_w, self.gens[b], tmp)
        return sums

    def _advance(self, b: int, a: int, lo: int, hi: int, x: np.ndarray, tmp: np.ndarray, spare: np.ndarray) -> None:
        """Pass 1 of a fused mean-centred step: draw ξ, moments[b] = (Σ X, Σ f̃(X), Σ ξ), X ← e X + φ f̃(X) + s ξ
        and W ← recovery step at those voltages (κ = 0 in coef; pass "shift" adds it)."""
        e, phi, s, zero = self.coef
        xi = self.gens[b].standard_normal(out=tmp)
        if self.W is not None:
            sx, sf, total_xi = self._fitzhugh_nagumo(b, a, lo, hi, x, xi, x, spare, "advance", s[a])
        else:
            total_xi = xi.sum()
            xi *= s[a]
            sx = x.sum()
            f = self._intrinsic(a, lo, hi, x)
            sf = 0.0
            if f is not None:
                sf = f.sum()
                xi += np.multiply(f, phi[a], out=spare)
            x *= e[a]
            x += xi
        self.moments[b] = (sx, sf, total_xi)

    def _moments(self, b: int, a: int, lo: int, hi: int, x: np.ndarray, tmp: np.ndarray) -> None:
        """First sweep of a mean-centred step: draw ξ (kept or replayed), moments[b] = (Σ X, Σ f̃(X), Σ ξ)."""
        xi = self._scaled_noise(b, tmp, 1.0, "moments")
        if self.W is not None and isinstance(self.plan.recovery[a].intrinsic, FitzHughNagumo):
            fhn = self.plan.recovery[a].intrinsic
            sx, sf = fhn_sums(x, self.W[a, lo:hi], fhn.cubic, fhn.current)
            self.moments[b] = (sx, sf, xi.sum())
            return
        f = self._intrinsic(a, lo, hi, x)
        self.moments[b] = (x.sum(), 0.0 if f is None else f.sum(), xi.sum())

    def _recover(self, b: int, a: int, lo: int, hi: int, x: np.ndarray, tmp: np.ndarray) -> None:
        """W ← recovery step at the new voltages x (in place), noise ξ' drawn after ξ."""
        _, s_w, h = self.recovery_coef[a]
        self.plan.recovery[a].advance(x, self.W[a, lo:hi], h, s_w, self.gens[b], tmp)

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
        if mode in ("trial", "accept", "moments", "centred"):
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

    def set_step(self, m: np.ndarray, h: float, offset: bool = True) -> None:
        """Coefficients e, φ, s and the drive γ B_α + c_α of the exact OU step over h with m frozen.

        Mean-centred steps (gap junctions) replace the drive by the offset κ of
        :func:`validation.particles.centred.centred_offset` (needs this step's "moments" sweep).
        Two-variable networks also get the recovery step's coefficients over h.
        """
        net, plan = self.net, self.plan
        r = net.gamma * net.conductance(m) + plan.leak_rate
        e, phi, var = ou_coefficients(r, h)
        s = net.sigma * np.sqrt(var)
        if self.centred:
            drive = (centred_offset(net, plan, self.population_moments(), m, h, e, phi, s) if offset
                     else np.zeros(net.P))
        else:
            drive = net.gamma * net.reversal_current(m) + plan.leak_offset
        self.coef = (e, phi, s, drive)
        if self.W is not None:
            self.recovery_coef = [(rec.affine(h), rec.noise_scale(h), h) for rec in plan.recovery]
