"""Which activations the particle engine evaluates on which population (:func:`make_plan`).

Sigmoids of one source with a common slope λ share a single exponential:
S_k(x) = s_k / (1 + c_k u), u = exp(−λ (x − θ₀)), c_k = exp(λ (θ_k − θ₀)); identical
activations of one source are evaluated once; the linear part of a ``Leak`` intrinsic
(g = rate, c = rate·rest) is split off to be treated exactly by the OU step.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fokker.activation import Sigmoid
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
    remainder: list[Callable | None]            # (P,) explicit intrinsic f̃_α or None


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
    for a, pop in enumerate(net.populations):
        f = pop.intrinsic
        if isinstance(f, Leak):
            rate[a], offset[a] = f.rate, f.rate * f.rest
            remainder.append(None)
        else:
            remainder.append(f)
    return Plan(len(term_source), np.array(term_source, dtype=int), channel_term, channel_constant,
                 groups, calls, rate, offset, remainder)
