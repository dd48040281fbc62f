"""Input validation shared by every public entry point.

Each helper raises ``TypeError`` for a wrong kind of value and ``ValueError``
for a value out of range, naming the argument and what is allowed.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Sequence

import numpy as np


def real(name: str, value: object, *, low: float | None = None, high: float | None = None,
         low_open: bool = False, allow_inf: bool = False) -> float:
    """Return ``value`` as a float after checking type, finiteness and range."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        allowed = "a finite number" if not allow_inf else "a number (inf allowed)"
        raise ValueError(f"{name} must be {allowed}, got {x}")
    if low is not None and (x < low or (low_open and x == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name} must be {op} {low}, got {x}")
    if high is not None and x > high:
        raise ValueError(f"{name} must be <= {high}, got {x}")
    return x


def positive(name: str, value: object) -> float:
    """A finite number > 0."""
    return real(name, value, low=0.0, low_open=True)


def integer(name: str, value: object, *, low: int) -> int:
    """An integer >= ``low`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def finite_array(name: str, value: object, *, shape: tuple[int, ...] | None = None,
                 nonnegative: bool = False) -> np.ndarray:
    """A float array, finite everywhere, optionally of a given shape and >= 0.

    Booleans and strings are refused (TypeError), as :func:`real` refuses them.
    """
    raw = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if raw.dtype.kind in "bUSV" or (raw.dtype.kind == "O" and any(
            isinstance(v, (bool, np.bool_, str, bytes)) for v in raw.ravel())):
        raise TypeError(f"{name} must be an array of real numbers, got {raw.dtype.name} values "
                        f"(booleans and strings are not numbers here)")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name} must be finite everywhere; entry {tuple(int(i) for i in bad)} is {arr[tuple(bad)]}")
    if nonnegative and np.any(arr < 0):
        bad = np.argwhere(arr < 0)[0]
        raise ValueError(f"{name} must be >= 0 everywhere; entry {tuple(int(i) for i in bad)} is {arr[tuple(bad)]}")
    return arr


def time_span(t_span: Sequence[float]) -> tuple[float, float]:
    """A pair (t0, t1) of finite numbers with t1 > t0."""
    try:
        t0, t1 = t_span
    except (TypeError, ValueError):
        raise TypeError(f"t_span must be a pair (t0, t1), got {t_span!r}") from None
    t0 = real("t_span[0]", t0)
    t1 = real("t_span[1]", t1)
    if not t1 > t0:
        raise ValueError(f"t_span must satisfy t0 < t1 (reversed or empty spans are not allowed), got ({t0}, {t1})")
    return t0, t1


def output_times(t_eval: object, t0: float, t1: float, default_count: int = 101) -> np.ndarray:
    """Sorted output times inside [t0, t1]; ``None`` gives ``default_count`` equal times."""
    if t_eval is None:
        return np.linspace(t0, t1, default_count)
    t = finite_array("t_eval", t_eval)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"t_eval must be a non-empty 1-D sequence of times, got shape {t.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t_eval must be strictly increasing")
    if t[0] < t0 or t[-1] > t1:
        raise ValueError(f"t_eval must lie inside t_span [{t0}, {t1}], got [{t[0]}, {t[-1]}]")
    return t


_PACKAGES = ("fokker", "solvers", "validation")
_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_PACKAGE_DIRS = tuple(os.path.join(_ROOT, name) + os.sep for name in _PACKAGES)


def _inside_package(filename: str) -> bool:
    return os.path.realpath(filename).startswith(_PACKAGE_DIRS)


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the first caller outside fokker, solvers and validation.

    The stack level is computed, not fixed, so a warning points at the user's own call line
    whatever the path through the library was (a call made from the command line, where every
    frame is the library's, is attributed to the outermost frame).
    """
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and _inside_package(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
