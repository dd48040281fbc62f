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
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

METHODS = {"euler": 1, "bdf2": 2, "trbdf2": 2}
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


def _combine(frame, coefs: list[float], states: list[State]):
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
    """Linear extrapolation of the coupling unknowns from the last two accepted states."""
    (t1, s1) = history[-1]
    if len(history) < 2:
        return s1.u.copy()
    (t0, s0) = history[-2]
    return s1.u + (s1.u - s0.u) * (t_new - t1) / (t1 - t0)


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
    bar = tqdm(total=len(times) - 1, desc=f"{method} steps", disable=not progress, leave=False)
    for n in range(1, len(times)):
        t, t_new = times[n - 1], times[n]
        h = t_new - t
        current = history[-1][1]
        if method == "euler" or (method == "bdf2" and len(history) < 2):
            new = frame.stage(current.p, current.mu, 1.0, h, t_new, _guess(history, t_new))
            stages += 1
        elif method == "bdf2":
            (t_prev, previous) = history[-2]
            w = h / (t - t_prev)
            rhs_p, rhs_mu = _combine(frame, [1.0 + w, -w * w / (1.0 + w)], [current, previous])
            new = frame.stage(limit_positive(rhs_p, limited), rhs_mu, (1.0 + 2.0 * w) / (1.0 + w), h, t_new,
                              _guess(history, t_new))
            stages += 1
        else:  # trbdf2
            g = TRBDF2_G
            t_mid = t + g * h
            dp, dmu = frame.rate(current, t)
            mid = frame.stage(limit_positive(current.p + 0.5 * g * h * dp, limited),
                              current.mu + 0.5 * g * h * dmu, 1.0, 0.5 * g * h, t_mid, _guess(history, t_mid))
            rhs_p, rhs_mu = _combine(frame, [1.0 / g, -(1.0 - g) ** 2 / g], [mid, current])
            new = frame.stage(limit_positive(rhs_p, limited), rhs_mu, 2.0 - g, (1.0 - g) * h, t_new,
                              _guess(history, t_new))
            stages += 2
        history = [history[-1], (t_new, new)]
        if n in wanted:
            outputs[wanted[n]] = new
        bar.update()
    bar.close()
    return outputs, {"steps": len(times) - 1, "stages": stages, "limited_stages": limited[0]}
