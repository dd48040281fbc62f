"""``solve(..., frame="auto")`` on a ``Grid2D``: ordinary two-variable initial data at any finite γ.

As in one dimension (``solvers.hybrid``): x = μ_α + ε y is an exact change of variables at every finite
γ, so a y-grid of half-width L is a physical voltage grid of half-width ε L moving with each
population's mean, and the recovery variable w keeps the user's w-grid. The initial layer (the
collapse of the voltage spread to σ/√(2γA) in a time O(log γ / γ)) is solved on co-moving grids that
zoom (``CollapseTracker2D``: the 1D tracker with the (y, w) layout, each w-row carried by the mass- and
positivity-preserving ``solvers.remap.transfer``) with steps capped at LAYER_STEP / (γ max A); once
every population is within COLLAPSED balanced widths, the run continues on a final O(1) y-grid with the
user's dt (or error control), at a cost independent of γ. Each stretch between two spread checks is one
run of the Strang splitting (``solvers.two_variable.strang_run``) of the two-variable desingularised
frame (``solvers.desingularised_2d``). Outputs: p mapped onto the user's Grid2D (its w-grid is the
frame's), with ``mean()``, ``std()`` (voltage) and ``mean_w()``, ``std_w()`` computed in the rescaled
frame: exact even where the user's x-grid cannot resolve the density.
"""
from __future__ import annotations

import math
import time

import numpy as np

from fokker import Grid, Grid2D, Network

from . import diagnostics
from .controller import FixedSteps, make_policy
from .cost import DEFAULT_MAX_STEPS
from .desingularised_2d import Desingularised2DFrame
from .desingularised_2d_solution import AutoTwoVariableSolution
from .frame import State, StepStats
from .hybrid import HALF_WIDTHS, CollapseTracker
from .remap import transfer_rows
from .trackers import Regrid, standard_trackers
from .two_variable import X_METHODS, strang_run


def carry_rows(q: np.ndarray, source: Grid, destination: Grid, nw: int, shift=0.0, scale=1.0) -> np.ndarray:
    """A density (P, nw·n_src), w-row major, carried along its rows onto ``destination``: (P, nw·n_dst).

    ``shift``, ``scale``: per population (P,) or numbers (X = shift + scale · Y, as ``transfer``).
    """
    P = q.shape[0]
    return transfer_rows(q.reshape(P, nw, source.nx), source, destination, shift=shift, scale=scale).reshape(P, -1)


def co_moving_frame(net: Network, std_y: np.ndarray, tol: float, cells: int, w_grid: Grid) -> Desingularised2DFrame:
    """The two-variable desingularised frame on ``cells`` y-cells spanning ± HALF_WIDTHS × max(std_y), and w_grid."""
    half = HALF_WIDTHS * float(np.max(std_y))
    return Desingularised2DFrame(net, Grid2D(Grid(-half, half, cells), w_grid), tol)


class CollapseTracker2D(CollapseTracker):
    """``solvers.hybrid.CollapseTracker`` for the (y, w) layout: spread of the y-marginal, frames of
    ``Desingularised2DFrame`` on (y-grid, the user's w-grid), densities carried row by row."""

    def __init__(self, net: Network, tol: float, cells: int, zoom: float, cap_steps: bool, t0: float,
                 m0: np.ndarray, w_grid: Grid) -> None:
        super().__init__(net, tol, cells, zoom, cap_steps, t0, m0)
        self.w_grid = w_grid

    def spread(self, state, frame) -> np.ndarray:
        return frame.grid.std(frame.marginal(state.p))

    def make_frame(self, std_y: np.ndarray) -> Desingularised2DFrame:
        return co_moving_frame(self.net, std_y, self.tol, self.cells, self.w_grid)

    def carry(self, frame, new):
        return lambda p: carry_rows(p, frame.grid, new.grid, frame.nw)


def _merge(total: dict, part: dict) -> None:
    """Add a stretch's step counters (``StepStats``) to ``total``."""
    for key, value in part.items():
        if key not in StepStats.__dataclass_fields__:
            continue
        total[key] = max(total.get(key, 0.0), value) if key.endswith("error_estimate") else total.get(key, 0) + value


