"""Reference configurations, as functions taking γ and keyword overrides.

- :func:`ei_single`: one population with an excitatory (E = +1) and an
  inhibitory (E = −1) channel, both from itself; one stable balance point
  x̄ ≈ 0.270962 with the defaults.
- :func:`ei_bistable`: ``ei_single`` with steeper, separated sigmoids: three
  balance points (two stable, one unstable).
- :func:`ei_pair`: populations E and I with Dale's law (E emits the excitatory
  channel, I the inhibitory one) and a 2×2 weight matrix.
- :func:`driven`: ``ei_pair`` plus an external excitatory channel with a
  time-varying activity a(t) (default a sinusoid).

FitzHugh–Nagumo networks (two variables per neuron, σ = 0.3, σ_w = 0 by default):

- :func:`fhn_electrical`: one population with electrical self-coupling only; its
  balance points form a line (one point with ``isolated=False``).
- :func:`fhn_chemical`: FitzHugh–Nagumo neurons with the ``ei_single`` channels.
- :func:`fhn_pair`: E and I FitzHugh–Nagumo populations, chemical synapses under
  Dale's law and gap junctions between E and I.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .activation import Sigmoid
from .fhn import FitzHughNagumo
from .intrinsic import Leak
from .network import Channel, Network, Population

#: default current of the FitzHugh–Nagumo presets (oscillatory single neuron, period ≈ 39.47)
FHN_CURRENT = 0.5


def _ei_channels(exc: Callable | None, inh: Callable | None, reversal_exc: float, reversal_inh: float,
                 sources: tuple[str, str]) -> list[Channel]:
    """Channels 'exc' and 'inh' (defaults Sigmoid(1, 4, 0) and Sigmoid(1, 4, 0.5)) from ``sources``."""
    return [Channel("exc", reversal_exc, exc or Sigmoid(1.0, 4.0, 0.0), source=sources[0]),
            Channel("inh", reversal_inh, inh or Sigmoid(1.0, 4.0, 0.5), source=sources[1])]


def _fhn(intrinsic, current: float | None) -> FitzHughNagumo:
    """The FitzHugh–Nagumo intrinsic of a preset: ``intrinsic`` or FitzHughNagumo(current=...), not both."""
    if intrinsic is not None:
        if current is not None:
            raise ValueError("give either intrinsic or current, not both (current sets "
                             "FitzHughNagumo(current=...) when intrinsic is None)")
        return intrinsic
    return FitzHughNagumo(current=FHN_CURRENT if current is None else current)


def _pair_values(name: str, value) -> tuple:
    """A scalar or a pair, as a pair (one value per population E, I)."""
    try:
        return tuple(np.broadcast_to(np.asarray(value, dtype=object), (2,)))
    except ValueError:
        raise ValueError(f"{name} must be a value or a pair (E, I), got {value!r}") from None


def ei_single(gamma: float = 1.0, *, intrinsic=None, sigma: float = 0.5,
              exc: Callable | None = None, inh: Callable | None = None,
              weights=(1.0, 1.5), reversal_exc: float = 1.0, reversal_inh: float = -1.0) -> Network:
    """One population 'E' with channels 'exc' (E = +1) and 'inh' (E = −1) from itself.

    Defaults: Leak(rate 1, rest −0.5), σ = 0.5, S_exc = Sigmoid(1, 4, 0),
    S_inh = Sigmoid(1, 4, 0.5), weights (1, 1.5): x̄ ≈ 0.270962, Ā ≈ 1.175836.
    """
    pop = Population("E", intrinsic=Leak(1.0, -0.5) if intrinsic is None else intrinsic, sigma=sigma)
    channels = _ei_channels(exc, inh, reversal_exc, reversal_inh, ("E", "E"))
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
    channels = _ei_channels(exc, inh, reversal_exc, reversal_inh, ("E", "I"))
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


def fhn_electrical(gamma: float = 1.0, *, intrinsic: FitzHughNagumo | None = None, current: float | None = None,
                   sigma: float = 0.3, sigma_w: float = 0.0, electrical: float = 1.0) -> Network:
    """One FitzHugh–Nagumo population 'E' coupled to itself by gap junctions only (no channels).

    Drift of the voltage: f(x, w) + γ G (x̄ − x), x̄ the population's mean voltage. Defaults:
    FitzHughNagumo(current=0.5) (``current`` overrides I, or pass ``intrinsic``), σ = 0.3,
    σ_w = 0, G = ``electrical`` = 1. Balance: F ≡ 0, the balance set is the whole line; one
    point with ``isolated=False``, ``neutral = [[1.0]]``, voltage = the ``near`` given to
    ``balance`` (default 0), Ā = G = 1, eigenvalue 0. Along the line the centre follows the
    single-neuron ODE (a limit cycle of period ≈ 39.47 at I = 0.5).
    """
    pop = Population("E", intrinsic=_fhn(intrinsic, current), sigma=sigma, sigma_w=sigma_w)
    return Network([pop], [], [[]], gamma, electrical=[[electrical]])


def fhn_chemical(gamma: float = 1.0, *, intrinsic: FitzHughNagumo | None = None, current: float | None = None,
                 sigma: float = 0.3, sigma_w: float = 0.0, **channel_overrides) -> Network:
    """FitzHugh–Nagumo neurons 'E' with the ``ei_single`` channels and weights.

    Defaults: FitzHughNagumo(current=0.5), σ = 0.3, σ_w = 0; ``channel_overrides`` are those of
    :func:`ei_single` (exc, inh, weights, reversal_exc, reversal_inh). Balance: one isolated,
    stable point x̄ ≈ 0.270962, Ā ≈ 1.175836 (the voltage clamps there; the recovery relaxes
    slowly towards (x̄ + a)/b ≈ 1.21370).
    """
    net = ei_single(gamma, **channel_overrides)
    pop = Population("E", intrinsic=_fhn(intrinsic, current), sigma=sigma, sigma_w=sigma_w)
    return Network([pop], net.channels, net.weights, gamma)


def fhn_pair(gamma: float = 1.0, *, weights=((1.0, 1.5), (1.5, 1.0)), electrical: float = 0.5,
             intrinsic=None, current: float | None = None, sigma=(0.3, 0.3), sigma_w=(0.0, 0.0),
             exc: Callable | None = None, inh: Callable | None = None,
             reversal_exc: float = 1.0, reversal_inh: float = -1.0) -> Network:
    """FitzHugh–Nagumo populations 'E' and 'I': channel 'exc' from E, 'inh' from I (Dale's law), and gap
    junctions G_EI = G_IE = ``electrical`` between them (G = [[0, g], [g, 0]]; or pass a 2×2 array).

    Defaults: FitzHughNagumo(current=0.5) for both (``intrinsic``: one or a pair), σ = 0.3, σ_w = 0,
    the ``ei_pair`` weights and sigmoids, g = 0.5. Balance: one isolated, stable point
    x̄ ≈ (0.163573, 0.372470) (E, I), Ā ≈ (1.720725, 1.862131).
    """
    if intrinsic is None:
        intrinsic = (_fhn(None, current),) * 2
    else:
        intrinsic = tuple(_fhn(f, current) for f in _pair_values("intrinsic", intrinsic))
    sigma, sigma_w = _pair_values("sigma", sigma), _pair_values("sigma_w", sigma_w)
    pops = [Population(name, intrinsic=f, sigma=float(s), sigma_w=float(sw))
            for name, f, s, sw in zip(("E", "I"), intrinsic, sigma, sigma_w)]
    channels = _ei_channels(exc, inh, reversal_exc, reversal_inh, ("E", "I"))
    G = np.asarray(electrical, dtype=float)
    if G.ndim == 0:
        G = np.array([[0.0, float(G)], [float(G), 0.0]])
    return Network(pops, channels, [list(w) for w in weights], gamma, electrical=G)


PRESETS: dict[str, Callable[..., Network]] = {
    "ei_single": ei_single, "ei_bistable": ei_bistable, "ei_pair": ei_pair, "driven": driven,
    "fhn_electrical": fhn_electrical, "fhn_chemical": fhn_chemical, "fhn_pair": fhn_pair,
}
