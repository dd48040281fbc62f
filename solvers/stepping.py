"""Implicit time stepping of a frame (knows nothing about neurons).

A *frame* advances a state (densities ``p`` (P, n) and centres ``mu`` (P,))
through implicit stages  α y_new − a F(y_new) = rhs  (F the frame's right-hand
side, nonlinear through the coupling), solved by ``frame.stage``. Methods:

- ``"euler"``  backward Euler: α = 1, a = h, rhs = yⁿ. Order 1, L-stable; keeps
  p ≥ 0 (α I − a L is an M-matrix) and mass exactly.
- ``"bdf2"``   variable-step BDF2, started by one Euler step: with ω = h_n / h_{n−1},
  α = (1+2ω)/(1+ω), a = h_n, rhs = (1+ω) yⁿ − ω²/(1+ω) yⁿ⁻¹. Order 2, L-stable.
- ``"trbdf2"`` TR-BDF2 with g = 2 − √2: a trapezoidal stage to t + g h, then BDF2
  through (t, t + g h, t + h). Order 2, L-stable.

Positivity limiter (second-order methods): a stage right-hand side can be
negative where the density falls by a large factor within one step (BDF2:
yⁿ⁻¹ > 4 yⁿ), i.e. where a step outruns the density. Such entries are set to
0 and the rest rescaled to keep Σ rhs; since α I − a L is an M-matrix the stage
solution is then ≥ 0. On resolved problems the limiter only touches tails at
round-off level, so the order is kept; ``stats["limited_stages"]`` counts its use.
Every method conserves mass exactly (columns of L sum to zero, Σ rhs = α Σ yⁿ).

Steps land exactly on every output time: each interval between outputs is
split into ceil(Δt / dt) equal steps.

Unstable fast modes: an implicit step with λ h > 2 damps even a *growing* mode
e^{λt} (backward Euler multiplies it by 1/(1 − λh)), so at large γ dt an L-stable
method would hold the network at an unstable balance point. Each step therefore
asks the frame for the growth rate λ of its fastest unstable mode (γ times the
largest real eigenvalue of the net-current Jacobian at the current centres) and
substeps with λ h ≤ MAX_GROWTH while it is positive (``stats["substeps"]``);
BDF2 restarts with an Euler step when the step ratio exceeds BDF2_MAX_RATIO.
A step whose coupling fails to converge
(e.g. a large step near an unstable balance point, where the implicit stage
has several solutions) is retaken as 2, 4, …, 64 backward-Euler substeps;
``stats["rescued_steps"]`` counts them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from .coupling import CouplingError

METHODS = {"euler": 1, "bdf2": 2, "trbdf2": 2}
RESCUE_LEVELS = 6
MAX_GROWTH = 0.5        # largest λ h allowed for an unstable mode
BDF2_MAX_RATIO = 2.0    # variable-step BDF2 is zero-stable for h_n / h_{n−1} < 1 + √2
TRBDF2_G = 2.0 - math.sqrt(2.0)


@dataclass
class State:
    """A converged state: densities p (P, n), centres mu (P,), activities m (K,), coupling unknowns u."""

    p: np.ndarray
    mu: np.ndarray
    m: np.ndarray
    u: np.ndarray


def step_times(t0: float, t_out: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Step end times from t0 through t_out[-1], and the index in that list of each output time.

    Index −1 refers to t0 itself (an output requested at t0).
    """
    times = [t0]
    where = []
    for target in t_out:
        span = target - times[-1]
        if span <= 0:
            where.append(len(times) - 1)
            continue
        n = max(1, math.ceil(span / dt * (1.0 - 1e-12)))
        times.extend(times[-1] + span * np.arange(1, n + 1) / n)
        times[-1] = float(target)
        where.append(len(times) - 1)
    return np.asarray(times), np.asarray(where)


def _combine(coefs: list[float], states: list[State]):
    p = sum(c * s.p for c, s in zip(coefs, states))
    mu = sum(c * s.mu for c, s in zip(coefs, states))
    return p, mu


def limit_positive(rhs: np.ndarray, counter: list[int]) -> np.ndarray:
    """Remove negative entries of a stage rhs (P, n) per population, rescaling to keep Σ rhs."""
    if rhs.min() >= 0.0:
        return rhs
    counter[0] += 1
    total = rhs.sum(axis=1, keepdims=True)
    clipped = np.maximum(rhs, 0.0)
    return clipped * (total / clipped.sum(axis=1, keepdims=True))


