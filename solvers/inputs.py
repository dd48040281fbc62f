"""Validation of solver inputs shared by every entry point (raised before any work)."""
from __future__ import annotations

import numpy as np

from fokker import Grid, Grid2D, Network, checks

from .methods import METHODS
from .trackers import check_callback


def network_and_grid(net: object, grid: object, grid_name: str = "grid") -> None:
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fokker.Network, got {type(net).__name__}")
    if not isinstance(grid, Grid):
        raise TypeError(f"{grid_name} must be a fokker.Grid, got {type(grid).__name__}")


def options(dt: object, method: object, tol: object) -> tuple[float, str, float]:
    dt = checks.positive("dt", dt)
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    tol = checks.positive("tol", tol)
    return dt, method, tol


def step_control(rtol: object, atol: object, max_step: object) -> tuple[float | None, float, float]:
    """rtol None (fixed steps) or in (0, 1); atol ≥ 0; max_step > 0 (may be inf)."""
    if rtol is not None:
        rtol = checks.real("rtol", rtol, low=0.0, low_open=True)
        if rtol >= 1.0:
            raise ValueError(f"rtol must be < 1 (a relative tolerance), got {rtol}")
    atol = checks.real("atol", atol, low=0.0)
    max_step = checks.real("max_step", max_step, low=0.0, low_open=True, allow_inf=True)
    return rtol, atol, max_step


def density(name: str, value: object, P: int, grid: Grid | Grid2D, notes: list[str]) -> np.ndarray:
    """A (P, *cells) non-negative finite density of unit mass on ``grid`` (cells: (nx,) for a Grid,
    (n1, n2) for a Grid2D); the shape without P accepted when P == 1. A density whose mass is not 1
    is normalised, with a note. Errors name the argument ``name``."""
    arr = checks.finite_array(name, value)
    cells = grid.shape if isinstance(grid, Grid2D) else (grid.nx,)
    if arr.ndim == len(cells) and P == 1:
        arr = arr[None]
    expected = (P, *cells)
    if arr.shape != expected:
        allowed = f"{cells} or {expected}" if P == 1 else f"{expected}"
        where = "grid cells" if len(cells) == 1 else " × ".join(map(str, cells)) + " cells of the Grid2D"
        raise ValueError(f"{name} must have shape {allowed} (P populations × {where}), got {np.shape(value)}")
    arr = checks.finite_array(name, arr, nonnegative=True).copy()
    mass = grid.integrate(arr)
    if np.any(mass <= 0):
        raise ValueError(f"{name} has zero mass for population {int(np.argmin(mass))}; a density needs mass > 0")
    if np.any(np.abs(mass - 1.0) > 1e-12):
        notes.append(f"{name} had mass {np.array2string(mass, precision=6)}; normalised to 1")
        arr /= mass.reshape((P,) + (1,) * len(cells))
    return arr


def run_options(t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback):
    """The options every density solver shares, checked: (t0, t1, t_out, dt, method, tol, rtol, atol,
    max_step, callback) — the time span and output times, the step and method, the coupling tolerance,
    the step control and the callback (each refused with its name when invalid)."""
    t0, t1 = checks.time_span(t_span)
    t_out = checks.output_times(t_eval, t0, t1)
    dt, method, tol = options(dt, method, tol)
    rtol, atol, max_step = step_control(rtol, atol, max_step)
    return t0, t1, t_out, dt, method, tol, rtol, atol, max_step, check_callback(callback)
