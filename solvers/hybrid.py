"""``solve(..., frame="auto")``: ordinary initial data at any finite γ, without hand-made grids.

The desingularised equation is an exact change of variables x = μ_α + ε y for every
finite γ, so a y-grid of half-width L is a physical grid of half-width ε L that moves
with each population's mean. The initial layer is solved in these co-moving physical
coordinates with steps that resolve the collapse time 1/(γ A) (so that, e.g., the
basin of a bistable network is decided correctly), zooming the grid (a mass- and
positivity-preserving remap, ``solvers.remap``) whenever the spread has shrunk by
ZOOM; once every population has collapsed to within COLLAPSED times its balanced
width σ/√(2γA), the run continues on a final O(1) y-grid with the user's dt, at a
cost independent of γ. Outputs are mapped onto the user's grid; ``mean()`` and
``std()`` come from the rescaled frame, exact even where that grid cannot resolve
the density.
"""
from __future__ import annotations

import math
import time

import numpy as np

from fokker import Grid, Network

from . import diagnostics
from .desingularised import DesingularisedFrame
from .remap import transfer
from .solution import Solution
from .stepping import integrate

CELLS = 800            # default cells of every y-grid (``auto_cells``)
HALF_WIDTHS = 10.0     # a y-grid spans ± HALF_WIDTHS standard deviations
ZOOM = 3.0             # default: re-grid when the spread has shrunk by this factor (``auto_zoom``)
COLLAPSED = 3.0        # the layer is over when std ≤ COLLAPSED × balanced width
LAYER_STEP = 0.05      # layer steps: LAYER_STEP / (γ max A)
CHUNK = 20             # layer steps between checks


def _frame_for(net: Network, std_y: np.ndarray, tol: float, cells: int) -> DesingularisedFrame:
    half = HALF_WIDTHS * float(np.max(std_y))
    return DesingularisedFrame(net, Grid(-half, half, cells), tol)


def solve_auto(net: Network, grid: Grid, p0: np.ndarray, t0: float, t_out: np.ndarray, dt: float,
               method: str, backend: str, tol: float, progress: bool, notes: list[str],
               cells: int = CELLS, zoom: float = ZOOM) -> Solution:
    """Initial layer in zooming co-moving coordinates, then the desingularised frame (see module)."""
    if math.isinf(net.gamma):
        raise ValueError("frame='auto' needs a finite gamma: at gamma = inf the physical density is a Dirac "
                         "mass; use solvers.solve_desingularised with well-prepared data")
    if backend != "native":
        raise ValueError(f"frame='auto' is available with backend='native' only, got {backend!r}")
    eps = net.gamma ** -0.5
    start = time.perf_counter()
    mean, std = grid.mean(p0), grid.std(p0)
    frame = _frame_for(net, std / eps, tol, cells)
    state = frame.initial_state(transfer(p0, grid, frame.grid, shift=-mean / eps, scale=1.0 / eps), mean, t0)
    frames = [frame]
    t, done, layer_steps = t0, 0, 0
    outputs, out_grids = [], []
    steps = {"steps": 0, "stages": 0, "limited_stages": 0, "rescued_steps": 0, "substeps": 0}

    def advance(f, s0, t_from, times, h, bar=False):
        states, s = integrate(f, s0, t_from, times, h, method, bar)
        for key in steps:
            steps[key] += s[key]
        return states

    while done < len(t_out) and t_out[done] == t:
        outputs.append(state), out_grids.append(frame.grid)
        done += 1
    # -- the initial layer ------------------------------------------------------------------------------
    while done < len(t_out):
        std_y = frame.grid.std(state.p)
        if np.all(std_y <= COLLAPSED * frame.limit_std(state.m)):
            break
        if np.max(std_y) * zoom <= frame.grid.upper / HALF_WIDTHS:
            old, frame = frame, _frame_for(net, std_y, tol, cells)
            state = frame.initial_state(transfer(state.p, old.grid, frame.grid), state.mu, t)
            frames.append(frame)
        h = min(dt, LAYER_STEP / (net.gamma * float(np.max(net.conductance(state.m)))))
        t_next = min(t_out[done], t + CHUNK * h)
        (state,) = advance(frame, state, t, np.array([t_next]), h)
        layer_steps = steps["steps"]
        t = t_next
        if t == t_out[done]:
            outputs.append(state), out_grids.append(frame.grid)
            done += 1
    t_switch = t
    # -- after the layer: the desingularised frame with the user's dt ------------------------------------------
    if done < len(t_out):
        std_y = frame.grid.std(state.p)
        old, frame = frame, _frame_for(net, np.maximum(std_y, frame.limit_std(state.m)), tol, cells)
        state = frame.initial_state(transfer(state.p, old.grid, frame.grid), state.mu, t)
        frames.append(frame)
        rest = advance(frame, state, t, t_out[done:], dt, progress)
        outputs.extend(rest)
        out_grids.extend([frame.grid] * len(rest))
    stats = dict(steps)
    for key in ("evaluations", "linear_solves", "jacobian_updates"):
        stats[key] = sum(f.stats()[key] for f in frames)
    stats["wall_time"] = time.perf_counter() - start
    stats["grids"] = len(frames)
    stats["layer_steps"] = layer_steps
    notes.append(f"frame='auto': initial layer in co-moving coordinates ({layer_steps} steps, {len(frames)} grids), "
                 f"desingularised frame with dt={dt:g} from t={t_switch:.3g}")
    warned: set = set()
    for k, (s, g) in enumerate(zip(outputs, out_grids)):           # the co-moving grids must hold the density
        diagnostics.check_boundary(s.p, g.width, float(t_out[k]), net.population_names, warned,
                                   "the density outgrew the co-moving grid made at the end of the initial "
                                   "layer; continue with solve_desingularised on a wider y_grid")
    p = np.stack([transfer(s.p, g, grid, shift=s.mu, scale=eps) for s, g in zip(outputs, out_grids)])
    mean = np.stack([s.mu + eps * g.mean(s.p) for s, g in zip(outputs, out_grids)])
    std = np.stack([eps * g.std(s.p) for s, g in zip(outputs, out_grids)])
    return Solution(t=t_out, p=p, activity=np.stack([s.m for s in outputs]), grid=grid, network=net,
                    method=method, backend=backend, frame="auto", stats=stats, notes=notes,
                    frame_moments=(mean, std))
