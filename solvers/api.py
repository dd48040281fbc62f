"""The public entry points ``solve`` and ``solve_desingularised``, and the backend table.

Frames (``solvers.physical``, ``solvers.desingularised``, ``solvers.fipy_backend``) import
nothing from here; this module assembles a frame, a step policy and trackers and hands
them to the one loop of ``solvers.controller``.
"""
from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from fokker import Grid, Grid2D, Network, checks

from . import cost, diagnostics, inputs
from .controller import Run, make_policy, run
from .coupling import CouplingError
from .desingularised import check_well_prepared
from .desingularised_2d import solve_desingularised_2d
from .desingularised_2d_solution import Desingularised2DSolution
from .frame import Frame
from .methods import METHODS
from .solution import DesingularisedSolution, Solution
from .trackers import standard_trackers
from .two_variable import check_grid_variables, solve_two_variable


class BackendTable(Mapping):
    """name → frame class; a class is imported when first looked up.

    ``BACKENDS`` (the physical equation): "native", the default, the compiled frame of
    ``solvers.native`` (``Frame.solve_rows`` / ``apply_rows`` by ``solvers.kernels``, the coupling
    evaluation fused, the whole stage compiled without electrical coupling); "numpy", the pure
    numpy/LAPACK reference path; "fipy", the stage systems assembled and solved by FiPy.
    ``DESINGULARISED_BACKENDS`` (the desingularised equation, also the frames of frame="auto"):
    "native" (compiled row solves) and "numpy".
    """

    def __init__(self, entries: dict[str, tuple[str, str]]) -> None:
        self._entries = entries

    def __getitem__(self, name: str) -> type[Frame]:
        module, cls = self._entries[name]
        return getattr(importlib.import_module(module, __package__), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"BackendTable({list(self._entries)})"


BACKENDS = BackendTable({"native": (".native", "NativePhysicalFrame"),
                         "numpy": (".physical", "PhysicalFrame"),
                         "fipy": (".fipy_backend", "FipyFrame")})
"""The backends of :func:`solve` (name → frame class): "native" (compiled kernels, ``solvers.native``),
"numpy" (the numpy/LAPACK reference path) and "fipy" (the same discretisation assembled and solved by FiPy)."""
DESINGULARISED_BACKENDS = BackendTable({"native": (".native", "NativeDesingularisedFrame"),
                                        "numpy": (".desingularised", "DesingularisedFrame")})
"""The backends of :func:`solve_desingularised` and of ``solve(..., frame="auto")`` (name → frame class):
"native" (compiled row solves) and "numpy" (the numpy/LAPACK reference path)."""


def one_variable(net: Network) -> None:
    """Refuse two-variable (FitzHugh–Nagumo) networks in the 1D entry points."""
    if isinstance(net, Network) and net.variables == 2:
        raise ValueError("net has two-variable (FitzHugh–Nagumo) populations: their density p(x, w) needs "
                         "a fokker.Grid2D grid, not a 1D fokker.Grid")



def finish_stats(result: Run, start: float) -> dict:
    stats = dict(result.stats)
    stats["wall_time"] = time.perf_counter() - start
    return stats


_STEP_DOC = """    rtol, atol, max_step : None (default) for steps of at most dt; with rtol (0 < rtol < 1)
        the steps are error controlled (``dt`` is then the first step): the embedded local
        error estimate e of each step must satisfy max(max_α RMS_i e_{α,i}/w_α,
        max_α |e_μα|/w_μα) ≤ rtol^(1/q) (q the method's order) with w_α = atol + rtol·max_i |y_α,i|
        (RMS over the density cells relative to the peak of each density), w_μα = atol + rtol·|μ_α|:
        the global error is then proportional to rtol (``solvers.controller``); atol ≥ 0;
        max_step > 0 caps every step (also the fixed ones).
    max_steps : the step cap (default ``solvers.cost.DEFAULT_MAX_STEPS`` = 10⁶): a run whose fixed
        steps (or, with rtol, the lower bound span/max_step) exceed it is refused before any work,
        as is one whose arrays (≈ 8 bytes × P × cells × (2 nt + 24)) exceed the available memory
        (ValueError naming the arguments and the estimate); an error-controlled run stops with
        ``solvers.cost.StepLimitError`` when its accepted plus rejected steps reach it.
    callback : ``callback(t, density, m) -> bool`` called after every accepted step; returning
        True stops the run (``status`` 1, arrays ending at the last output time reached)."""


def with_step_doc(density: str) -> Callable:
    """Decorator appending the step-control parameters (:data:`_STEP_DOC`) to a docstring."""
    def decorate(function: Callable) -> Callable:
        function.__doc__ = function.__doc__.rstrip() + "\n" + _STEP_DOC.replace("density", density) + "\n"
        return function
    return decorate


@with_step_doc("p")
def solve(net: Network, grid: Grid, p0, t_span=(0.0, 1.0), dt: float = 0.01, t_eval=None,
          method: str = "bdf2", backend: str = "native", tol: float = 1e-10, frame: str = "physical",
          progress: bool = False, auto_cells: int = 800, auto_zoom: float = 3.0, rtol: float | None = None,
          atol: float = 1e-10, max_step: float = math.inf, callback: Callable | None = None,
          max_steps: int = cost.DEFAULT_MAX_STEPS) -> Solution:
    """Solve the mean-field Fokker–Planck equation of ``net`` on ``grid``.

    Parameters
    ----------
    net : the network (finite γ for frame='physical').
    grid : cell-centred grid on the truncated interval (zero-flux ends).
    p0 : initial density, (nx,) when P == 1 or (P, nx); normalised if its mass is not 1.
    t_span : (t0, t1) with t1 > t0.
    dt : maximal step (fixed steps: every interval between outputs is split into equal
        steps ≤ dt); the first step of an error-controlled run.
    t_eval : output times inside t_span (default: 101 equal times); hit exactly.
    method : "euler" (backward Euler, order 1), "bdf2" (variable-step BDF2, order 2,
        L-stable) or "trbdf2" (TR-BDF2, order 2, L-stable): ``solvers.METHODS``.
    backend : "native" (compiled kernels, ``solvers.native``), "numpy" (LAPACK tridiagonal solves, the
        reference) or "fipy" (the same discretisation through FiPy's TransientTerm, DiffusionTerm and
        ExponentialConvectionTerm): ``solvers.BACKENDS``; frame="auto" takes "native" or "numpy".
    tol : activities converged each stage to |m − ∫ S p(m)| ≤ tol.
    frame : "physical" (default), or "auto": physical through the initial layer, then the
        desingularised frame once the density has collapsed (for large γ); on a Grid2D the
        two-variable desingularised frame (``solvers.desingularised_2d_auto``, backend "native").
    progress : show a progress bar over the simulated time.
    auto_cells, auto_zoom : frame="auto" only: cells of each co-moving y-grid (which span ±10
        standard deviations), and the factor by which the spread must shrink before re-gridding
        in the initial layer. The layer's error decreases with more cells (first order in the
        cell width for the collapse time).
    """
    if isinstance(grid, Grid2D) or (isinstance(net, Network) and net.variables == 2):
        # two-variable networks on a Grid2D: solvers.two_variable (a 1D grid is refused there)
        check_grid_variables(net, grid)
        t0, _, t_out, dt_, _, _, rtol_, _, max_step_, _ = inputs.run_options(
            t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback)
        max_steps = cost.check_cost(net, grid, "grid", t0, t_out, dt_, rtol_, max_step_, max_steps)
        if frame == "auto":
            return solve_auto_two_variable(net, grid, p0, t_span, dt, t_eval, method, backend, tol, progress,
                                           auto_cells, auto_zoom, rtol, atol, max_step, callback, max_steps)
        return solve_two_variable(net, grid, p0, t_span=t_span, dt=dt, t_eval=t_eval, method=method,
                                  backend=backend, tol=tol, frame=frame, progress=progress, rtol=rtol,
                                  atol=atol, max_step=max_step, callback=callback, max_steps=max_steps)
    inputs.network_and_grid(net, grid)
    t0, t1, t_out, dt, method, tol, rtol, atol, max_step, callback = inputs.run_options(
        t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback)
    max_steps = cost.check_cost(net, grid, "grid", t0, t_out, dt, rtol, max_step, max_steps)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if frame not in ("physical", "auto"):
        raise ValueError(f"frame must be 'physical' or 'auto', got {frame!r}")
    notes: list[str] = []
    p0 = inputs.density("p0", p0, net.P, grid, notes)
    if frame == "auto" and net.gamma == 0:
        notes.append("frame='auto' at gamma = 0: nothing collapses, solved in the physical frame")
        frame = "physical"
    policy = make_policy(dt, rtol, atol, max_step, method, max_steps)
    if frame == "auto":
        from .hybrid import solve_auto
        cells = checks.integer("auto_cells", auto_cells, low=50)
        zoom = checks.real("auto_zoom", auto_zoom, low=1.0, low_open=True)
        if backend not in DESINGULARISED_BACKENDS:
            raise ValueError(f"frame='auto' is available with backend in {list(DESINGULARISED_BACKENDS)} only, "
                             f"got {backend!r}")
        return solve_auto(net, grid, p0, t0, t_out, dt, method, backend, tol, progress, notes, cells, zoom,
                          policy, callback, DESINGULARISED_BACKENDS[backend])
    solver = BACKENDS[backend](net, grid, tol)
    start = time.perf_counter()
    state0 = solver.initial_state(p0, t0)
    try:
        result = run(solver, state0, t0, t_out, method, policy,
                     standard_trackers(progress, callback, f"{method} ({backend})"))
    except CouplingError as exc:
        cells = float(np.min(solver.expected_width(state0.m))) / grid.width
        if cells < diagnostics.CELLS_PER_WIDTH:
            raise CouplingError(f"{exc}. The grid resolves the balanced width σ/√(2γA) with only {cells:.2g} "
                                "cells, so the activities jump as the density moves between cells: refine the "
                                "grid or use frame='auto'") from exc
        raise
    states = [s for _, s, _ in result.outputs]
    t_done = t_out[:len(states)]
    sol = Solution(t=t_done, p=np.stack([s.p for s in states]), activity=np.stack([s.m for s in states]),
                   grid=grid, network=net, method=method, backend=backend, frame="physical",
                   stats=finish_stats(result, start), notes=notes, status=result.status, message=result.message)
    diagnostics.check_outputs(solver.expected_width(sol.activity), sol.p, grid.width, t_done,
                              net.population_names)
    return sol


def solve_auto_two_variable(net: Network, grid: Grid2D, p0, t_span, dt, t_eval, method, backend, tol, progress,
                            auto_cells, auto_zoom, rtol, atol, max_step, callback, max_steps):
    """``solve(..., frame="auto")`` on a Grid2D: the options checked, then ``solvers.desingularised_2d_auto``."""
    from .desingularised_2d_auto import solve_auto_2d
    t0, t1, t_out, dt, method, tol, rtol, atol, max_step, callback = inputs.run_options(
        t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback)
    if backend != "native":
        raise ValueError(f"backend must be 'native' for a Grid2D (the two-variable solvers), got {backend!r}")
    cells = checks.integer("auto_cells", auto_cells, low=50)
    zoom = checks.real("auto_zoom", auto_zoom, low=1.0, low_open=True)
    notes: list[str] = []
    p0 = inputs.density("p0", p0, net.P, grid, notes)
    if net.gamma == 0:
        sol = solve_two_variable(net, grid, p0, t_span=t_span, dt=dt, t_eval=t_eval, method=method, tol=tol,
                                 progress=progress, rtol=rtol, atol=atol, max_step=max_step, callback=callback,
                                 max_steps=max_steps)
        sol.notes[:0] = notes + ["frame='auto' at gamma = 0: nothing collapses, solved in the physical frame"]
        return sol
    if method == "bdf2":
        notes.append("method 'bdf2': the voltage part of each Strang step is advanced by TR-BDF2 (a two-step "
                     "method's history would mix split steps and lose second order)")
    return solve_auto_2d(net, grid, p0, t0, t_out, dt, method, tol, progress, notes, cells, zoom, rtol, atol,
                         max_step, callback, max_steps)


@with_step_doc("q")
def solve_desingularised(net: Network, y_grid: Grid, q0, mean0, t_span=(0.0, 1.0), dt: float = 0.01,
                         t_eval=None, method: str = "bdf2", tol: float = 1e-10, progress: bool = False,
                         rtol: float | None = None, atol: float = 1e-10, max_step: float = math.inf,
                         callback: Callable | None = None, backend: str = "native",
                         max_steps: int = cost.DEFAULT_MAX_STEPS) -> DesingularisedSolution | Desingularised2DSolution:
    """Solve the desingularised equation (``solvers.desingularised``) for ``net`` (γ finite or ``math.inf``).

    Parameters
    ----------
    y_grid : grid in the rescaled variable y = (x − μ)/ε; for two-variable (FitzHugh–Nagumo) networks a
        ``Grid2D(y_grid, w_grid)`` (w not rescaled: ``solvers.desingularised_2d``, physical time also for
        γ = ∞, ``solvers.limit_2d``), the result a ``Desingularised2DSolution``.
    q0 : rescaled initial density on y_grid, (ny,) when P == 1 or (P, ny) ((ny, nw) or (P, ny, nw) on a
        Grid2D); normalised if needed.
        Its first moment is preserved (0 for centred data, so that μ is the mean).
    mean0 : initial centres μ_α, a number or (P,).
    t_span, dt, t_eval : physical time for finite γ; fast time τ for γ = ∞ (the physical
        γ = ∞ dynamics is instantaneous), as the result's ``time_unit`` says. On a Grid2D always
        physical time: the two-variable γ = ∞ dynamics is the O(1) slow motion.
    method : "euler", "bdf2" or "trbdf2" (``solvers.METHODS``).
    tol : coupling tolerance on the activities (the first moment is held to tol · 1e-3).
    progress : show a progress bar over the simulated time.
    backend : "native" (compiled row solves, the default) or "numpy" (LAPACK): ``solvers.DESINGULARISED_BACKENDS``.
    """
    if isinstance(y_grid, Grid2D) or (isinstance(net, Network) and net.variables == 2):
        # two-variable networks on a Grid2D (y, w): solvers.desingularised_2d (a 1D grid is refused there)
        return solve_desingularised_2d(net, y_grid, q0, mean0, t_span=t_span, dt=dt, t_eval=t_eval, method=method,
                                       tol=tol, progress=progress, rtol=rtol, atol=atol, max_step=max_step,
                                       callback=callback, backend=backend, max_steps=max_steps)
    one_variable(net)
    inputs.network_and_grid(net, y_grid, "y_grid")
    t0, t1, t_out, dt, method, tol, rtol, atol, max_step, callback = inputs.run_options(
        t_span, t_eval, dt, method, tol, rtol, atol, max_step, callback)
    max_steps = cost.check_cost(net, y_grid, "y_grid", t0, t_out, dt, rtol, max_step, max_steps)
    if backend not in DESINGULARISED_BACKENDS:
        raise ValueError(f"backend must be one of {list(DESINGULARISED_BACKENDS)}, got {backend!r}")
    notes: list[str] = []
    q0 = inputs.density("q0", q0, net.P, y_grid, notes)
    mu0 = np.broadcast_to(checks.finite_array("mean0", mean0), (net.P,)).astype(float) \
        if np.ndim(mean0) == 0 else checks.finite_array("mean0", mean0, shape=(net.P,))
    check_well_prepared(q0, y_grid)
    if net.gamma == 0:
        raise ValueError("solve_desingularised needs gamma > 0 (epsilon = gamma^(-1/2)); at gamma = 0 use solvers.solve")
    if math.isinf(net.gamma):
        notes.append("gamma = inf: t_span, dt and t are in fast time tau = gamma t")
    frame = DESINGULARISED_BACKENDS[backend](net, y_grid, tol)
    start = time.perf_counter()
    state0 = frame.initial_state(q0, t0, mu0.copy())
    if np.any(np.abs(frame.moment0) > 1e-12):
        notes.append(f"q0 has first moment {np.array2string(frame.moment0, precision=3)} (preserved): "
                     "mu is offset from the mean by epsilon times it")
    result = run(frame, state0, t0, t_out, method, make_policy(dt, rtol, atol, max_step, method, max_steps),
                 standard_trackers(progress, callback, f"{method} (desingularised)"))
    states = [s for _, s, _ in result.outputs]
    t_done = t_out[:len(states)]
    sol = DesingularisedSolution(t=t_done, q=np.stack([s.p for s in states]), mu=np.stack([s.mu for s in states]),
                                 activity=np.stack([s.m for s in states]), y_grid=y_grid, network=net,
                                 epsilon=frame.eps, time_unit="tau" if math.isinf(net.gamma) else "t",
                                 method=method, stats=finish_stats(result, start), notes=notes,
                                 status=result.status, message=result.message)
    diagnostics.check_outputs(frame.expected_width(sol.activity), sol.q, y_grid.width, t_done,
                              net.population_names, frame.resolution_advice)
    return sol
