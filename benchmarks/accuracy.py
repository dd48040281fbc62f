"""Accuracy table of the Fokker–Planck solvers (numbers for the README and the issue notes).

    .venv/bin/python benchmarks/accuracy.py

Prints: exact-OU L1 errors (P = 1, 2), observed orders in space and time, the
frozen-m Gibbs error with a Cubic drift, mass drift over 1000 steps and minimum
density, desingularised-vs-physical agreement at γ = 100, cost and error of the
desingularised solver for γ = 1e2 … 1e10, and the automatic frame at γ = 1e8.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from fokker import Cubic, Grid, Sigmoid, presets
from fokker.exact import constant_activities, gibbs_density, ou_density
from solvers import solve, solve_desingularised

FLAT = dict(exc=Sigmoid(1.0, 0.0, 0.0), inh=Sigmoid(1.0, 0.0, 0.0))


def l1(grid, a, b) -> float:
    return float(np.max(grid.integrate(np.abs(a - b))))


def ou_errors() -> None:
    print("## Exact Ornstein–Uhlenbeck solution (constant activations), bdf2, dt = 0.005, t ∈ [0, 1]")
    for name, net, mean0, std0 in (("P=1", presets.ei_single(1.0, **FLAT), [-1.0], [0.4]),
                                   ("P=2", presets.ei_pair(1.0, sigma=(0.5, 0.7), **FLAT), [-1.0, 0.8], [0.4, 0.3])):
        grid = Grid(-3.5, 3.5, 700)
        p0 = np.array([grid.gaussian(m, s) for m, s in zip(mean0, std0)])
        sol = solve(net, grid, p0, t_span=(0.0, 1.0), dt=0.005)
        print(f"- {name}: nx = 700, max_t L1 error = {l1(grid, sol.p, ou_density(net, grid, mean0, std0, sol.t)):.2e}")
    net = presets.ei_single(1.0, **FLAT)
    errors = []
    for nx in (50, 100, 200, 400):
        grid = Grid(-3.0, 3.0, nx)
        sol = solve(net, grid, grid.gaussian(-1.0, 0.4), t_span=(0.0, 0.5), dt=5e-4, t_eval=[0.5], method="trbdf2")
        errors.append(l1(grid, sol.p, ou_density(net, grid, -1.0, 0.4, sol.t)))
    orders = np.log2(np.array(errors[:-1]) / errors[1:])
    print(f"- space (nx = 50…400, trbdf2 dt = 5e-4): L1 = {', '.join(f'{e:.2e}' for e in errors)}; "
          f"orders {', '.join(f'{o:.2f}' for o in orders)}")


def time_orders() -> None:
    print("## Order in time (ei_single γ = 5, nx = 200, t = 0.4, against a dt = 2.5e-5 reference)")
    net = presets.ei_single(5.0)
    grid = Grid(-2.5, 2.5, 200)
    p0 = grid.gaussian(-0.8, 0.3)
    ref = solve(net, grid, p0, t_span=(0.0, 0.4), dt=2.5e-5, t_eval=[0.4], method="trbdf2").p
    for method in ("euler", "bdf2", "trbdf2"):
        errors = [l1(grid, solve(net, grid, p0, t_span=(0.0, 0.4), dt=dt, t_eval=[0.4], method=method).p, ref)
                  for dt in (0.02, 0.01, 0.005, 0.0025)]
        orders = np.log2(np.array(errors[:-1]) / errors[1:])
        print(f"- {method}: L1 = {', '.join(f'{e:.2e}' for e in errors)}; orders {', '.join(f'{o:.2f}' for o in orders)}")


def invariants() -> None:
    print("## Invariants")
    net = presets.ei_single(1.0, intrinsic=Cubic(current=0.3), **FLAT)
    grid = Grid(-3.0, 3.0, 300)
    sol = solve(net, grid, grid.gaussian(0.0, 0.5), t_span=(0.0, 400.0), dt=2.0, t_eval=[400.0], method="euler")
    gibbs = gibbs_density(net, grid, constant_activities(net))[0]
    print(f"- frozen-m Gibbs state, Cubic drift: max relative error {np.max(np.abs(sol.p[-1, 0] - gibbs)) / gibbs.max():.1e}")
    net = presets.ei_single(100.0)
    grid = Grid(-2.0, 2.0, 400)
    for method in ("euler", "bdf2", "trbdf2"):
        sol = solve(net, grid, grid.gaussian(-1.0, 0.3), t_span=(0.0, 1.0), dt=1e-3, method=method)
        print(f"- {method}, γ = 100, 1000 steps: max |mass − 1| = {np.max(np.abs(sol.mass() - 1)):.1e}, "
              f"min p = {sol.p.min():.1e}, limited stages = {sol.stats['limited_stages']}")


def desingularised() -> None:
    print("## Desingularised frame")
    y = Grid(-4.0, 4.0, 400)
    net = presets.ei_single(100.0)
    xg = Grid(-0.2, 0.8, 4000)
    t_eval = [0.05, 0.1, 0.3]
    ds = solve_desingularised(net, y, y.gaussian(0.0, 0.5), 0.35, t_span=(0.0, 0.3), dt=2e-4, t_eval=t_eval)
    ps = solve(net, xg, xg.gaussian(0.35, 0.05), t_span=(0.0, 0.3), dt=2e-4, t_eval=t_eval)
    print(f"- γ = 100 vs physical: L1 after mapping {l1(xg, ds.to_physical(xg), ps.p):.1e}, "
          f"|Δmean| {np.max(np.abs(ds.mean() - ps.mean())):.1e}, |∫ y q| {np.max(np.abs(ds.mean_y())):.1e}")
    print("- cost and error vs γ (ei_single, y-grid 400 cells, dt = 0.01, t ∈ [0, 1], error vs dt/8 at t = 0.02, 0.1, 1):")
    print("  | γ | wall s | steps | linear solves | max |μ − μ_ref| |")
    print("  |---|---|---|---|---|")
    q0 = y.gaussian(0.0, 0.5)
    for gamma in (1e2, 1e4, 1e6, 1e8, 1e10):
        net = presets.ei_single(gamma)
        t = [0.02, 0.1, 1.0]
        run = solve_desingularised(net, y, q0, 0.35, t_span=(0.0, 1.0), dt=0.01, t_eval=t)
        ref = solve_desingularised(net, y, q0, 0.35, t_span=(0.0, 1.0), dt=0.00125, t_eval=t)
        print(f"  | {gamma:.0e} | {run.stats['wall_time']:.3f} | {run.stats['steps']} | "
              f"{run.stats['linear_solves']} | {np.max(np.abs(run.mu - ref.mu)):.1e} |")
    net = presets.ei_single(1e8)
    bal = net.balance()[0]
    grid = Grid(-2.0, 2.0, 400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, grid.gaussian(0.0, 0.2), t_span=(0.0, 3.0), dt=0.01, frame="auto")
    limit = 0.5 / math.sqrt(2 * bal.conductance[0])
    print(f"- frame='auto', γ = 1e8 from N(0, 0.2²): √γ·std(t=3) = {sol.std()[-1, 0] * 1e4:.8f} vs σ/√(2Ā) = "
          f"{limit:.8f} (relative {sol.std()[-1, 0] * 1e4 / limit - 1:.1e}); wall {sol.stats['wall_time']:.2f} s")


if __name__ == "__main__":
    ou_errors()
    time_orders()
    invariants()
    desingularised()
