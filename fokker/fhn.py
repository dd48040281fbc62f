"""Two-variable FitzHugh–Nagumo neurons: voltage x and recovery variable w.

For a neuron of a population with this intrinsic dynamics

    dX = [ f(X, W) + coupling(X) ] dt + σ dB,      f(x, w) = x − κ x³ − w + I,
    dW = g(X, W) dt + σ_w dB',                      g(x, w) = c (x + a − b w),

with κ = ``cubic`` (1/3 is the classical model, 0 the linear one), I = ``current``.
Coupling acts on the voltage only. Every function is vectorised over x and w
broadcast against each other.

Single-neuron references (the uncoupled ODE ẋ = f, ẇ = g), computed by an
independent ODE solve: :meth:`FitzHughNagumo.rest_points` (the fixed points with
their eigenvalues) and :meth:`FitzHughNagumo.limit_cycle` (period and orbit).
With the classical parameters (a, b, c) = (0.7, 0.8, 0.08): at I = 0.5 a limit
cycle of period ≈ 39.4744 with x ∈ [−1.970, 1.852], w ∈ [−0.246, 1.394]; at
I = 0 a single stable rest point ≈ (−1.19941, −0.62426).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from . import checks

#: relative and absolute tolerances of the reference ODE solves
ODE_RTOL = 1e-11
ODE_ATOL = 1e-12


class Derivatives(NamedTuple):
    """The four partial derivatives of (f, g), each broadcast to the shape of x and w."""

    f_x: np.ndarray
    f_w: np.ndarray
    g_x: np.ndarray
    g_w: np.ndarray


@dataclass(frozen=True)
class RestPoint:
    """A fixed point (x, w) of the uncoupled ODE; stable when both eigenvalues have negative real part."""

    x: float
    w: float
    eigenvalues: np.ndarray
    stable: bool


@dataclass(frozen=True)
class LimitCycle:
    """One period of the attracting periodic orbit of the uncoupled ODE.

    period: T; t: (n,) times in [0, T] with t[0] = 0 at an upward crossing of x = x_section;
    x, w: (n,) the orbit at those times (x[0] = x[-1] up to the ODE tolerance);
    x_range, w_range: (min, max) of x and w over the orbit (located by events ẋ = 0, ẇ = 0).
    """

    period: float
    t: np.ndarray
    x: np.ndarray
    w: np.ndarray
    x_range: tuple[float, float]
    w_range: tuple[float, float]


def _float(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


@dataclass(frozen=True)
class FitzHughNagumo:
    """f(x, w) = x − cubic·x³ − w + current,  g(x, w) = c (x + a − b w).

    Parameters: ``a`` (finite), ``b`` ≥ 0, ``c`` > 0 (recovery rate), ``current`` I
    (finite), ``cubic`` κ ≥ 0 (κ = 0: linear dynamics, a two-dimensional
    Ornstein–Uhlenbeck process when the coupling is linear too).
    """

    a: float = 0.7
    b: float = 0.8
    c: float = 0.08
    current: float = 0.0
    cubic: float = 1.0 / 3.0

    #: number of state variables per neuron (voltage x and recovery w)
    variables: ClassVar[int] = 2

    def __post_init__(self) -> None:
        checks.real("FitzHughNagumo.a", self.a)
        checks.real("FitzHughNagumo.b", self.b, low=0.0)
        checks.positive("FitzHughNagumo.c", self.c)
        checks.real("FitzHughNagumo.current", self.current)
        checks.real("FitzHughNagumo.cubic", self.cubic, low=0.0)

    # -- the vector field ------------------------------------------------------------------
    def f(self, x, w) -> np.ndarray:
        """Voltage drift f(x, w) = x − κ x³ − w + I."""
        x = _float(x)
        return x - self.cubic * x**3 - _float(w) + self.current

    def g(self, x, w) -> np.ndarray:
        """Recovery drift g(x, w) = c (x + a − b w)."""
        return self.c * (_float(x) + self.a - self.b * _float(w))

    def __call__(self, x, w) -> np.ndarray:
        """The voltage drift f(x, w) (the intrinsic term of the voltage equation)."""
        return self.f(x, w)

    def derivatives(self, x, w) -> Derivatives:
        """(∂f/∂x, ∂f/∂w, ∂g/∂x, ∂g/∂w) = (1 − 3κx², −1, c, −c b), broadcast over x and w."""
        x, w = np.broadcast_arrays(_float(x), _float(w))
        return Derivatives(1.0 - 3.0 * self.cubic * x**2, np.full(x.shape, -1.0),
                           np.full(x.shape, self.c), np.full(x.shape, -self.c * self.b))

    def jacobian(self, x, w) -> np.ndarray:
        """[[f_x, f_w], [g_x, g_w]] at (x, w), shape (..., 2, 2)."""
        d = self.derivatives(x, w)
        return np.stack([np.stack([d.f_x, d.f_w], axis=-1), np.stack([d.g_x, d.g_w], axis=-1)], axis=-2)

    def derivative(self, x, w=0.0) -> np.ndarray:
        """∂f/∂x = 1 − 3κx² (independent of w)."""
        return self.derivatives(x, w).f_x

    # -- exact cell averages for finite volumes ------------------------------------------------
    def face_average(self, left, right, w) -> np.ndarray:
        """Mean of f(·, w) over [left, right] at fixed w, exactly and free of cancellation:

        (l + r)/2 − κ (l³ + l² r + l r² + r³)/4 − w + I = (F(r) − F(l))/(r − l), F' = f(·, w),
        written without the difference quotient, so it equals f(l, w) when l = r.
        Broadcast over left, right and w.
        """
        l, r = _float(left), _float(right)
        return (0.5 * (l + r) - 0.25 * self.cubic * (l**3 + l * l * r + l * r * r + r**3)
                - _float(w) + self.current)

    def recovery_face_average(self, lower, upper, x) -> np.ndarray:
        """Mean of g(x, ·) over [lower, upper] at fixed x: c (x + a − b (lower + upper)/2) (exact, g is linear in w)."""
        return self.g(x, 0.5 * (_float(lower) + _float(upper)))

    @property
    def recovery_rate(self) -> float:
        """r = c b: g(x, w) = c (x + a) − r w, so at frozen x the recovery relaxes at rate r."""
        return self.c * self.b

    def recovery_flow(self, x, w, h) -> np.ndarray:
        """Exact solution of ẇ = g(x, w) at frozen x after a time h ≥ 0:

        w + g(x, w) (1 − e^(−r h)) / r, r = c b, i.e. w* + (w − w*) e^(−r h) with w* = (x + a)/b,
        and w + h g(x, w) when b = 0 (the r → 0 limit, taken without cancellation by expm1).
        Broadcast over x, w and h.
        """
        r = self.recovery_rate
        h = _float(h)
        factor = h if r == 0 else -np.expm1(-r * h) / r
        return _float(w) + self.g(x, w) * factor

    def recovery_target(self, x) -> np.ndarray:
        """w*(x) = (x + a)/b, where g(x, ·) vanishes (needs b > 0); ẇ = −c b (w − w*(x))."""
        if self.b == 0:
            raise ValueError("FitzHughNagumo.recovery_target needs b > 0 (with b = 0, g does not depend on w)")
        return (_float(x) + self.a) / self.b

    # -- single-neuron ODE references ---------------------------------------------------------
    def rest_points(self) -> list[RestPoint]:
        """All fixed points of ẋ = f, ẇ = g, sorted by x, with the eigenvalues of the Jacobian.

        b > 0: w = (x + a)/b and κ x³ + (1/b − 1) x + a/b − I = 0 (real roots of the cubic);
        b = 0: x = −a, w = f(−a, 0). Raises ValueError when the fixed points form a line
        (κ = 0 and b = 1 with I = a) or do not exist (κ = 0, b = 1, I ≠ a).
        """
        if self.b == 0:
            xs = np.array([-self.a])
        else:
            coeffs = [self.cubic, 0.0, 1.0 / self.b - 1.0, self.a / self.b - self.current]
            while coeffs and coeffs[0] == 0.0:
                coeffs = coeffs[1:]
            if len(coeffs) < 2:
                what = "a line of fixed points" if not coeffs or coeffs[0] == 0.0 else "no fixed point"
                raise ValueError(f"{self!r} has {what} (cubic = 0 and b = 1)")
            roots = np.roots(coeffs)
            scale = 1.0 + np.abs(roots)
            xs = np.sort(roots[np.abs(roots.imag) <= 1e-9 * scale].real)
            # polish the real roots by Newton steps on the cubic (np.roots is accurate to ~1e-15 relative)
            p, dp = np.poly1d(coeffs), np.poly1d(coeffs).deriv()
            for _ in range(3):
                slope = dp(xs)
                xs = np.where(slope != 0, xs - p(xs) / np.where(slope != 0, slope, 1.0), xs)
        ws = self.f(xs, 0.0) if self.b == 0 else self.recovery_target(xs)
        out = []
        for x, w in zip(xs, ws):
            eig = np.linalg.eigvals(self.jacobian(x, w))
            out.append(RestPoint(float(x), float(w), eig, bool(np.all(eig.real < 0))))
        return out

    def _rhs(self, t, z):
        return [float(self.f(z[0], z[1])), float(self.g(z[0], z[1]))]

    def limit_cycle(self, start: tuple[float, float] | None = None, *, transient: float | None = None,
                    samples: int = 2001) -> LimitCycle:
        """The attracting periodic orbit reached from ``start`` (scipy ``solve_ivp``, DOP853, rtol 1e-11).

        ``start`` defaults to a point next to the unstable rest point (ValueError if every rest
        point is stable: then pass a start inside the basin of a cycle, if there is one).
        Method: integrate over ``transient`` (default 100 / (c (1 + b)) time units), then over as
        long again, locating the upward crossings of the section x = x_rest by event
        detection; the last two periods must agree to 1e-8 relative; the orbit is one period sampled at
        ``samples`` equal times, its extrema located by the events ẋ = 0 and ẇ = 0.
        Raises ValueError when the trajectory settles on a rest point instead.
        """
        from scipy.integrate import solve_ivp      # imported here: only the limit cycle needs it (0.2 s)
        samples = checks.integer("samples", samples, low=3)
        rests = self.rest_points()
        unstable = [r for r in rests if not r.stable]
        section = unstable[0].x if unstable else rests[len(rests) // 2].x
        if start is None:
            if not unstable:
                raise ValueError(f"{self!r}: every rest point is stable; pass start=(x0, w0) in the basin "
                                 "of a limit cycle if there is one")
            start = (unstable[0].x + 1e-3, unstable[0].w)
        z0 = np.asarray(checks.finite_array("start", start, shape=(2,)), dtype=float)
        t_relax = checks.positive("transient", 100.0 / (self.c * (1.0 + self.b)) if transient is None
                                  else transient)
        kw = dict(method="DOP853", rtol=ODE_RTOL, atol=ODE_ATOL)
        z = solve_ivp(self._rhs, (0.0, t_relax), z0, **kw).y[:, -1]

        def crossing(t, y):
            return y[0] - section
        crossing.direction = 1.0
        horizon = t_relax
        sol = solve_ivp(self._rhs, (0.0, horizon), z, events=crossing, **kw)
        times = sol.t_events[0]
        settled = any(r.stable and np.hypot(sol.y[0, -1] - r.x, sol.y[1, -1] - r.w) < 1e-6 for r in rests)
        if times.size < 4 or settled:
            raise ValueError(f"{self!r}: no sustained oscillation from start {tuple(z0)} "
                             f"(the trajectory settles; rest points {[(r.x, r.w) for r in rests]})")
        periods = np.diff(times)
        if abs(periods[-1] - periods[-2]) > 1e-8 * periods[-1]:
            raise ValueError(f"{self!r}: the periods {periods[-2]:.12g}, {periods[-1]:.12g} have not converged; "
                             "increase transient")
        z_sec = sol.y_events[0][-1]
        period = float(periods[-1])

        def x_turn(t, y):
            return self._rhs(t, y)[0]

        def w_turn(t, y):
            return self._rhs(t, y)[1]
        t_eval = np.linspace(0.0, period, samples)
        orbit = solve_ivp(self._rhs, (0.0, period), z_sec, t_eval=t_eval, events=(x_turn, w_turn), **kw)
        x_ext = np.concatenate([orbit.y_events[0][:, 0], orbit.y[0]])
        w_ext = np.concatenate([orbit.y_events[1][:, 1], orbit.y[1]])
        return LimitCycle(period, orbit.t, orbit.y[0], orbit.y[1], (float(x_ext.min()), float(x_ext.max())),
                          (float(w_ext.min()), float(w_ext.max())))