def _guess(history: list[tuple[float, State]], t_new: float) -> np.ndarray:
    """Linear extrapolation of the coupling unknowns from the last two accepted states.

    Only over at most BDF2_MAX_RATIO times the last step: a long extrapolation of a fast
    transient can leave the basin of the stage solution connected to the current state.
    """
    (t1, s1) = history[-1]
    if len(history) < 2 or (t_new - t1) > BDF2_MAX_RATIO * (t1 - history[-2][0]):
        return s1.u.copy()
    (t0, s0) = history[-2]
    return s1.u + (s1.u - s0.u) * (t_new - t1) / (t1 - t0)


def _rescue(frame, current: State, t: float, t_new: float) -> tuple[State, int]:
    """Retake a failed step as 2^k backward-Euler substeps, k = 1 … RESCUE_LEVELS (and at least
    enough to keep λ h ≤ MAX_GROWTH for an unstable mode); returns (state, stages)."""
    least = math.ceil(frame.growth_rate(current, t) * (t_new - t) / MAX_GROWTH)
    for level in range(1, RESCUE_LEVELS + 1):
        frame.coupling.jacobian = None
        n = max(2**level, least)
        history = [(t, current)]
        try:
            for j in range(1, n + 1):
                t_j = t + (t_new - t) * j / n
                state = history[-1][1]
                history = [history[-1], (t_j, frame.stage(state.p, state.mu, 1.0, (t_new - t) / n, t_j,
                                                          _guess(history, t_j)))]
            return history[-1][1], n
        except CouplingError:
            continue
    raise CouplingError(f"coupling failed on the step to t={t_new:g} even with {n} backward-Euler "
                        "substeps; reduce dt")


def _step(frame, method: str, history: list[tuple[float, State]], t_new: float, limited: list[int]):
    """One step of ``method`` from the last state of ``history``; returns (state, stages).

    The positivity limiter applies only to frames whose state is non-negative (class attribute
    ``nonnegative``, default True); a frame of log-densities sets it False.
    """
    limit = limit_positive if getattr(frame, "nonnegative", True) else (lambda rhs, counter: rhs)
    t, current = history[-1]
    h = t_new - t
    w = h / (t - history[-2][0]) if len(history) > 1 else math.inf
    if method == "euler" or (method == "bdf2" and w > BDF2_MAX_RATIO):
        return frame.stage(current.p, current.mu, 1.0, h, t_new, _guess(history, t_new)), 1
    if method == "bdf2":
        previous = history[-2][1]
        rhs_p, rhs_mu = _combine([1.0 + w, -w * w / (1.0 + w)], [current, previous])
        return frame.stage(limit(rhs_p, limited), rhs_mu, (1.0 + 2.0 * w) / (1.0 + w), h, t_new,
                           _guess(history, t_new)), 1
    g = TRBDF2_G
    t_mid = t + g * h
    dp, dmu = frame.rate(current, t)
    mid = frame.stage(limit(current.p + 0.5 * g * h * dp, limited),
                      current.mu + 0.5 * g * h * dmu, 1.0, 0.5 * g * h, t_mid, _guess(history, t_mid))
    rhs_p, rhs_mu = _combine([1.0 / g, -(1.0 - g) ** 2 / g], [mid, current])
    return frame.stage(limit(rhs_p, limited), rhs_mu, 2.0 - g, (1.0 - g) * h, t_new,
                       _guess(history, t_new)), 2


def integrate(frame, state: State, t0: float, t_out: np.ndarray, dt: float, method: str,
              progress: bool = False) -> tuple[list[State], dict]:
    """Advance ``state`` from t0; return the states at t_out and step statistics."""
    times, where = step_times(t0, t_out, dt)
    wanted = {int(i): k for k, i in enumerate(where)}
    outputs: list[State | None] = [None] * len(t_out)
    for i, k in wanted.items():
        if i == 0:
            outputs[k] = state
    history = [(t0, state)]
    stages = 0
    limited = [0]
    rescued = 0
    substeps = 0
    taken = 0
    bar = tqdm(total=len(times) - 1, desc=f"{method} steps", disable=not progress, leave=False)
    for n in range(1, len(times)):
        t, t_end = times[n - 1], times[n]
        while t < t_end:
            rate = frame.growth_rate(history[-1][1], t)
            t_new = t_end
            if rate * (t_end - t) > MAX_GROWTH:
                t_new = min(t_end, t + MAX_GROWTH / rate)
                substeps += 1
            try:
                new, used = _step(frame, method, history, t_new, limited)
            except CouplingError:
                new, used = _rescue(frame, history[-1][1], t, t_new)
                rescued += 1
            stages += used
            taken += 1
            history = [history[-1], (t_new, new)]
            t = t_new
        if n in wanted:
            outputs[wanted[n]] = history[-1][1]
        bar.update()
    bar.close()
    return outputs, {"steps": taken, "stages": stages, "limited_stages": limited[0],
                     "rescued_steps": rescued, "substeps": substeps}
