"""Leading-order predictions of the FitzHugh–Nagumo study: the mean dynamics corrected by the voltage spread.

Under strong electrical coupling (weight G, one population) the voltages are Gaussian around their
mean μ with variance v = σ²/(2γG) + O(γ⁻²), so the mean obeys, exactly for f(x, w) = x − κx³ − w + I
and g linear (⟨x³⟩ = μ³ + 3μv for a Gaussian),

    dμ/dt = ⟨f⟩ = (1 − ε) μ − κ μ³ − w̄ + I,   dw̄/dt = g(μ, w̄),   ε = 3κv,

the single-neuron ODE with its linear coefficient lowered by ε = O(1/γ). Substituting μ = s u,
w̄ = (1 − ε) s ω, τ = (1 − ε) t with s = √(1 − ε) gives again a FitzHugh–Nagumo ODE in (u, ω, τ),

    u' = u − κ u³ − ω + I',   ω' = c' (u + a' − b' ω),
    I' = I / ((1 − ε) s),  a' = a / s,  b' = (1 − ε) b,  c' = c / (1 − ε)²,

so the period is T' / (1 − ε) and the rest point (s u*, (1 − ε) s ω*), with T', (u*, ω*) those of
:class:`fokker.FitzHughNagumo` (an independent ODE solve for the cycle, a cubic for the rest point).
These are the theory curves of F2 (period error) and F3 (clamping offset); both are O(1/γ).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from fokker import FitzHughNagumo


@dataclass(frozen=True)
class Rescaled:
    """The corrected mean dynamics as a FitzHugh–Nagumo ODE (``intrinsic``) and the scales back to (μ, w̄, t)."""

    intrinsic: FitzHughNagumo
    x_scale: float
    w_scale: float
    time_scale: float


def spread_variance(sigma: float, gamma: float, electrical: float) -> float:
    """v = σ²/(2γG): the leading-order voltage variance under electrical coupling G at scale γ."""
    if not (gamma > 0 and electrical > 0):
        raise ValueError(f"gamma and electrical must be > 0, got {gamma!r} and {electrical!r}")
    return sigma * sigma / (2.0 * gamma * electrical)


def corrected(fhn: FitzHughNagumo, variance: float) -> Rescaled:
    """The mean dynamics of Gaussian voltages of ``variance`` v as a rescaled FitzHugh–Nagumo ODE (module docstring)."""
    eps = 3.0 * fhn.cubic * float(variance)
    if not 0.0 <= eps < 1.0:
        raise ValueError(f"3 κ v must be in [0, 1), got {eps!r} (variance {variance!r})")
    s = math.sqrt(1.0 - eps)
    one = 1.0 - eps
    rescaled = FitzHughNagumo(a=fhn.a / s, b=one * fhn.b, c=fhn.c / one ** 2, current=fhn.current / (one * s),
                              cubic=fhn.cubic)
    return Rescaled(rescaled, s, one * s, 1.0 / one)


CYCLE_TRANSIENT = 150.0
"""Transient of the corrected cycle's ODE solve when started on the uncoupled cycle (a few periods)."""


def predicted_period(fhn: FitzHughNagumo, sigma: float, gamma: float, electrical: float = 1.0,
                     start: tuple[float, float] | None = None) -> float:
    """Period of the mean voltage at leading order in 1/γ (module docstring).

    ``start``: a point (x, w) on or near the uncoupled cycle (its ODE solve then needs only a short
    transient, ``CYCLE_TRANSIENT``); None: ``FitzHughNagumo.limit_cycle``'s own start and transient.
    """
    r = corrected(fhn, spread_variance(sigma, gamma, electrical))
    if start is None:
        return r.intrinsic.limit_cycle().period * r.time_scale
    near = (start[0] / r.x_scale, start[1] / r.w_scale)
    return r.intrinsic.limit_cycle(near, transient=CYCLE_TRANSIENT).period * r.time_scale


def predicted_rest(fhn: FitzHughNagumo, sigma: float, gamma: float, electrical: float = 1.0) -> tuple[float, float]:
    """The stable rest point (μ, w̄) of the mean at leading order in 1/γ (ValueError when there is none)."""
    r = corrected(fhn, spread_variance(sigma, gamma, electrical))
    stable = [p for p in r.intrinsic.rest_points() if p.stable]
    if not stable:
        raise ValueError(f"{fhn!r} at gamma={gamma:g} has no stable rest point")
    return stable[0].x * r.x_scale, stable[0].w * r.w_scale
