"""``solve(..., frame="auto")``: ordinary initial data at any finite γ, without hand-made grids.

The desingularised equation is an exact change of variables x = μ_α + ε y for every
finite γ, so a y-grid of half-width L is a physical grid of half-width ε L that moves
with each population's mean. The initial layer is solved in these co-moving physical
coordinates with steps that resolve the collapse time 1/(γ A) (so that, e.g., the
basin of a bistable network is decided correctly), zooming the grid (a mass- and
positivity-preserving remap, ``solvers.remap``) whenever the spread has shrunk by
ZOOM; once every population has collapsed to within COLLAPSED times its balanced
width σ/√(2γA), the run continues on a final O(1) y-grid with the user's dt, at a
cost independent of γ. One run of the stepper does all of it: a tracker
(:class:`CollapseTracker`) checks the spread at fixed times (which the steps hit, so the grids
change at the same times for every dt) and requests each re-gridding, and the stepper carries
the whole history of the method onto the new grid, so bdf2 and trbdf2 stay second order in
time through the layer. Outputs are mapped onto the user's grid; ``mean()`` and
``std()`` come from the rescaled frame, exact even where that grid cannot resolve
the density.
"""
from __future__ import annotations

import math
import time

import numpy as np

from fokker import Grid, Network

from . import diagnostics
from .controller import run
from .desingularised import DesingularisedFrame
from .remap import transfer
from .solution import Solution
from .trackers import Regrid, Tracker, standard_trackers

CELLS = 800            # default cells of every y-grid (``auto_cells``)
HALF_WIDTHS = 10.0     # a y-grid spans ± HALF_WIDTHS standard deviations
ZOOM = 3.0             # default: re-grid when the spread has shrunk by this factor (``auto_zoom``)
COLLAPSED = 3.0        # the layer is over when std ≤ COLLAPSED × balanced width
LAYER_STEP = 0.05      # fixed layer steps: at most LAYER_STEP / (γ max A)
CHECK_EVERY = 0.2      # the spread is checked every CHECK_EVERY / (γ max A(0)) during the layer


def _frame_for(kind: type[DesingularisedFrame], net: Network, std_y: np.ndarray, tol: float,
               cells: int) -> DesingularisedFrame:
    half = HALF_WIDTHS * float(np.max(std_y))
    return kind(net, Grid(-half, half, cells), tol)


class CollapseTracker(Tracker):
    """Checks the spread during the initial layer and requests the re-griddings.

    The checks are at the fixed times t0 + j Δ, Δ = CHECK_EVERY / (γ max A(0)) (the steps land on
    them), so that the grids change at the same times whatever dt or rtol. While the layer lasts:
    a zoomed co-moving grid whenever the spread has shrunk by ``zoom`` (steps capped at
    LAYER_STEP / (γ max A) when ``cap_steps``); once every population is within COLLAPSED balanced
    widths, the final y-grid and no cap (the user's dt from then on).
    """

    at_stops = True

    def __init__(self, net: Network, tol: float, cells: int, zoom: float, cap_steps: bool, t0: float,
                 m0: np.ndarray, kind: type[DesingularisedFrame] = DesingularisedFrame) -> None:
        self.kind = kind
        self.net, self.tol, self.cells, self.zoom, self.cap_steps = net, tol, cells, zoom, cap_steps
        self.in_layer = True
        self.checks = 0
        self.t_switch: float | None = None
        self.t0 = t0
        self.interval = CHECK_EVERY / (net.gamma * float(np.max(net.conductance(m0))))

    def next_stop(self) -> float:
        return self.t0 + (self.checks + 1) * self.interval if self.in_layer else math.inf

    def layer_cap(self, m: np.ndarray) -> float:
        if not self.cap_steps:
            return math.inf
        return LAYER_STEP / (self.net.gamma * float(np.max(self.net.conductance(m))))

    # hooks (a frame of another layout overrides these three: ``solvers.desingularised_2d_auto``)
    def spread(self, state, frame) -> np.ndarray:
        """The standard deviation in y of each population, (P,)."""
        return frame.grid.std(state.p)

    def make_frame(self, std_y: np.ndarray) -> DesingularisedFrame:
        """A co-moving frame whose y-grid spans ± HALF_WIDTHS × max(std_y)."""
        return _frame_for(self.kind, self.net, std_y, self.tol, self.cells)

    def carry(self, frame, new):
        """The map of a density of ``frame`` onto ``new`` (same centres)."""
        return lambda p: transfer(p, frame.grid, new.grid)

    def handle(self, t, state, frame):
        if not self.in_layer:
            return None
        self.checks += 1
        std_y = self.spread(state, frame)
        width = frame.expected_width(state.m)
        if np.all(std_y <= COLLAPSED * width):
            self.in_layer = False
            self.t_switch = t
            new = self.make_frame(np.maximum(std_y, width))
            return Regrid(new, self.carry(frame, new), math.inf)
        if np.max(std_y) * self.zoom <= frame.grid.upper / HALF_WIDTHS:
            new = self.make_frame(std_y)
            return Regrid(new, self.carry(frame, new), self.layer_cap(state.m))
        return None


