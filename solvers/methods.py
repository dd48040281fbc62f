"""Implicit one-step and two-step methods for dy/dt = F(y) on a frame (``solvers.frame``).

Every stage is  α y − a F(y) = rhs,  solved by ``frame.stage``; its solution also gives
F(y) = (α y − rhs) / a without another evaluation, so every accepted point carries its
derivative. A method class knows its order, its number of stages and its embedded
local error estimate e ≈ y(t + h) − y_{n+1} (``error_order``: e = O(h^error_order)).

- :class:`BackwardEuler` ``"euler"``: α = 1, a = h, rhs = yⁿ. Order 1, L-stable, R(z) = 1/(1 − z);
  keeps p ≥ 0 (α I − a L is an M-matrix) and mass exactly. Error estimate (first difference
  of the derivative): e = (h/2) (F(yⁿ) − F(yⁿ⁺¹)) = −(h²/2) y'' + O(h³).
- :class:`BDF2` ``"bdf2"``: variable-step BDF2, with ω = h_n / h_{n−1}:
  α = (1+2ω)/(1+ω), a = h_n, rhs = (1+ω) yⁿ − ω²/(1+ω) yⁿ⁻¹. Order 2, L-stable; its first
  step (and any step with ω > BDF2_MAX_RATIO) is a backward-Euler step. Local error
  −(1+ω)² / (6ω(1+2ω)) h³ y'''; estimated by the predictor–corrector difference
  e = (1+ω)/(2+3ω) · (y_P − yⁿ⁺¹), y_P the quadratic through yⁿ⁻¹, yⁿ with slope F(yⁿ) at tⁿ,
  extrapolated to tⁿ⁺¹ (y_{n+1} − y_P = h³ y''' (1+ω)(2+3ω) / (6ω(1+2ω)) + O(h⁴)).
- :class:`TRBDF2` ``"trbdf2"``: with g = 2 − √2, a trapezoidal stage to t + g h
  (α = 1, a = g h / 2, rhs = yⁿ + (g h / 2) F(yⁿ)), then BDF2 through (t, t + g h, t + h)
  (α = 2 − g, a = (1 − g) h, rhs = y_g / g − (1 − g)² yⁿ / g). Order 2, L-stable; local error
  C h³ y''' with C = (−3g² + 4g − 2) / (12 (2 − g)) ≈ −0.0404. Embedded estimate (Hosea &
  Shampine 1996): e = h (c₁ Fⁿ + c₂ F_g + c₃ Fⁿ⁺¹), c₃ = 2C/(1 − g), c₂ = −c₃/g,
  c₁ = c₃ (1 − g)/g (the combination vanishing on quadratics with value C h³ y''').

Positivity limiter (frames with ``nonnegative = True``): a stage right-hand side can be
negative where the density falls by a large factor within one step (BDF2: yⁿ⁻¹ > 4 yⁿ),
i.e. where a step outruns the density. Such entries are set to 0 and the rest rescaled to
keep Σ rhs; since α I − a L is an M-matrix the stage solution is then ≥ 0. On resolved
problems the limiter only touches tails at round-off level, so the order is kept;
``stats["limited_stages"]`` counts its use. Every method conserves mass exactly (columns
of L sum to zero, Σ rhs = α Σ yⁿ).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from .stepping import BDF2_MAX_RATIO, TRBDF2_G
from .frame import Frame, State


@dataclass(slots=True)
class Point:
    """An accepted point of the trajectory: time, state, F at it (None until needed) and the
    stage (α, a, rhs_p, rhs_μ) that produced it (None for initial or carried states)."""

    t: float
    state: State
    deriv: tuple[np.ndarray, np.ndarray] | None = None
    stage: tuple | None = None


def derivative(frame: Frame, point: Point) -> tuple[np.ndarray, np.ndarray]:
    """F at ``point``: (α y − rhs) / a from its stage, else ``frame.rate``; computed once."""
    if point.deriv is None:
        if point.stage is not None:
            alpha, a, rhs_p, rhs_mu = point.stage
            mu = point.state.mu
            point.deriv = ((alpha * point.state.p - rhs_p) / a,
                           mu if frame.fixed_centres else (alpha * mu - rhs_mu) / a)
        else:
            point.deriv = frame.rate(point.state, point.t)
    return point.deriv


def combine_centres(frame: Frame, c1: float, mu1: np.ndarray, c0: float, mu0: np.ndarray) -> np.ndarray:
    """c1 μ1 + c0 μ0, or μ1 itself where the frame's centres are fixed (μ ≡ 0: nothing to combine)."""
    return mu1 if frame.fixed_centres else c1 * mu1 + c0 * mu0


