"""The cost guards (``solvers.cost``) on cases far beyond the machine: what is refused, the message,
and how long the refusal takes.

    python benchmarks/cost_guards.py [--output FILE]

Writes benchmarks/results/cost_guards.md (and prints it). Each library case is called in this
process after a warm-up (imports and compiled kernels loaded), timed from the call to the
exception, with the peak of Python allocations during the call (``tracemalloc``; the arrays
the caller built before the call, e.g. a large grid, are not counted). Each command-line case
is a fresh ``python -m validation`` process: its time includes the imports (~1–3 s), its exit
code and the one line it printed are shown. An unreachable tolerance (rtol = 1e-14) is stopped by
the cap when it is small, else by the step-size floor (10 spacings of the floats at t).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from fokker import Grid, Grid2D, presets
from results_table import md_table, write_results
from solvers import cost, solve, solve_desingularised, solve_log
from validation import simulate_particles
from validation.store import runner

ROOT = Path(__file__).resolve().parents[1]
NET = presets.ei_single(5.0)
GRID = Grid(-3.0, 3.0, 200)
P0 = np.exp(-GRID.centers ** 2 / 0.5)


def attempt(call) -> tuple[str, float, float]:
    """(message, seconds, peak MiB) of a call expected to raise a ValueError."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        call()
        message = "(not refused)"
    except ValueError as exc:
        message = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return message, seconds, peak


def library_cases() -> list[tuple[str, str, callable]]:
    big = Grid(-3.0, 3.0, 10 ** 7)
    big_p0 = np.ones(big.nx)
    grid2 = Grid2D(Grid(-3.0, 3.0, 1000), Grid(-2.0, 3.0, 1000))
    p2 = np.ones(grid2.shape)
    y = Grid(-8.0, 8.0, 200)
    q0 = np.exp(-y.centers ** 2 / 2)
    start = lambda rng, n: rng.normal(size=n)                        # noqa: E731
    cases = [
        ("memory", "solve: nx = 10⁷, 10⁴ output times",
         lambda: solve(NET, big, big_p0, dt=1.0, t_eval=np.linspace(0.0, 1.0, 10 ** 4))),
        ("memory", "solve (two variables): 1000 × 1000 cells, 10⁵ output times",
         lambda: solve(presets.fhn_chemical(2.0), grid2, p2, dt=1.0, t_eval=np.linspace(0.0, 1.0, 10 ** 5))),
        ("memory", "simulate_particles: n = 10¹⁰, summary_only",
         lambda: simulate_particles(NET, 10 ** 10, start, (0.0, 1.0), 0.01, summary_only=True)),
        ("memory", "simulate_particles: n = 10⁷, 10⁴ output times",
         lambda: simulate_particles(NET, 10 ** 7, start, (0.0, 1.0), 0.01, t_eval=np.linspace(0, 1, 10 ** 4))),
        ("memory", "run_tasks: a task of 10¹⁵ bytes on 2 worker processes",
         lambda: runner.run_tasks(lambda size: size, [dict(size=1), dict(size=10 ** 15)], progress=False,
                                  scheduler="processes", n_workers=2, task_bytes=lambda t: t["size"])),
        ("steps", "solve: dt = 1e-12 over t ∈ [0, 100]", lambda: solve(NET, GRID, P0, t_span=(0.0, 100.0), dt=1e-12)),
        ("steps", "solve_log: dt = 1e-12 over t ∈ [0, 100]",
         lambda: solve_log(NET, GRID, P0, t_span=(0.0, 100.0), dt=1e-12)),
        ("steps", "solve_desingularised: dt = 1e-9 over τ ∈ [0, 1]",
         lambda: solve_desingularised(NET, y, q0, 0.0, t_span=(0.0, 1.0), dt=1e-9)),
        ("steps", "simulate_particles: dt = 1e-12 over t ∈ [0, 100]",
         lambda: simulate_particles(NET, 10, start, (0.0, 100.0), 1e-12)),
        ("steps", "solve: rtol = 1e-14 (adaptive, unreachable), max_steps = 20",
         lambda: solve(NET, GRID, P0, t_span=(0.0, 100.0), t_eval=[0.0, 100.0], rtol=1e-14, max_steps=20)),
        ("steps", "solve: rtol = 1e-14 (adaptive, unreachable), default cap 10⁶",
         lambda: solve(NET, GRID, P0, t_span=(0.0, 100.0), t_eval=[0.0, 100.0], rtol=1e-14)),
    ]
    return cases


def cli_cases(folder: Path) -> list[tuple[str, str, list[str]]]:
    example = (ROOT / "examples" / "network_driven_pair.toml").read_text()

    def config(name: str, **changes: str) -> str:
        text = example
        for old, new in changes.items():
            text = text.replace(old, new)
        path = folder / f"{name}.toml"
        path.write_text(text)
        return str(path)

    huge = config("huge_grid", **{"nx = 650": "nx = 10000000", "n_out = 301": "n_out = 10000"})
    tiny = config("tiny_dt", **{"dt = 0.005": "dt = 1e-12", "t1 = 3.0": "t1 = 100.0"})
    return [("memory", "fokker-balance solve: grid.nx = 10⁷, time.n_out = 10⁴", ["solve", huge]),
            ("steps", "fokker-balance solve: time.dt = 1e-12, t1 = 100", ["solve", tiny]),
            ("memory", "fokker-balance simulate --n 10000000000", ["simulate", str(ROOT / "examples" /
                                                                               "solve_ei_single.toml"),
                                                                  "--n", "10000000000"])]


def run_cli(argv: list[str], folder: Path) -> tuple[str, float, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "validation", *argv, "--output", str(folder / "out")],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    return done.stderr.strip(), time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=None, help="output file (default benchmarks/results/cost_guards.md)")
    args = parser.parse_args()
    solve(NET, GRID, P0, t_span=(0.0, 0.1), dt=0.01)                  # warm-up: imports, compiled kernels
    solve(NET, GRID, P0, t_span=(0.0, 0.1), t_eval=[0.0, 0.1])         # and those of the adaptive steps
    simulate_particles(NET, 10, lambda rng, n: rng.normal(size=n), (0.0, 0.1), 0.01)
    rows = []
    for guard, case, call in library_cases():
        message, seconds, peak = attempt(call)
        rows.append((guard, case, message, f"{seconds:.3g} s", f"{peak:.2g} MiB"))
        print(rows[-1], flush=True)
    cli_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for guard, case, argv in cli_cases(Path(tmp)):
            line, seconds, code = run_cli(argv, Path(tmp))
            cli_rows.append((guard, case, line.replace(tmp, "<tmp>"), code, f"{seconds:.2g} s"))
            print(cli_rows[-1], flush=True)
    body = [f"Available memory at the run: {cost.available_memory() / 2 ** 30:.1f} GiB; default step cap "
            f"max_steps = {cost.DEFAULT_MAX_STEPS:,}.", "",
            "Library (in-process, after a warm-up; peak = Python allocations during the call):", ""]
    body += md_table(("guard", "case", "message", "time to refuse", "peak"), rows)
    body += ["Command line (fresh process each: the time includes the imports):", ""]
    body += md_table(("guard", "case", "stderr (one line)", "exit", "wall time"), cli_rows)
    path = write_results("cost_guards.md", "Cost guards: refusals before any work",
                         "python benchmarks/cost_guards.py",
                         body, args.output)
    print(path.read_text())


if __name__ == "__main__":
    main()
