"""Benchmark: ``solvers.solve_log`` against ``solvers.solve`` on the same grids and steps.

Part 1, agreement: ``presets.ei_single(γ)``, γ ∈ {1, 1e2, 1e4}, TR-BDF2 and BDF2 with T/100 steps
(γ = 1: Grid(−3, 3, 300), p0 = N(−0.5, 0.4²), T = 1; otherwise 600 cells on x̄ ± 0.3 (γ = 1e2) or
x̄ ± 0.05 (γ = 1e4), p0 = N(x̄ + 3s, (2s)²), T = 5/γ). Columns: max |log p_log − log p_SG| over the
cells where p_SG > 1e-200 max p_SG, and each solver's own max error of log p there against a
TR-BDF2 reference with T/3000 steps of the same solver.

Part 2, cost: wall time of each solver (one run each, measured back to back) on
``presets.ei_single(γ)``, Grid(−2, 2, nx), p0 = N(0, 0.3²), BDF2, dt = 0.01, with the inner Newton
iterations per stage of solve_log. γ = 1e4 is the collapse from O(1) data (T = 0.3): the tails must
drain by ~1e5 in log p per step, the hard case for the stage Newton.

Usage: python benchmarks/bench_log_density.py
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np

from fokker import Grid, presets
from solvers import solve, solve_log


def agreement_problem(gamma: float):
    net = presets.ei_single(gamma)
    bal = net.balance()[0]
    s = 0.5 / math.sqrt(2 * gamma * bal.conductance[0])
    if gamma == 1.0:
        grid = Grid(-3.0, 3.0, 300)
        return net, grid, grid.gaussian(-0.5, 0.4), 1.0
    half = 0.3 if gamma == 1e2 else 0.05
    grid = Grid(bal.voltage[0] - half, bal.voltage[0] + half, 600)
    return net, grid, grid.gaussian(bal.voltage[0] + 3 * s, 2 * s), 5.0 / gamma


def log_sg(net, grid, p0, T, dt, method):
    with np.errstate(divide="ignore"):
        return np.log(solve(net, grid, p0, t_span=(0.0, T), dt=dt, t_eval=[T / 2, T], method=method).p)


def log_log(net, grid, p0, T, dt, method):
    return solve_log(net, grid, p0, t_span=(0.0, T), dt=dt, t_eval=[T / 2, T], method=method).log_p


def main() -> None:
    warnings.simplefilter("ignore")
    print("agreement (region: p_SG > 1e-200 max)")
    print(f"{'gamma':>7} {'method':>7} {'|log p_log - log p_SG|':>23} {'err solve_log':>14} {'err solve':>10}")
    for gamma in (1.0, 1e2, 1e4):
        net, grid, p0, T = agreement_problem(gamma)
        ref_log = log_log(net, grid, p0, T, T / 3000, "trbdf2")
        ref_sg = log_sg(net, grid, p0, T, T / 3000, "trbdf2")
        for method in ("trbdf2", "bdf2"):
            w_log = log_log(net, grid, p0, T, T / 100, method)
            w_sg = log_sg(net, grid, p0, T, T / 100, method)
            region = w_sg > np.log(1e-200) + w_sg.max(axis=-1, keepdims=True)
            d = np.abs(w_log - w_sg)[region].max()
            print(f"{gamma:7.0e} {method:>7} {d:23.3e} {np.abs(w_log - ref_log)[region].max():14.3e} "
                  f"{np.abs(w_sg - ref_sg)[region].max():10.3e}")
    print("\ncost (BDF2, dt = 0.01, one run each)")
    print(f"{'gamma':>7} {'nx':>5} {'T':>4} {'solve s':>8} {'solve_log s':>11} {'ratio':>6} {'newton/stage':>12}")
    for gamma, nx, T in ((1.0, 400, 3.0), (1e2, 400, 3.0), (1e2, 4000, 3.0), (1e4, 4000, 0.3)):
        net, grid = presets.ei_single(gamma), Grid(-2.0, 2.0, nx)
        p0 = grid.gaussian(0.0, 0.3)
        start = time.perf_counter()
        solve(net, grid, p0, t_span=(0.0, T), dt=0.01, method="bdf2")
        t_sg = time.perf_counter() - start
        start = time.perf_counter()
        lg = solve_log(net, grid, p0, t_span=(0.0, T), dt=0.01, method="bdf2")
        t_log = time.perf_counter() - start
        print(f"{gamma:7.0e} {nx:5d} {T:4.1f} {t_sg:8.3f} {t_log:11.3f} {t_log / t_sg:6.1f} "
              f"{lg.stats['newton_iterations'] / lg.stats['stages']:12.1f}")


if __name__ == "__main__":
    main()
