"""Cost guards: what a run will hold in memory and how many steps it will take, checked before any work.

Every entry point that allocates per-output arrays or loops over steps (``solvers.solve``,
``solvers.solve_desingularised``, ``solvers.solve_log``, ``validation.simulate_particles``
and the study runner) estimates its cost from its arguments alone — before the grid
arrays, the frame or the particles are built — and refuses with a ValueError naming the
arguments, the estimate, the limit and what to change when

- the arrays it would hold exceed :func:`available_memory` (Linux ``MemAvailable``: the
  memory the kernel can give without swapping; elsewhere the free physical pages), or
- the step count exceeds the step cap ``max_steps`` (default :data:`DEFAULT_MAX_STEPS`).

Memory (float64, 8 bytes per number), for P populations of ``cells`` unknowns each
(nx, or nx·nw for a two-variable density, or n neurons × 1 or 2 variables):

    density solves:  bytes ≈ 8 P cells (OUTPUT_COPIES · nt + WORK_ARRAYS),
    particle runs:   bytes ≈ 8 P n v (nt + PARTICLE_WORK_ARRAYS)   (v = 1 or 2 variables per neuron;
                                                                   no nt term with summary_only)

``OUTPUT_COPIES`` = 2 (each output state is kept, then stacked into the result array);
``WORK_ARRAYS`` = 24 covers the state, the two-step history and its time derivatives,
the tridiagonal bands and right-hand sides of the stage systems, the coupling's
evaluations and the diagnostics' copies. The factors were calibrated by the growth of the
peak resident memory (``resource.getrusage``, ``ru_maxrss``) of a process over one solve
after a tiny warm-up solve (``ei_single``, γ = 5, bdf2, native): nx = 2·10⁶ and 10⁵ with 3
outputs both held 18.0 per-cell arrays beyond the outputs, nx = 10⁵ with 1001 outputs 2020
(2.0 copies of the outputs + 18); the two-variable solver (``fhn_chemical`` on 1000 × 1000
and 300 × 300 cells) measured the same 18 and 1.9 copies. 24 leaves room for the grid and
the initial density. Particle runs hold X (and W), the noise buffer of an implicit step
and block-sized temporaries: measured 5.1 (explicit) and 6.1 (implicit coupling)
per-neuron arrays beyond the outputs at n = 2·10⁶, including the initial positions, and 1
copy of the outputs (n = 2·10⁵, 201 outputs: 204.8); ``PARTICLE_WORK_ARRAYS`` = 6. The
estimate is meant to be right within about 30 % for large runs, not a bound on every
temporary; a run is refused only when it exceeds the available memory.

Steps: fixed steps split every interval between output times into ceil(Δt/dt) equal
steps (exactly what the controller does), so their count is known; error-controlled
steps (``rtol``) are bounded below by max(span/max_step, number of outputs), and the
controller stops with :class:`StepLimitError` once the accepted plus rejected steps reach
the cap. The default cap is 10⁶ steps: a hundred times the longest shipped example (10⁴
fixed steps) and 8 minutes of the two-population example's stepping (0.5 ms per step at
nx = 650, P = 2), so that a run that cannot progress ends with an error in minutes rather
than hours (as 10⁷ would). An unreachable tolerance (rtol = 1e-14, below what the round-off
lets the error estimate reach) is caught sooner, by the controller's step-size floor
(``solvers.controller.check_step_size``: 10 spacings of the floats at t). A count beyond the cap is almost always a
mistyped dt or an unreachable tolerance; a run that really needs more passes ``max_steps=``,
and one that should give up sooner a smaller one.
"""
from __future__ import annotations

import math
import os

import numpy as np

from fokker import checks

