"""Acceptance measurements of the solver core: error control and the automatic frame.

(a) Tolerance proportionality: ``presets.ei_single(gamma)`` and ``presets.ei_pair(gamma)``
    (physical frame, Grid(-2.5, 2.5, 200), p0 = N(-0.8, 0.3²) per population), adaptive
    steps with rtol = 1e-3 … 1e-7 (atol 1e-10, tol 1e-13), global error of mean and std
    at t = 1 and t = 3 against an adaptive TR-BDF2 reference at rtol = REF_RTOL; the fitted
    log-log slope of error against rtol (1 = proportional).
(b) γ = 1e4 from N(0, 0.3²) on ei_single, frame="auto", TR-BDF2 over [0, 2e-3] (the initial
    layer, where all the dynamics is: the state is stationary to round-off by t = 0.5): steps
    and the largest error of mean and std at t = 3e-4, 1e-3, 2e-3 of error-controlled against
    fixed steps, against a fixed-step reference (dt = 2.5e-7); and step counts of a whole run.
(c) frame="auto" through the initial layer, γ = 1e4 from N(0, 0.3²), BDF2 with fixed dt
    (below the layer cap): errors of mean and std at t = 3e-4 (inside) and 6e-4 (just after)
    against dt = 2.5e-7, and the observed orders log2(e(dt)/e(dt/2)).

Usage: python benchmarks/core_acceptance.py [--part a|b|c|all] [--gamma G]
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from fokker import Grid, presets
from solvers import solve

REF_RTOL = 1e-9
RTOLS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


def slope(x, y) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def part_a(gamma: float) -> None:
    grid = Grid(-2.5, 2.5, 200)
    times = [1.0, 3.0]
    for name, make in (("ei_single", presets.ei_single), ("ei_pair", presets.ei_pair)):
        net = make(gamma)
        p0 = np.stack([grid.gaussian(-0.8, 0.3)] * net.P)
        kw = dict(t_span=(0.0, 3.0), t_eval=times, dt=1e-3, tol=1e-13, atol=1e-10)
        start = time.perf_counter()
        ref = solve(net, grid, p0, method="trbdf2", rtol=REF_RTOL, **kw)
        print(f"\n(a) {name}, gamma={gamma:g}: reference trbdf2 rtol={REF_RTOL:g}, {ref.stats['steps']} steps, "
              f"{time.perf_counter() - start:.1f} s")
        for method in ("bdf2", "trbdf2"):
            rows = []
            for rtol in RTOLS:
                sol = solve(net, grid, p0, method=method, rtol=rtol, **kw)
                e_mean = np.max(np.abs(sol.mean() - ref.mean()), axis=1)
                e_std = np.max(np.abs(sol.std() - ref.std()), axis=1)
                rows.append((rtol, sol.stats["steps"], sol.stats["rejected_steps"], e_mean, e_std))
                print(f"  {method:6s} rtol={rtol:.0e} steps={sol.stats['steps']:6d} rejected={sol.stats['rejected_steps']:3d}"
                      + "".join(f"  t={t:g}: mean {em:.2e} std {es:.2e}" for t, em, es in zip(times, e_mean, e_std)))
            tols = [r[0] for r in rows]
            for k, t in enumerate(times):
                print(f"  {method:6s} slope at t={t:g}: mean {slope(tols, [r[3][k] for r in rows]):.2f}, "
                      f"std {slope(tols, [r[4][k] for r in rows]):.2f}; steps ~ rtol^{slope(tols, [r[1] for r in rows]):.2f}")


def part_b() -> None:
    net = presets.ei_single(1e4)
    grid = Grid(-1.5, 1.5, 300)
    p0 = grid.gaussian(0.0, 0.3)
    times = [3e-4, 1e-3, 2e-3]
    kw = dict(t_span=(0.0, 2e-3), t_eval=times, frame="auto", method="trbdf2", tol=1e-13)
    ref = solve(net, grid, p0, dt=2.5e-7, **kw)
    print(f"\n(b) ei_single gamma=1e4 from N(0, 0.3^2), frame='auto', trbdf2, t in [0, 2e-3] (the initial layer "
          f"and after); reference fixed dt=2.5e-7 ({ref.stats['steps']} steps)")

    def report(label, sol):
        e_mean = np.abs(sol.mean() - ref.mean())[:, 0]
        e_std = np.abs(sol.std() - ref.std())[:, 0]
        print(f"  {label:22s} steps={sol.stats['steps']:5d} rejected={sol.stats['rejected_steps']:3d} "
              f"wall={sol.stats['wall_time']:.2f}s  max error: mean {e_mean.max():.2e} std {e_std.max():.2e}")

    for dt in (4e-6, 2e-6, 1e-6, 5e-7):
        report(f"fixed dt={dt:g}", solve(net, grid, p0, dt=dt, **kw))
    for rtol in (1e-3, 1e-4, 1e-5, 1e-6):
        report(f"adaptive rtol={rtol:g}", solve(net, grid, p0, dt=1e-7, rtol=rtol, **kw))
    whole = dict(t_span=(0.0, 3.0), t_eval=[3.0], frame="auto", method="trbdf2")
    fixed = solve(net, grid, p0, dt=0.01, **whole)
    adaptive = solve(net, grid, p0, dt=1e-7, rtol=1e-4, **whole)
    print(f"  whole run [0, 3]: fixed dt=0.01 {fixed.stats['steps']} steps ({fixed.stats['layer_steps']} in the layer); "
          f"adaptive rtol=1e-4 {adaptive.stats['steps']} steps; |std difference| at t=3 "
          f"{abs(fixed.std()[-1, 0] - adaptive.std()[-1, 0]):.1e}")


def part_c() -> None:
    net = presets.ei_single(1e4)
    grid = Grid(-1.5, 1.5, 300)
    p0 = grid.gaussian(0.0, 0.3)
    times = [3e-4, 6e-4]
    for cells in (800, 2000):
        kw = dict(t_span=(0.0, 6e-4), t_eval=times, method="bdf2", frame="auto", tol=1e-13, auto_cells=cells)
        ref = solve(net, grid, p0, dt=2.5e-7, **kw)
        print(f"\n(c) frame='auto', bdf2, gamma=1e4 from N(0, 0.3^2), auto_cells={cells}; reference dt=2.5e-7 "
              f"({ref.stats['grids']} grids, layer {ref.stats['layer_steps']} steps)")
        errors = []
        dts = (4e-6, 2e-6, 1e-6)
        for dt in dts:
            sol = solve(net, grid, p0, dt=dt, **kw)
            errors.append((np.abs(sol.mean() - ref.mean())[:, 0], np.abs(sol.std() - ref.std())[:, 0]))
            print(f"  dt={dt:.0e} steps={sol.stats['steps']:5d} grids={sol.stats['grids']}"
                  + "".join(f"  t={t:g}: mean {em:.2e} std {es:.2e}" for t, em, es in zip(times, *errors[-1])))
        for k in range(len(dts) - 1):
            om = np.log2(errors[k][0] / errors[k + 1][0])
            os_ = np.log2(errors[k][1] / errors[k + 1][1])
            print(f"  order dt={dts[k]:.0e}->{dts[k + 1]:.0e}: mean {np.round(om, 2)}, std {np.round(os_, 2)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="all", choices=["a", "b", "c", "all"])
    parser.add_argument("--gamma", type=float, default=1.0, help="gamma of part (a)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.part in ("a", "all"):
        part_a(args.gamma)
    if args.part in ("b", "all"):
        part_b()
    if args.part in ("c", "all"):
        part_c()


if __name__ == "__main__":
    main()
