"""Accuracy tables of the Fokker–Planck solvers, written to benchmarks/results/accuracy.md.

    .venv/bin/python benchmarks/accuracy.py [--quick] [--output FILE]

Measures: exact-OU L1 errors (P = 1, 2), observed orders in space and time, the frozen-m
Gibbs error with a Cubic drift, mass drift over 1000 steps and minimum density,
desingularised-vs-physical agreement at γ = 100, cost and error of the desingularised solver
for γ = 1e2 … 1e10, and the automatic frame at γ = 1e8. ``--quick`` uses fewer refinement
levels and a coarser time reference (about a quarter of the run time); the tables say which.
The Markdown is also printed.
"""
from __future__ import annotations

import argparse
import math
import warnings

import numpy as np

from fokker import Cubic, Grid, Sigmoid, presets
from fokker.exact import constant_activities, gibbs_density, ou_density
from results_table import md_table, write_results
from solvers import solve, solve_desingularised

FLAT = dict(exc=Sigmoid(1.0, 0.0, 0.0), inh=Sigmoid(1.0, 0.0, 0.0))


def l1(grid, a, b) -> float:
    """Largest L1 distance over output times (and populations) between densities a and b."""
    return float(np.max(grid.integrate(np.abs(a - b))))


def orders(errors: list[float]) -> list[str]:
    """Observed orders log2(e_h / e_{h/2}) of errors on successively halved steps."""
    return [f"{o:.2f}" for o in np.log2(np.array(errors[:-1]) / errors[1:])]


def ou_errors(quick: bool) -> list[str]:
    """Exact Ornstein–Uhlenbeck solutions (constant activations) and the order in space."""
    rows = []
    for name, net, mean0, std0 in (("P = 1", presets.ei_single(1.0, **FLAT), [-1.0], [0.4]),
                                   ("P = 2", presets.ei_pair(1.0, sigma=(0.5, 0.7), **FLAT), [-1.0, 0.8], [0.4, 0.3])):
        grid = Grid(-3.5, 3.5, 700)
        p0 = np.array([grid.gaussian(m, s) for m, s in zip(mean0, std0)])
        sol = solve(net, grid, p0, t_span=(0.0, 1.0), dt=0.005)
        rows.append((name, 700, "bdf2", 0.005, f"{l1(grid, sol.p, ou_density(net, grid, mean0, std0, sol.t)):.2e}"))
    lines = ["### Exact Ornstein–Uhlenbeck solution", "",
             "Constant activations (sigmoid slopes 0) and a leak: every density stays Gaussian with known "
             "mean and variance. Largest L1 error over t ∈ [0, 1].", ""]
    lines += md_table(("case", "nx", "method", "dt", "max L1 error"), rows)
    net = presets.ei_single(1.0, **FLAT)
    levels = (50, 100, 200) if quick else (50, 100, 200, 400)
    errors = []
    for nx in levels:
        grid = Grid(-3.0, 3.0, nx)
        sol = solve(net, grid, grid.gaussian(-1.0, 0.4), t_span=(0.0, 0.5), dt=5e-4, t_eval=[0.5], method="trbdf2")
        errors.append(l1(grid, sol.p, ou_density(net, grid, -1.0, 0.4, sol.t)))
    lines += ["### Order in space", "",
              "Same exact solution, trbdf2 with dt = 5e-4 (time error negligible), L1 error at t = 0.5.", ""]
    lines += md_table(("nx", "L1 error", "observed order"),
                      [(nx, f"{e:.2e}", o) for nx, e, o in zip(levels, errors, ["–"] + orders(errors))])
    return lines


def time_orders(quick: bool) -> list[str]:
    """Observed order in time of each method against a fine-step reference."""
    net = presets.ei_single(5.0)
    grid = Grid(-2.5, 2.5, 200)
    p0 = grid.gaussian(-0.8, 0.3)
    ref_dt = 1e-4 if quick else 2.5e-5
    ref = solve(net, grid, p0, t_span=(0.0, 0.4), dt=ref_dt, t_eval=[0.4], method="trbdf2").p
    steps = (0.02, 0.01, 0.005, 0.0025)
    rows = []
    for method in ("euler", "bdf2", "trbdf2"):
        errors = [l1(grid, solve(net, grid, p0, t_span=(0.0, 0.4), dt=dt, t_eval=[0.4], method=method).p, ref)
                  for dt in steps]
        rows.append((method, *(f"{e:.2e}" for e in errors), ", ".join(orders(errors))))
    lines = ["### Order in time", "",
             f"`ei_single` at γ = 5, nx = 200, L1 error at t = 0.4 against trbdf2 with dt = {ref_dt:g}.", ""]
    return lines + md_table(("method", *(f"dt = {dt:g}" for dt in steps), "observed orders"), rows)