def solve_auto_2d(net: Network, grid: Grid2D, p0: np.ndarray, t0: float, t_out: np.ndarray, dt: float, method: str,
                  tol: float, progress: bool, notes: list[str], cells: int, zoom: float, rtol: float | None,
                  atol: float, max_step: float, callback=None,
                  max_steps: int = DEFAULT_MAX_STEPS) -> AutoTwoVariableSolution:
    """Initial layer on zooming co-moving grids, then the two-variable desingularised frame (module docstring).

    p0 : (P, nx, nw) on ``grid``, checked and normalised; t_out the output times (t_out[0] ≥ t0).
    """
    if math.isinf(net.gamma):
        raise ValueError("frame='auto' needs a finite gamma: at gamma = inf the voltage density is a Dirac mass; "
                         "use solvers.solve_desingularised with well-prepared data")
    eps = net.gamma ** -0.5
    start = time.perf_counter()
    scheme = X_METHODS["trbdf2" if method == "bdf2" else method]
    mean, std = grid.mean_x(p0), grid.std_x(p0)
    frame = co_moving_frame(net, std / eps, tol, cells, grid.w)
    rows = np.ascontiguousarray(np.swapaxes(p0, -1, -2)).reshape(net.P, -1)          # (P, nw·nx)
    state = frame.initial_state(carry_rows(rows, grid.x, frame.grid, grid.shape[1], -mean / eps, 1.0 / eps), t0, mean)
    collapse = CollapseTracker2D(net, tol, cells, zoom, True, t0, state.m, grid.w)
    cap = collapse.layer_cap(state.m)
    request = collapse.handle(t0, state, frame)             # already collapsed: straight to the final grid
    collapse.checks = 0
    if request is not None:
        frame, cap = request.frame, request.max_step
        state = frame.initial_state(request.carry(state.p), t0, state.mu)
    frames = [frame]
    on_grid = lambda s, f: np.swapaxes(carry_rows(s.p, f.grid, grid.x, f.nw, s.mu, eps)    # noqa: E731
                                       .reshape(net.P, f.nw, grid.x.nx), -1, -2)
    trackers = standard_trackers(False, callback, f"{method} (auto, two-variable)", on_grid)
    outputs: list[tuple[float, State, Desingularised2DFrame]] = []
    stats: dict = {}
    status, message = 0, ""
    t, layer_steps = t0, 0
    t_end = float(t_out[-1])

    def stretch(policy, until: float, extra: list[float], bar: bool) -> None:
        """One Strang run from t to ``until`` through the pending output times (and ``extra``)."""
        nonlocal state, t, status, message
        due = [float(s) for s in t_out if (s > t or (s == t0 and t == t0 and not outputs)) and s <= until]
        times = np.array(sorted(set(due + extra)))
        run_trackers = (standard_trackers(True, None, f"{method} (auto, two-variable)") if bar else []) + trackers
        result, part, status, message = strang_run(frame, state, t, times, scheme, policy, run_trackers)
        _merge(stats, part)
        wanted = set(due)
        outputs.extend((s_t, s, frame) for s_t, s in result if s_t in wanted)
        if result:                                   # (empty when a callback stopped the run before ``until``)
            t, state = result[-1]

    while collapse.in_layer and t < t_end and status == 0:
        stop = min(collapse.next_stop(), t_end)
        stretch(FixedSteps(min(dt, cap, max_step)), stop, [stop], False)
        layer_steps = stats.get("steps", 0)
        if status == 0 and t == collapse.next_stop():
            request = collapse.handle(t, state, frame)
            if isinstance(request, Regrid):
                frame, cap = request.frame, request.max_step
                frames.append(frame)
                state = frame.initial_state(request.carry(state.p), t, state.mu)
    if status == 0 and (t < t_end or not outputs):
        stretch(make_policy(dt, rtol, atol, max_step, scheme, max_steps), t_end, [], progress)
    for f in frames:
        for key, value in f.stats().items():
            stats[key] = max(stats.get(key, 0.0), value) if key.startswith("w_") else stats.get(key, 0) + value
    stats["wall_time"] = time.perf_counter() - start
    stats["grids"] = len(frames)
    stats["layer_steps"] = layer_steps
    after = (f"desingularised frame with dt={dt:g} from t={collapse.t_switch:.3g}" if collapse.t_switch is not None
             else "the run ended inside the layer")
    if collapse.t_switch == t0:
        after = f"collapsed from the start: desingularised frame with dt={dt:g}"
    notes.append(f"frame='auto': initial layer in co-moving coordinates ({layer_steps} steps, {len(frames)} grids), "
                 f"{after}")
    q = [f.density(s.p) for _, s, f in outputs]
    fgrids = [f.grid2d for _, _, f in outputs]
    moments = {"mean": np.stack([s.mu + eps * g.mean_x(qq) for (_, s, _), g, qq in zip(outputs, fgrids, q)]),
               "std": np.stack([eps * g.std_x(qq) for g, qq in zip(fgrids, q)]),
               "mean_w": np.stack([g.mean_w(qq) for g, qq in zip(fgrids, q)]),
               "std_w": np.stack([g.std_w(qq) for g, qq in zip(fgrids, q)])}
    sol = AutoTwoVariableSolution(t=np.array([s_t for s_t, _, _ in outputs]),
                                  p=np.stack([on_grid(s, f) for _, s, f in outputs]),
                                  activity=np.stack([s.m for _, s, _ in outputs]), grid=grid, network=net,
                                  method=method, frame="auto", stats=stats, notes=notes, status=status,
                                  message=message, frame_moments=moments)
    warned: set = set()
    for (s_t, s, f), qq in zip(outputs, q):          # the co-moving grids must hold the density
        diagnostics.check_boundary(f.grid2d.marginal_x(qq), f.grid.width, float(s_t), net.population_names, warned,
                                   "the density outgrew the co-moving grid made at the end of the initial layer; "
                                   "continue with solve_desingularised on a wider y-grid")
    return sol