def solve_auto(net: Network, grid: Grid, p0: np.ndarray, t0: float, t_out: np.ndarray, dt: float,
               method: str, backend: str, tol: float, progress: bool, notes: list[str],
               cells: int, zoom: float, policy, callback=None,
               kind: type[DesingularisedFrame] = DesingularisedFrame) -> Solution:
    """Initial layer in zooming co-moving coordinates, then the desingularised frame (see module);
    ``kind``: the desingularised frame class of the backend (``solvers.DESINGULARISED_BACKENDS``)."""
    if math.isinf(net.gamma):
        raise ValueError("frame='auto' needs a finite gamma: at gamma = inf the physical density is a Dirac "
                         "mass; use solvers.solve_desingularised with well-prepared data")
    eps = net.gamma ** -0.5
    start = time.perf_counter()
    mean, std = grid.mean(p0), grid.std(p0)
    frame = _frame_for(kind, net, std / eps, tol, cells)
    state = frame.initial_state(transfer(p0, grid, frame.grid, shift=-mean / eps, scale=1.0 / eps), t0, mean)
    collapse = CollapseTracker(net, tol, cells, zoom, not policy.adaptive, t0, state.m, kind)
    first_cap = collapse.layer_cap(state.m)
    request = collapse.handle(t0, state, frame)              # already collapsed: straight to the final grid
    collapse.checks = 0
    if request is not None:
        frame, first_cap = request.frame, request.max_step
        state = frame.initial_state(request.carry(state.p), t0, state.mu)
    on_grid = lambda s, f: transfer(s.p, f.grid, grid, shift=s.mu, scale=eps)   # noqa: E731
    trackers = [collapse] + standard_trackers(progress, callback, f"{method} (auto)", on_grid)
    result = run(frame, state, t0, t_out, method, policy, trackers, max_step=first_cap)
    stats = dict(result.stats)
    stats["wall_time"] = time.perf_counter() - start
    stats["grids"] = len(result.frames) + (request is not None)
    switch = [steps for t, steps in result.regrids if t == collapse.t_switch]
    stats["layer_steps"] = switch[0] if switch else (0 if request is not None else stats["steps"])
    after = (f"desingularised frame with dt={dt:g} from t={collapse.t_switch:.3g}" if collapse.t_switch is not None
             else "the run ended inside the layer")
    if request is not None:
        after = f"collapsed from the start: desingularised frame with dt={dt:g}"
    notes.append(f"frame='auto': initial layer in co-moving coordinates ({stats['layer_steps']} steps, "
                 f"{stats['grids']} grids), {after}")
    warned: set = set()
    t_done = t_out[:len(result.outputs)]
    for t, s, f in result.outputs:           # the co-moving grids must hold the density
        diagnostics.check_boundary(s.p, f.grid.width, float(t), net.population_names, warned,
                                   "the density outgrew the co-moving grid made at the end of the initial "
                                   "layer; continue with solve_desingularised on a wider y_grid")
    p = np.stack([on_grid(s, f) for _, s, f in result.outputs])
    mean = np.stack([s.mu + eps * f.grid.mean(s.p) for _, s, f in result.outputs])
    std = np.stack([eps * f.grid.std(s.p) for _, s, f in result.outputs])
    return Solution(t=t_done, p=p, activity=np.stack([s.m for _, s, _ in result.outputs]), grid=grid, network=net,
                    method=method, backend=backend, frame="auto", stats=stats, notes=notes,
                    frame_moments=(mean, std), status=result.status, message=result.message)
