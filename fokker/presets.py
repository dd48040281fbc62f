"""Reference configurations of model.md §1, as functions taking γ and overrides.

- :func:`ei_single`: one population with an excitatory (E = +1) and an
  inhibitory (E = −1) channel, both from itself; one stable balance point
  x̄ ≈ 0.270962 with the defaults.
- :func:`ei_bistable`: ``ei_single`` with steeper, separated sigmoids: three
  balance points (two stable, one unstable).
- :func:`ei_pair`: populations E and I with Dale's law (E emits the excitatory
  channel, I the inhibitory one) and a 2×2 weight matrix.
- :func:`driven`: ``ei_pair`` plus an external excitatory channel with a
  time-varying activity a(t) (default a sinusoid).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .activation import Sigmoid
from .intrinsic import Leak
from .network import Channel, Network, Population


def ei_single(gamma: float = 1.0, *, intrinsic=None, sigma: float = 0.5,
              exc: Callable | None = None, inh: Callable | None = None,
              weights=(1.0, 1.5), reversal_exc: float = 1.0, reversal_inh: float = -1.0) -> Network:
    """One population 'E' with channels 'exc' (E = +1) and 'inh' (E = −1) from itself.

    Defaults: Leak(rate 1, rest −0.5), σ = 0.5, S_exc = Sigmoid(1, 4, 0),
    S_inh = Sigmoid(1, 4, 0.5), weights (1, 1.5): x̄ ≈ 0.270962, Ā ≈ 1.175836.
    """
    pop = Population("E", intrinsic=Leak(1.0, -0.5) if intrinsic is None else intrinsic, sigma=sigma)
    channels = [Channel("exc", reversal_exc, exc or Sigmoid(1.0, 4.0, 0.0), source="E"),
                Channel("inh", reversal_inh, inh or Sigmoid(1.0, 4.0, 0.5), source="E")]
    return Network([pop], channels, [list(weights)], gamma)


def ei_bistable(gamma: float = 1.0, **overrides) -> Network:
    """``ei_single`` whose inhibition switches on first: S_exc = Sigmoid(1, 6, 0.3), S_inh = Sigmoid(1, 6, −0.3),
    weights (1, 0.2).

    Three balance points: x̄ ≈ −0.7455 (stable, Ā ≈ 0.015), 0.0848 (unstable) and
    0.6304 (stable, Ā ≈ 1.078); which one the network reaches depends on the initial data.
    """
    params = dict(exc=Sigmoid(1.0, 6.0, 0.3), inh=Sigmoid(1.0, 6.0, -0.3), weights=(1.0, 0.2))
    params.update(overrides)
    return ei_single(gamma, **params)


def ei_pair(gamma: float = 1.0, *, weights=((1.0, 1.5), (1.5, 1.0)), sigma=(0.5, 0.5),
            intrinsic=None, exc: Callable | None = None, inh: Callable | None = None,
            reversal_exc: float = 1.0, reversal_inh: float = -1.0) -> Network:
    """Populations 'E' and 'I' (Dale's law): channel 'exc' from E, channel 'inh' from I.

    ``weights[α] = (J_{α,exc}, J_{α,inh})`` for α = E, I. Defaults: Leak(1, −0.5)
    for both, σ = 0.5, S_exc = Sigmoid(1, 4, 0), S_inh = Sigmoid(1, 4, 0.5).
    """
    intrinsic = (Leak(1.0, -0.5), Leak(1.0, -0.5)) if intrinsic is None else tuple(intrinsic)
    sigma = tuple(np.broadcast_to(np.asarray(sigma, dtype=float), (2,)))
    pops = [Population("E", intrinsic=intrinsic[0], sigma=sigma[0]),
            Population("I", intrinsic=intrinsic[1], sigma=sigma[1])]
    channels = [Channel("exc", reversal_exc, exc or Sigmoid(1.0, 4.0, 0.0), source="E"),
                Channel("inh", reversal_inh, inh or Sigmoid(1.0, 4.0, 0.5), source="I")]
    return Network(pops, channels, [list(w) for w in weights], gamma)


def sinusoid(mean: float = 0.5, amplitude: float = 0.25, period: float = 1.0) -> Callable[[float], float]:
    """a(t) = mean + amplitude sin(2π t / period) (requires amplitude ≤ mean so that a ≥ 0)."""
    if amplitude > mean:
        raise ValueError(f"sinusoid needs amplitude <= mean so that a(t) >= 0, got {amplitude} > {mean}")

    def a(t: float) -> float:
        return mean + amplitude * math.sin(2.0 * math.pi * t / period)
    return a


def step(before: float = 0.25, after: float = 0.75, at: float = 1.0) -> Callable[[float], float]:
    """a(t) = before for t < at, after for t ≥ at."""
    def a(t: float) -> float:
        return before if t < at else after
    return a


def driven(gamma: float = 1.0, *, drive: Callable[[float], float] | float | None = None,
           drive_weights=(1.0, 0.5), **pair_overrides) -> Network:
    """``ei_pair`` plus an external excitatory channel 'ext' (E = +1) with activity ``drive``.

    ``drive`` defaults to :func:`sinusoid` (mean 0.5, amplitude 0.25, period 1);
    ``drive_weights`` = (J_{E,ext}, J_{I,ext}).
    """
    pair = ei_pair(gamma, **pair_overrides)
    ext = Channel("ext", pair.channels[0].reversal, source=None,
                  activity=sinusoid() if drive is None else drive)
    weights = np.column_stack([pair.weights, np.asarray(drive_weights, dtype=float)])
    return Network(pair.populations, list(pair.channels) + [ext], weights, gamma)


PRESETS: dict[str, Callable[..., Network]] = {
    "ei_single": ei_single, "ei_bistable": ei_bistable, "ei_pair": ei_pair, "driven": driven,
}
