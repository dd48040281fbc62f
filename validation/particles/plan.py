"""Which activations the particle engine evaluates on which population (:func:`make_plan`).

Sigmoids of one source with a common slope λ share a single exponential:
S_k(x) = s_k / (1 + c_k u), u = exp(−λ (x − θ₀)), c_k = exp(λ (θ_k − θ₀)); identical
activations of one source are evaluated once; the linear part of a ``Leak`` intrinsic
(g = rate, c = rate·rest) is split off to be treated exactly by the OU step. For a
two-variable population the whole voltage drift f(x, w) is explicit and the recovery
step is :class:`Recovery` (the exact flow of the linear recovery equation at frozen x).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fokker.activation import Sigmoid
from fokker.fhn import FitzHughNagumo
from fokker.intrinsic import Leak
from fokker.network import Network

# |λ (θ_k − θ₀)| above which sigmoids get their own exponential (no over/underflow of c_k)
GROUP_SPAN = {"double": 300.0, "single": 40.0}
DTYPE = {"double": np.float64, "single": np.float32}


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
    remainder: list[Callable | None]            # (P,) explicit intrinsic f̃_α (f̃_α(x, w) with two variables) or None
    variables: int = 1                          # 1 (x) or 2 (x, w) per neuron
    recovery: list["Recovery"] = field(default_factory=list)   # (P,) two-variable populations only


@dataclass(frozen=True)
class Recovery:
    """The recovery step of a two-variable population over h at frozen voltage x:

        W ← flow(x, W, h) + s_w ξ',   s_w = σ_w sqrt((1 − e^(−2 r h)) / (2 r)),   r = ``recovery_rate``,

    flow being the intrinsic's ``recovery_flow`` (exact for a recovery drift linear in w,
    e.g. FitzHugh–Nagumo: w* + (w − w*) e^(−c b h)); s_w → σ_w sqrt(h) as r h → 0.
    For :class:`fokker.FitzHughNagumo` the flow is applied as the affine map
    W ← e_w W + q (x + a), e_w = e^(−c b h), q = c (1 − e_w)/(c b) (q = c h when b = 0),
    which is ``recovery_flow`` written without temporaries.
    """

    intrinsic: object
    sigma_w: float

    @property
    def rate(self) -> float:
        """r = the relaxation rate of w at frozen x (c b for FitzHugh–Nagumo)."""
        return float(self.intrinsic.recovery_rate)

    def noise_scale(self, h: float) -> float:
        """s_w over a step h (0 when σ_w = 0)."""
        if self.sigma_w == 0.0:
            return 0.0
        rh = self.rate * h
        var = h * (1.0 - rh) if rh < SERIES_RH else -math.expm1(-2.0 * rh) / (2.0 * self.rate)
        return self.sigma_w * math.sqrt(var)

    def affine(self, h: float) -> tuple[float, float, float] | None:
        """(e_w, q, a) of the FitzHugh–Nagumo affine map W ← e_w W + q (x + a), or None for another intrinsic."""
        f = self.intrinsic
        if not isinstance(f, FitzHughNagumo):
            return None
        r = f.recovery_rate
        factor = h if r == 0 else -math.expm1(-r * h) / r
        return math.exp(-r * h), f.c * factor, f.a

    def advance(self, x: np.ndarray, w: np.ndarray, h: float, s_w: float, gen: np.random.Generator,
                tmp: np.ndarray) -> None:
        """W ← flow(x, W, h) + s_w ξ' in place (ξ' from ``gen``; tmp: scratch of W's size)."""
        affine = self.affine(h)
        if affine is None:
            w[...] = self.intrinsic.recovery_flow(x, w, h)
        else:
            e_w, q, shift = affine
            w *= e_w
            np.add(x, shift, out=tmp)
            tmp *= q
            w += tmp
        self.add_noise(w, s_w, gen, tmp)

    @staticmethod
    def add_noise(w: np.ndarray, s_w: float, gen: np.random.Generator, tmp: np.ndarray) -> None:
        """W += s_w ξ' (nothing drawn when s_w = 0)."""
        if s_w > 0.0:
            gen.standard_normal(out=tmp)
            tmp *= s_w
            w += tmp


SERIES_RH = 1e-10   # below this r h the series φ = h (1 − r h / 2), s² = σ² h (1 − r h) is exact to round-off


def make_plan(net: Network, precision: str = "double") -> Plan:
    """The evaluation plan of ``net``'s activations and intrinsic terms (see the module docstring)."""
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
    recovery: list[Recovery] = []
    for a, pop in enumerate(net.populations):
        f = pop.intrinsic
        if pop.variables == 2:
            for attribute in ("recovery_flow", "recovery_rate"):
                if not hasattr(f, attribute):
                    raise TypeError(f"the two-variable intrinsic {f!r} of population {pop.name!r} has no "
                                    f"{attribute}; the particle step needs recovery_flow(x, w, h) (the exact "
                                    "recovery step at frozen x) and recovery_rate, as fokker.FitzHughNagumo has")
            recovery.append(Recovery(f, pop.sigma_w))
            remainder.append(f)
        elif isinstance(f, Leak):
            rate[a], offset[a] = f.rate, f.rate * f.rest
            remainder.append(None)
        else:
            remainder.append(f)
    return Plan(len(term_source), np.array(term_source, dtype=int), channel_term, channel_constant,
                 groups, calls, rate, offset, remainder, net.variables, recovery)
