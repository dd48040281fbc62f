"""Acceptance of the two-variable desingularised frame: ``frame="auto"`` on fhn_electrical at γ = 1e6, and
the cost of ``solve_desingularised`` on a Grid2D from γ = 1e2 to 1e10.

    PYTHONPATH=. python benchmarks/fhn_auto_acceptance.py [--quick]

1. ``solve(presets.fhn_electrical(1e6), Grid2D(x, w), p0, frame="auto")`` (current 0.5: the single neuron
   oscillates with period T_ODE = 39.4744) from a Gaussian of std (0.1, 0.05) at a point of the ODE limit
   cycle, dt = 0.05, method trbdf2, over 3 periods (--quick: 2.2). Printed: the period of the mean voltage
   (successive upward crossings of the cycle's section, linear interpolation between outputs) against
   the ODE period, the period average of √(2γG)·std(x)/σ over the last full period (→ 1 as γ → ∞, error
   O(1/γ)), and the wall time (the initial layer included; the kernels compiled by a warm-up run first).
2. ``solve_desingularised(fhn_electrical(γ), Grid2D(y, w), q0, ...)`` with the same grid and dt for
   γ = 1e2, 1e4, 1e6, 1e8, 1e10: wall time (best of 3) and the ratio t(1e10)/t(1e2) (target ≤ 1.2), with the
   steps and coupling evaluations of each run.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from fokker import Grid, Grid2D, presets
from solvers import solve, solve_desingularised

SIGMA = 0.3
GAMMA = 1e6


def crossings(t: np.ndarray, x: np.ndarray, level: float) -> np.ndarray:
    i = np.flatnonzero((x[:-1] < level) & (x[1:] >= level))
    return t[i] + (level - x[i]) / (x[i + 1] - x[i]) * (t[i + 1] - t[i])


def acceptance(periods: float, cells: int) -> None:
    cycle = presets.fhn_electrical().populations[0].intrinsic.limit_cycle()
    k = len(cycle.t) // 20                                     # start a little after the section
    x0, w0 = float(cycle.x[k]), float(cycle.w[k])
    grid = Grid2D(Grid(-2.5, 2.5, 250), Grid(-0.8, 1.8, 130))
    p0 = grid.gaussian((x0, w0), (0.1, 0.05))
    T = periods * cycle.period
    dt = 0.05
    t_eval = np.linspace(0.0, T, math.ceil(T / dt) + 1)           # output spacing <= dt: one step each
    net = presets.fhn_electrical(GAMMA)
    solve(net, grid, p0, t_span=(0.0, 0.5), dt=dt, frame="auto", method="trbdf2", auto_cells=cells)   # warm-up
    start = time.perf_counter()
    sol = solve(net, grid, p0, t_span=(0.0, T), dt=dt, t_eval=t_eval, frame="auto", method="trbdf2",
                auto_cells=cells)
    wall = time.perf_counter() - start
    mean = sol.mean()[:, 0]
    ups = crossings(sol.t, mean, cycle.x[0])
    measured = np.diff(ups)
    print(f"frame='auto', fhn_electrical(gamma={GAMMA:g}), dt={dt}, trbdf2, auto_cells={cells}, T={T:.2f}")
    print(f"  {sol.notes[-1]}")
    print(f"  ODE period {cycle.period:.6f}")
    for j, p in enumerate(measured):
        print(f"  period {j + 1}: {p:.6f}  relative error {p / cycle.period - 1.0:+.2e}")
    if ups.size >= 2:
        last = (sol.t >= ups[-2]) & (sol.t <= ups[-1])
        ratio = math.sqrt(2.0 * GAMMA * 1.0) * sol.std()[last, 0] / SIGMA
        average = float(np.trapezoid(ratio, sol.t[last]) / (sol.t[last][-1] - sol.t[last][0]))
        print(f"  period-averaged sqrt(2 gamma G) std(x)/sigma over [{ups[-2]:.2f}, {ups[-1]:.2f}]: {average:.6f} "
              f"(deviation {average - 1.0:+.2e}; min {ratio.min():.6f}, max {ratio.max():.6f})")
    print(f"  wall time {wall:.2f} s; steps {sol.stats['steps']} (layer {sol.stats['layer_steps']}), "
          f"evaluations {sol.stats['evaluations']}, grids {sol.stats['grids']}")


def cost(T: float, repeats: int) -> None:
    grid = Grid2D(Grid(-2.5, 2.5, 200), Grid(-0.8, 1.8, 130))
    q0 = grid.gaussian((0.0, 0.5), (SIGMA / math.sqrt(2.0), 0.1))
    gammas = [1e2, 1e4, 1e6, 1e8, 1e10]
    times = {}
    solve_desingularised(presets.fhn_electrical(1e2), grid, q0, 0.3, t_span=(0.0, 0.2), dt=0.05, method="trbdf2")
    print(f"solve_desingularised, Grid2D {grid.shape}, dt=0.05, trbdf2, T={T}: best of {repeats}")
    for gamma in gammas:
        best, stats = math.inf, None
        for _ in range(repeats):
            start = time.perf_counter()
            ds = solve_desingularised(presets.fhn_electrical(gamma), grid, q0, 0.3, t_span=(0.0, T), dt=0.05,
                                      method="trbdf2", t_eval=[0.0, T])
            best = min(best, time.perf_counter() - start)
            stats = ds.stats
        times[gamma] = best
        print(f"  gamma={gamma:8.0e}: {best:.3f} s, steps {stats['steps']}, evaluations {stats['evaluations']}, "
              f"mu(T) = {ds.mu[-1, 0]:.8f}")
    print(f"  wall-time ratio t(1e10)/t(1e2) = {times[1e10] / times[1e2]:.3f} (target <= 1.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2.2 periods and a shorter cost run")
    args = parser.parse_args()
    acceptance(2.2 if args.quick else 3.0, 200)
    cost(2.0 if args.quick else 10.0, 3)


if __name__ == "__main__":
    main()