def invariants() -> list[str]:
    """Discrete Gibbs state for frozen activities; mass and positivity over 1000 steps."""
    net = presets.ei_single(1.0, intrinsic=Cubic(current=0.3), **FLAT)
    grid = Grid(-3.0, 3.0, 300)
    sol = solve(net, grid, grid.gaussian(0.0, 0.5), t_span=(0.0, 400.0), dt=2.0, t_eval=[400.0], method="euler")
    gibbs = gibbs_density(net, grid, constant_activities(net))[0]
    rows = [("frozen-m Gibbs state, `Cubic` drift, euler to t = 400", "max relative error",
             f"{np.max(np.abs(sol.p[-1, 0] - gibbs)) / gibbs.max():.1e}")]
    net = presets.ei_single(100.0)
    grid = Grid(-2.0, 2.0, 400)
    for method in ("euler", "bdf2", "trbdf2"):
        sol = solve(net, grid, grid.gaussian(-1.0, 0.3), t_span=(0.0, 1.0), dt=1e-3, method=method)
        rows.append((f"{method}, γ = 100, nx = 400, 1000 steps", "max abs(mass − 1); min p; limited stages",
                     f"{np.max(np.abs(sol.mass() - 1)):.1e}; {sol.p.min():.1e}; {sol.stats['limited_stages']}"))
    return ["### Invariants", ""] + md_table(("run", "quantity", "measured"), rows)


def desingularised(quick: bool) -> list[str]:
    """The rescaled frame against the physical one, its cost across γ, and the automatic frame."""
    y = Grid(-4.0, 4.0, 400)
    net = presets.ei_single(100.0)
    xg = Grid(-0.2, 0.8, 4000)
    t_eval = [0.05, 0.1, 0.3]
    ds = solve_desingularised(net, y, y.gaussian(0.0, 0.5), 0.35, t_span=(0.0, 0.3), dt=2e-4, t_eval=t_eval)
    ps = solve(net, xg, xg.gaussian(0.35, 0.05), t_span=(0.0, 0.3), dt=2e-4, t_eval=t_eval)
    lines = ["### Desingularised frame", "",
             "At γ = 100 the rescaled solution, mapped back to x, against the physical solver "
             "(y-grid 400 cells, x-grid 4000 cells, dt = 2e-4, t ≤ 0.3):", ""]
    lines += md_table(("L1 after mapping", "max abs(Δ mean)", "max abs(∫ y q dy)"),
                      [(f"{l1(xg, ds.to_physical(xg), ps.p):.1e}", f"{np.max(np.abs(ds.mean() - ps.mean())):.1e}",
                        f"{np.max(np.abs(ds.mean_y())):.1e}")])
    lines += ["Cost and error across γ (`ei_single`, y-grid 400 cells, dt = 0.01, t ∈ [0, 1]; error of μ "
              "against dt/8 at t = 0.02, 0.1, 1):", ""]
    rows = []
    q0 = y.gaussian(0.0, 0.5)
    for gamma in ((1e2, 1e6, 1e10) if quick else (1e2, 1e4, 1e6, 1e8, 1e10)):
        net = presets.ei_single(gamma)
        t = [0.02, 0.1, 1.0]
        run = solve_desingularised(net, y, q0, 0.35, t_span=(0.0, 1.0), dt=0.01, t_eval=t)
        ref = solve_desingularised(net, y, q0, 0.35, t_span=(0.0, 1.0), dt=0.00125, t_eval=t)
        rows.append((f"{gamma:.0e}", f"{run.stats['wall_time']:.3f}", run.stats["steps"],
                     run.stats["linear_solves"], f"{np.max(np.abs(run.mu - ref.mu)):.1e}"))
    lines += md_table(("γ", "wall s", "steps", "linear solves", "max abs(μ − μ_ref)"), rows)
    net = presets.ei_single(1e8)
    bal = net.balance()[0]
    grid = Grid(-2.0, 2.0, 400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, grid.gaussian(0.0, 0.2), t_span=(0.0, 3.0), dt=0.01, frame="auto")
    limit = 0.5 / math.sqrt(2 * bal.conductance[0])
    scaled = sol.std()[-1, 0] * math.sqrt(1e8)
    lines += ["### Automatic frame", "",
              "`frame=\"auto\"` at γ = 1e8 from N(0, 0.2²) on Grid(−2, 2, 400), dt = 0.01, t ∈ [0, 3]:", ""]
    lines += md_table(("√γ·std(t = 3)", "σ/√(2Ā)", "relative difference", "wall s"),
                      [(f"{scaled:.8f}", f"{limit:.8f}", f"{scaled / limit - 1:.1e}", f"{sol.stats['wall_time']:.2f}")])
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer refinement levels, coarser time reference")
    parser.add_argument("--output", help="write the Markdown here instead of benchmarks/results/accuracy.md")
    args = parser.parse_args(argv)
    body = ou_errors(args.quick) + time_orders(args.quick) + invariants() + desingularised(args.quick)
    command = "python benchmarks/accuracy.py" + (" --quick" if args.quick else "")
    path = write_results("accuracy.md", "Accuracy of the Fokker–Planck solvers", command, body, args.output)
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
