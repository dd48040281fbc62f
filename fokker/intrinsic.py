"""Intrinsic single-neuron dynamics f_α(x) of one-variable populations.

Each class provides ``f(x)``, ``derivative`` and ``face_average(l, r)``, the
mean of f over [l, r] = (F(r) - F(l)) / (r - l) with F' = f. The finite-volume
solvers use that exact face average, which makes the discrete Gibbs state
exp(2 U / σ²) exact at the cell centres. A user callable is wrapped by
:class:`Intrinsic`, which uses a user antiderivative when given and the
midpoint value f((l + r) / 2) (second order) otherwise. An object that already
has ``__call__`` and ``face_average`` (a user's own intrinsic class, or the
two-variable :class:`fokker.fhn.FitzHughNagumo`) is used as it is, keeping its
own face average and derivative.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import checks


@dataclass(frozen=True)
class Leak:
    """f(x) = -rate (x - rest)."""

    rate: float = 1.0
    rest: float = 0.0

    def __post_init__(self) -> None:
        checks.real("Leak.rate", self.rate, low=0.0)
        checks.real("Leak.rest", self.rest)

    def __call__(self, x):
        return -self.rate * (np.asarray(x, dtype=float) - self.rest)

    def derivative(self, x):
        """f'(x) = −rate."""
        return np.full_like(np.asarray(x, dtype=float), -self.rate)

    def face_average(self, left, right):
        """Mean of f over [left, right]: f at the midpoint, exact since f is linear."""
        return self(0.5 * (np.asarray(left) + np.asarray(right)))

    def potential(self, x):
        """F(x) = −rate (x − rest)² / 2, F' = f."""
        return -0.5 * self.rate * (np.asarray(x, dtype=float) - self.rest) ** 2


@dataclass(frozen=True)
class Cubic:
    """f(x) = x - x³/3 + current (FitzHugh–Nagumo voltage nullcline)."""

    current: float = 0.0

    def __post_init__(self) -> None:
        checks.real("Cubic.current", self.current)

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        return x - x**3 / 3.0 + self.current

    def derivative(self, x):
        """f'(x) = 1 − x²."""
        return 1.0 - np.asarray(x, dtype=float) ** 2

    def potential(self, x):
        """F(x) = x²/2 − x⁴/12 + current · x, F' = f."""
        x = np.asarray(x, dtype=float)
        return 0.5 * x**2 - x**4 / 12.0 + self.current * x

    def face_average(self, left, right):
        """(l + r)/2 − (l³ + l² r + l r² + r³)/12 + current, free of cancellation."""
        l, r = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
        return 0.5 * (l + r) - (l**3 + l * l * r + l * r * r + r**3) / 12.0 + self.current


class Intrinsic:
    """A user-supplied f(x) (vectorised callable), optionally with its antiderivative."""

    def __init__(self, f: Callable[[np.ndarray], np.ndarray],
                 antiderivative: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        if not callable(f):
            raise TypeError(f"intrinsic dynamics must be callable, got {type(f).__name__}")
        self._f = f
        self._F = antiderivative

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        return np.broadcast_to(np.asarray(self._f(x), dtype=float), x.shape)

    def derivative(self, x, step: float = 1e-6):
        """Central difference (the user gave no derivative)."""
        x = np.asarray(x, dtype=float)
        return (self(x + step) - self(x - step)) / (2.0 * step)

    def face_average(self, left, right):
        """Mean of f over [left, right]: (F(right) − F(left)) / (right − left) with the user's antiderivative F, else f at the midpoint (second order)."""
        left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
        if self._F is None:
            return self(0.5 * (left + right))
        return (np.asarray(self._F(right)) - np.asarray(self._F(left))) / (right - left)

    def __repr__(self) -> str:
        return f"Intrinsic({getattr(self._f, '__name__', repr(self._f))})"


def as_intrinsic(f) -> object:
    """Accept a building block (anything callable with a ``face_average``) as it is; wrap a plain callable."""
    if isinstance(f, (Leak, Cubic, Intrinsic)) or (callable(f) and callable(getattr(f, "face_average", None))):
        return f
    return Intrinsic(f)


def variables_of(intrinsic: object) -> int:
    """Number of state variables of an intrinsic: its ``variables`` attribute (1 or 2), 1 when absent."""
    n = getattr(intrinsic, "variables", 1)
    if isinstance(n, bool) or n not in (1, 2):
        raise ValueError(f"intrinsic {intrinsic!r} has variables = {n!r}; allowed: 1 (voltage) "
                         "or 2 (voltage and recovery)")
    return int(n)