DEFAULT_MAX_STEPS = 1_000_000
"""The default step cap of every time stepper (raise it with ``max_steps=``)."""
OUTPUT_COPIES = 2
"""Copies of the per-output arrays a density solve holds at its peak (the states, then the stacked result)."""
WORK_ARRAYS = 24
"""Per-cell working arrays of a density solve, per population (state, history, bands, copies)."""
PARTICLE_WORK_ARRAYS = 6
"""Per-neuron working arrays of a particle run, per population and variable (positions, noise, temporaries)."""
BYTES = 8
GIB = 2.0 ** 30


class StepLimitError(ValueError):
    """A run reached its step cap (``max_steps``) before the end of its time span.

    A ValueError: the cause is the run's arguments (a tolerance too tight for the problem,
    or a cap too low for it), and the command line reports it as a one-line user error.
    """


def available_memory() -> int:
    """Bytes the kernel can give this process now: ``MemAvailable`` of ``/proc/meminfo`` on Linux,
    otherwise the free physical pages (``os.sysconf``); a very large number if neither is known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2 ** 62


def max_steps_value(max_steps: object) -> int:
    """The ``max_steps`` keyword checked: an integer ≥ 1 (TypeError/ValueError naming it)."""
    return checks.integer("max_steps", max_steps, low=1)


def step_count(t0: float, t_out: np.ndarray, dt: float, rtol: float | None = None,
               max_step: float = math.inf) -> tuple[float, bool]:
    """(steps, exact): the fixed-step count Σ_k ceil((t_k − t_{k−1})/min(dt, max_step)) over the
    stretches to the output times t_k (t_{−1} = t0; empty stretches take none), as the controller
    splits them (exact = True); with ``rtol`` the lower bound max(span/max_step, stretches) of an
    error-controlled run (exact = False). A float: the count may exceed any integer type."""
    spans = np.diff(np.concatenate(([t0], np.asarray(t_out, dtype=float))))
    spans = spans[spans > 0]
    if rtol is None:
        h = min(dt, max_step)
        return float(np.sum(np.maximum(1.0, np.ceil(spans / h * (1.0 - 1e-12))))), True
    lower = float(spans.sum()) / max_step if math.isfinite(max_step) else 0.0
    return max(float(spans.size), math.ceil(lower)), False


def density_bytes(P: int, cells: int, nt: int) -> float:
    """Estimated peak bytes of a density solve (module docstring)."""
    return float(BYTES) * P * cells * (OUTPUT_COPIES * nt + WORK_ARRAYS)


def particle_bytes(P: int, n: int, variables: int, nt: int, summary_only: bool) -> float:
    """Estimated peak bytes of a particle run (module docstring)."""
    stored = 0 if summary_only else nt
    return float(BYTES) * P * n * variables * (stored + PARTICLE_WORK_ARRAYS)


def gib(nbytes: float) -> str:
    return f"{nbytes / GIB:.3g} GiB"


def check_memory(nbytes: float, what: str, advice: str, available: int | None = None) -> None:
    """Refuse (ValueError) when ``nbytes`` exceeds the available memory; ``what`` names the arguments
    and sizes behind the estimate, ``advice`` what to change."""
    limit = available_memory() if available is None else available
    if nbytes > limit:
        raise ValueError(f"{what} would hold about {gib(nbytes)} of arrays, more than the {gib(limit)} of "
                         f"memory available: {advice}")


def check_steps(steps: float, exact: bool, max_steps: int, what: str, advice: str) -> None:
    """Refuse (ValueError) when the step count (or its lower bound) exceeds ``max_steps``."""
    if steps > max_steps:
        count = f"{steps:.3g} steps" if exact else f"at least {steps:.3g} steps"
        raise ValueError(f"{what} would take {count}, more than the step cap max_steps={max_steps:,}: "
                         f"{advice}, or raise max_steps (--max-steps on the command line) if the run really needs them")


def cells(grid) -> int:
    """Unknowns per population of a density on ``grid``: nx for a Grid, nx·nw for a Grid2D."""
    return int(np.prod(grid.shape)) if hasattr(grid, "shape") else int(grid.nx)


LIBRARY_NAMES = {"grid": "grid", "t_eval": "t_eval", "t_span": "t_span", "dt": "dt", "n": "n",
                 "max_step": "max_step"}
"""How the guards' messages name the arguments (the command line names configuration keys instead)."""


