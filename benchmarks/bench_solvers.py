"""Benchmark: native vs FiPy backend of ``solvers.solve`` on identical problems (issue 3, point 7).

Problems: ``presets.ei_single(gamma)`` for gamma in {1e2, 1e4}, ``Grid(-2, 2, nx)`` for nx in
{400, 4000}, p0 = N(0, 0.3²), BDF2, dt = 0.01, t ∈ [0, 3], tol = 1e-10 (the same secant–Newton
iteration in both backends). Grids are used as specified even where the resolution warning
fires (gamma = 1e4: expected width σ/√(2γĀ) ≈ 3.3e-3, i.e. 0.33 cells at nx = 400 and 3.3 cells
at nx = 4000, fewer than the 5 wanted); warnings are silenced.

Columns:
- native (best and median of the runs) and FiPy wall time of the whole ``solve`` call, and
  FiPy / native median (conservative: FiPy runs once);
- cell-steps per second  nx · steps / wall time;
- native time per step divided by one bare tridiagonal solve: LAPACK ``dgtsv`` on an nx system
  with fresh copies of the three bands and the right-hand side each call (the minimum a step does);
- coupling evaluations (one tridiagonal solve each) per step, native and FiPy.

With ``--fipy-t-end T`` (< 3) FiPy is timed on [0, T] only and its time scaled per step to
the 300 steps of [0, 3]; the table says so. Speeds are ratios measured in one run on a
possibly shared machine: the native time is the best of ``--repeat`` + 1 runs (the last one
right after FiPy's), FiPy runs once, and the bare solve is timed (best of 3 × 300 calls)
before each native run; best times estimate the unloaded speed.

Usage: python benchmarks/bench_solvers.py [--output FILE] [--fipy-t-end T] [--repeat N]
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
import timeit
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack

from fokker import Grid, presets
from solvers import solve

GAMMAS = (1e2, 1e4)
NXS = (400, 4000)
T_SPAN = (0.0, 3.0)
DT = 0.01
TOL = 1e-10
METHOD = "bdf2"
MEAN0, STD0 = 0.0, 0.3


@dataclass
class Timing:
    wall: float          # seconds for the whole solve call
    steps: int
    evaluations: int
    p_end: np.ndarray    # density at the last time


def run(gamma: float, nx: int, backend: str, t_end: float) -> Timing:
    """One timed ``solve`` of the benchmark problem on [0, t_end]."""
    grid = Grid(-2.0, 2.0, nx)
    net = presets.ei_single(gamma)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        sol = solve(net, grid, grid.gaussian(MEAN0, STD0), t_span=(T_SPAN[0], t_end), dt=DT, method=METHOD,
                    backend=backend, tol=TOL)
        wall = time.perf_counter() - start
    return Timing(wall, int(sol.stats["steps"]), int(sol.stats["evaluations"]), sol.p[-1])


def bare_solve_time(nx: int, number: int = 300, repeat: int = 3) -> float:
    """Seconds per LAPACK dgtsv solve of a diagonally dominant nx system, fresh band copies each call."""
    rng = np.random.default_rng(0)
    lower, upper = -rng.random(nx - 1), -rng.random(nx - 1)
    diag = 3.0 + rng.random(nx)
    rhs = rng.random(nx)
    gtsv = lapack.dgtsv

    def once():
        gtsv(lower.copy(), diag.copy(), upper.copy(), rhs.copy(),
             overwrite_dl=1, overwrite_d=1, overwrite_du=1, overwrite_b=1)

    return min(timeit.repeat(once, number=number, repeat=repeat)) / number


def table(fipy_t_end: float, repeat: int) -> str:
    full_steps = round((T_SPAN[1] - T_SPAN[0]) / DT)
    scaled = fipy_t_end < T_SPAN[1]
    rows = []
    for gamma in GAMMAS:
        for nx in NXS:
            # bare solves and native runs interleaved, best of each (a shared machine's load drifts);
            # one more native run after FiPy's so both see the same conditions
            bare = math.inf
            natives = []
            for _ in range(repeat):
                bare = min(bare, bare_solve_time(nx))
                natives.append(run(gamma, nx, "native", T_SPAN[1]))
            fipy = run(gamma, nx, "fipy", fipy_t_end)
            natives.append(run(gamma, nx, "native", T_SPAN[1]))
            native = min(natives, key=lambda r: r.wall)
            fipy_wall = fipy.wall * native.steps / fipy.steps if scaled else fipy.wall
            agree = ("—" if scaled else
                     f"{np.max(np.abs(native.p_end - fipy.p_end)) / np.max(native.p_end):.1e}")
            per_step = native.wall / native.steps
            median = float(np.median([r.wall for r in natives]))
            rows.append([f"{gamma:.0e}", f"{nx}", f"{native.steps}",
                         f"{native.wall:.3f} / {median:.3f}", f"{fipy_wall:.2f}" + (" *" if scaled else ""),
                         f"{fipy_wall / median:.0f}",
                         f"{nx * native.steps / native.wall:.2e}", f"{nx * fipy.steps / fipy.wall:.2e}",
                         f"{bare * 1e6:.1f}", f"{per_step / bare:.1f}",
                         f"{native.evaluations / native.steps:.2f}", f"{fipy.evaluations / fipy.steps:.2f}",
                         agree])
            print(f"  done gamma={gamma:.0e} nx={nx}", file=sys.stderr, flush=True)
    head = ["γ", "nx", "steps", "native s (best / median)", "FiPy s", "FiPy / native median", "native cell-steps/s",
            "FiPy cell-steps/s", "bare gtsv µs", "native step / bare solve", "native evals/step",
            "FiPy evals/step", "max |Δp|/max p"]
    lines = [f"Benchmark `benchmarks/bench_solvers.py`: `ei_single`, Grid(-2, 2, nx), p0 = N({MEAN0}, {STD0}²), "
             f"{METHOD}, dt = {DT}, t ∈ [{T_SPAN[0]:g}, {T_SPAN[1]:g}], tol = {TOL:g} (both backends: same "
             f"secant–Newton coupling). Native: best of {repeat + 1}; FiPy: one run "
             f"(scipy LU). Python {platform.python_version()}, {os.cpu_count()} CPUs.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    if scaled:
        lines += ["", f"\\* FiPy timed on t ∈ [0, {fipy_t_end:g}] only, its time scaled per step to the "
                  f"{full_steps} steps of the native run (the early steps need more coupling evaluations, so "
                  "this slightly overstates FiPy's time)."]
    lines += ["", "Wall times are whole `solve` calls. \"native step / bare solve\" = (native time / steps) / "
              "(time of one `scipy.linalg.lapack.dgtsv` on an nx system with fresh copies of the bands); "
              "one bare solve per step is the physical limit. \"max |Δp|/max p\": native vs FiPy at t = 3."]
    return "\n".join(lines) + "\n"


def write_atomic(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".bench-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="also write the Markdown table to this file")
    parser.add_argument("--fipy-t-end", type=float, default=T_SPAN[1],
                        help="time FiPy on [0, T] only and scale per step (default: the full t_span)")
    parser.add_argument("--repeat", type=int, default=5, help="native runs per problem before FiPy's (best taken)")
    args = parser.parse_args(argv)
    if not T_SPAN[0] + DT <= args.fipy_t_end <= T_SPAN[1]:
        parser.error(f"--fipy-t-end must be in [{T_SPAN[0] + DT:g}, {T_SPAN[1]:g}], got {args.fipy_t_end}")
    if args.repeat < 1:
        parser.error(f"--repeat must be ≥ 1, got {args.repeat}")
    text = table(args.fipy_t_end, args.repeat)
    sys.stdout.write(text)
    if args.output:
        write_atomic(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