@dataclass(slots=True)
class Step:
    """The result of one step: the new point, implicit stages used, error estimate (or None)."""

    point: Point
    stages: int
    error: tuple[np.ndarray, np.ndarray] | None
    error_order: int


class Limiter:
    """The positivity limiter of stage right-hand sides (a no-op for frames that may be negative)."""

    def __init__(self, active: bool) -> None:
        self.active = active
        self.count = 0

    def __call__(self, rhs: np.ndarray, lowest: float | None = None) -> np.ndarray:
        """Remove negative entries of rhs (P, n) per population, rescaling to keep Σ rhs (``lowest``:
        rhs.min() if already known)."""
        if not self.active or (rhs.min() if lowest is None else lowest) >= 0.0:
            return rhs
        self.count += 1
        total = rhs.sum(axis=1, keepdims=True)
        clipped = np.maximum(rhs, 0.0)
        return clipped * (total / clipped.sum(axis=1, keepdims=True))

    def with_mass(self, rhs: np.ndarray, mass: np.ndarray) -> np.ndarray:
        """rhs (P, n) rescaled per population to the exact mass Σ rhs = ``mass`` (P,) (densities only).

        An explicit stage y + a F(y) has the mass of y in exact arithmetic (F has zero column
        sums), but F's round-off is of order eps·γ·‖L‖·y: rescaling removes that pure mass error.
        """
        if not self.active:
            return rhs
        total = rhs.sum(axis=1)
        return rhs * np.divide(mass, total, out=np.ones_like(total), where=total > 0)[:, None]


def guess(history: list[Point], t_new: float) -> np.ndarray:
    """Linear extrapolation of the coupling unknowns from the last two accepted points.

    Only over at most BDF2_MAX_RATIO times the last step: a long extrapolation of a fast
    transient can leave the basin of the stage solution connected to the current state.
    """
    last = history[-1]
    if len(history) < 2 or (t_new - last.t) > BDF2_MAX_RATIO * (last.t - history[-2].t):
        return last.state.u.copy()
    before = history[-2]
    return last.state.u + (last.state.u - before.state.u) * ((t_new - last.t) / (last.t - before.t))


def _stage(frame: Frame, rhs_p, rhs_mu, alpha: float, a: float, t: float, u_guess) -> Point:
    """One implicit stage; F = (α y − rhs) / a at its solution is formed when first needed."""
    return Point(t, frame.stage(rhs_p, rhs_mu, alpha, a, t, u_guess), None, (alpha, a, rhs_p, rhs_mu))


class Method(ABC):
    """An implicit method: ``step`` advances the last point of ``history`` to t_new."""

    name: str
    order: int
    stages: int
    error_order: int
    max_ratio: float = np.inf          # largest growth of the step the method tolerates (adaptive runs)

    @abstractmethod
    def step(self, frame: Frame, history: list[Point], t_new: float, limit: Limiter, estimate: bool) -> Step:
        """One step; with ``estimate`` the Step carries the embedded local error estimate."""


class BackwardEuler(Method):
    """Backward Euler (see the module docstring): order 1, L-stable, p ≥ 0."""

    name, order, stages, error_order = "euler", 1, 1, 2

    def step(self, frame, history, t_new, limit, estimate):
        last = history[-1]
        h = t_new - last.t
        new = _stage(frame, last.state.p, last.state.mu, 1.0, h, t_new, guess(history, t_new))
        error = None
        if estimate:
            (dp, dmu), (dp1, dmu1) = derivative(frame, last), derivative(frame, new)
            error = (0.5 * h * (dp - dp1), 0.5 * h * (dmu - dmu1))
        return Step(new, 1, error, 2)