def check_density_run(P: int, cells: int, t0: float, t_out: np.ndarray, dt: float, rtol: float | None,
                      max_step: float, max_steps: int, names: dict[str, str] | None = None,
                      available: int | None = None) -> None:
    """The guards of a density solve of P populations × ``cells`` unknowns at the output times
    ``t_out`` (module docstring); ValueError before any work. ``names`` overrides
    :data:`LIBRARY_NAMES` (e.g. {"grid": "y_grid"})."""
    name = {**LIBRARY_NAMES, **(names or {})}
    nt = int(np.size(t_out))
    check_memory(density_bytes(P, cells, nt),
                 f"the solve ({P} population(s) × {cells:,} cells of {name['grid']} × {nt:,} output times "
                 f"{name['t_eval']})",
                 f"pass fewer output times ({name['t_eval']}) or a coarser grid ({name['grid']})", available)
    steps, exact = step_count(t0, t_out, dt, rtol, max_step)
    span = f"{name['t_span']} of length {float(t_out[-1]) - t0:g}"
    what = f"the solve ({span}, {name['dt']}={dt:g})" if exact else f"the solve ({span}, max_step={max_step:g})"
    advice = f"use a larger {name['dt']}" if exact else \
        f"use a larger {name['max_step']} or fewer output times ({name['t_eval']}; one step each at least)"
    check_steps(steps, exact, max_steps, what, advice)


def check_particle_run(P: int, n: int, variables: int, t0: float, t_out: np.ndarray, dt: float,
                       summary_only: bool, max_steps: int, names: dict[str, str] | None = None,
                       available: int | None = None) -> None:
    """The guards of a particle run (n neurons in each of P populations, ``variables`` per neuron)."""
    name = {**LIBRARY_NAMES, **(names or {})}
    nt = int(np.size(t_out))
    stored = "summary_only" if summary_only else f"{nt:,} output times {name['t_eval']}"
    more = "" if summary_only else f", fewer output times ({name['t_eval']}) or summary_only=True"
    check_memory(particle_bytes(P, n, variables, nt, summary_only),
                 f"the particle run ({name['n']}={n:,} neurons × {P} population(s) × {variables} variable(s), "
                 f"{stored})", f"use a smaller {name['n']}{more}", available)
    steps, _ = step_count(t0, t_out, dt)
    check_steps(steps, True, max_steps, f"the particle run ({name['t_span']} of length {float(t_out[-1]) - t0:g}, "
                f"{name['dt']}={dt:g})", f"use a larger {name['dt']}")


def step_limit_message(max_steps: int, accepted: int, rejected: int, t: float, t1: float) -> str:
    """The message of :class:`StepLimitError` when a run reaches its cap at time t of [.., t1]."""
    return (f"the run reached the step cap max_steps={max_steps:,} ({accepted:,} accepted + {rejected:,} rejected "
            f"steps) at t={t:g} before t={t1:g}: loosen rtol/atol or raise max_step, or raise max_steps "
            "(--max-steps on the command line) if the run really needs them")


def check_cost(net, grid, grid_name: str, t0: float, t_out: np.ndarray, dt: float, rtol: float | None,
               max_step: float, max_steps: object) -> int:
    """The guards of this module for a density solve of net.P populations on ``grid`` (a Grid or a
    Grid2D, named ``grid_name`` in the messages), before any work; returns the checked ``max_steps``."""
    max_steps = max_steps_value(max_steps)
    check_density_run(net.P, cells(grid), t0, t_out, dt, rtol, max_step, max_steps, {"grid": grid_name})
    return max_steps