EULER = BackwardEuler()


class BDF2(Method):
    """Variable-step BDF2 (see the module docstring): order 2, L-stable."""

    name, order, stages, error_order = "bdf2", 2, 1, 3
    max_ratio = BDF2_MAX_RATIO

    def step(self, frame, history, t_new, limit, estimate):
        last = history[-1]
        h = t_new - last.t
        if len(history) < 2:
            return EULER.step(frame, history, t_new, limit, estimate)
        before = history[-2]
        h_old = last.t - before.t
        w = h / h_old
        if w > BDF2_MAX_RATIO:
            return EULER.step(frame, history, t_new, limit, estimate)
        c1, c0 = 1.0 + w, -w * w / (1.0 + w)
        s1, s0 = last.state, before.state
        rhs_p = limit(*frame.combine(c1, s1.p, c0, s0.p))
        new = _stage(frame, rhs_p, combine_centres(frame, c1, s1.mu, c0, s0.mu), (1.0 + 2.0 * w) / (1.0 + w), h,
                     t_new, guess(history, t_new))
        error = None
        if estimate:
            factor = (1.0 + w) / (2.0 + 3.0 * w)
            F = derivative(frame, last)
            error = tuple(factor * (_hermite(y0, y1, f1, h_old, h) - y_new)
                          for y_new, y0, y1, f1 in ((new.state.p, s0.p, s1.p, F[0]),
                                                    (new.state.mu, s0.mu, s1.mu, F[1])))
        return Step(new, 1, error, 3)


def _hermite(y0, y1, f1, h_old: float, h: float):
    """The quadratic through (−h_old, y0), (0, y1) with slope f1 at 0, at +h."""
    curvature = (y0 - y1 + f1 * h_old) / (h_old * h_old)
    return y1 + f1 * h + curvature * (h * h)


TRBDF2_C = (-3.0 * TRBDF2_G**2 + 4.0 * TRBDF2_G - 2.0) / (12.0 * (2.0 - TRBDF2_G))
_E3 = 2.0 * TRBDF2_C / (1.0 - TRBDF2_G)
TRBDF2_ERROR_WEIGHTS = (_E3 * (1.0 - TRBDF2_G) / TRBDF2_G, -_E3 / TRBDF2_G, _E3)


class TRBDF2(Method):
    """TR-BDF2 (see the module docstring): order 2, L-stable, two stages with the same matrix."""

    name, order, stages, error_order = "trbdf2", 2, 2, 3

    def step(self, frame, history, t_new, limit, estimate):
        g = TRBDF2_G
        last = history[-1]
        h = t_new - last.t
        t_mid = last.t + g * h
        cur = last.state
        dp, dmu = derivative(frame, last)
        a = 0.5 * g * h
        explicit = limit.with_mass(frame.combine(1.0, cur.p, a, dp)[0], cur.p.sum(axis=1))
        mid = _stage(frame, limit(explicit), combine_centres(frame, 1.0, cur.mu, a, dmu), 1.0, a, t_mid,
                     guess(history, t_mid))
        c_mid, c_old = 1.0 / g, -(1.0 - g) ** 2 / g
        new = _stage(frame, limit(*frame.combine(c_mid, mid.state.p, c_old, cur.p)),
                     combine_centres(frame, c_mid, mid.state.mu, c_old, cur.mu), 2.0 - g, (1.0 - g) * h, t_new,
                     guess(history, t_new))
        error = None
        if estimate:
            e1, e2, e3 = TRBDF2_ERROR_WEIGHTS
            error = tuple(h * (e1 * f0 + e2 * fm + e3 * f1)
                          for f0, fm, f1 in zip((dp, dmu), derivative(frame, mid), derivative(frame, new)))
        return Step(new, 2, error, 3)


METHODS: dict[str, type[Method]] = {"euler": BackwardEuler, "bdf2": BDF2, "trbdf2": TRBDF2}
"""The time-stepping methods (name → class): "euler" (order 1), "bdf2" and "trbdf2" (order 2, L-stable)."""
