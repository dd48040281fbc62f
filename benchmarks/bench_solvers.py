"""Benchmark of the physical-frame solvers: numpy path, compiled kernels (``solvers.kernels``), FiPy.

Problem: ``presets.ei_single(gamma)``, ``Grid(-2, 2, nx)``, p0 = N(0, 0.3²), BDF2, dt = 0.01,
t ∈ [0, 3] (300 steps), tol = 1e-10, for gamma in {1e2, 1e4} and nx in {400, 4000}. Grids are used as
given even where the resolution warning fires (gamma = 1e4: width σ/√(2γĀ) ≈ 3.3e-3, i.e. 0.33 cells
at nx = 400); warnings are silenced. Every speed is a ratio to one bare LAPACK ``dgtsv`` solve of
the same size measured in the same run (fresh copies of the bands each call: the least a stage
costs), so the tables compare across machines. Timings are medians of many repetitions of the
thread's CPU time (``time.thread_time``: on a shared machine, waiting for a core is not counted);
the first-call table (compilation, cache loading) is wall time of fresh processes.

Tables written (stdout, ``benchmarks/results/solvers.md`` and ``solvers.json``):

1. One coupling evaluation (drift from the activities, stage solve, activities quadrature):
   the numpy path (``stage_bands`` + ``solve_stage`` + quadrature matrix product, as
   ``PhysicalFrame.stage`` does today) vs ``solvers.kernels.physical_evaluate_1d`` (and its
   compiled core without the argument checks).
   Also L p (the explicit rate): ``apply_bands(sg_bands(...))`` vs ``kernels.sg_apply_rows``.
2. One implicit step: a minimal BDF2 stepper written here that mirrors ``PhysicalFrame.stage``
   (``solvers.coupling.SecantNewton`` around the evaluation, Jacobian kept across stages, linear
   extrapolation of the activities as the guess, positivity limiter) with the numpy evaluation,
   with ``physical_evaluate_1d``, or with the whole iteration compiled
   (``kernels.PhysicalStageKernel``); and the real ``solvers.solve(..., backend=...)`` per step for
   backend "native" (the compiled frame of ``solvers.native``), "numpy" (the numpy/LAPACK reference
   frame) and "fipy"; FiPy / native ratios against each; agreement of the final densities.
3. One stage solve of the desingularised frame (γ = 1e4, 1e8; ny = 400, 4000): numpy vs
   ``kernels.sg_solve_rows``.
4. First-call cost of the kernels in a fresh process, with a warm and with a cold numba cache.
5. cProfile of ``solvers.solve`` and of the compiled minimal stepper: the top per-step costs.

Usage: python benchmarks/bench_solvers.py [--quick] [--output-dir DIR]
(--quick: fewer repetitions, FiPy timed on [0, 0.3] and scaled per step; about a minute.)
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from dataclasses import dataclass, field

import numba
import numpy as np
import scipy
from scipy.linalg import lapack

from fokker import Grid, presets
from solvers import kernels, solve
from solvers.coupling import SecantNewton
from solvers.fluxes import apply_bands, sg_bands, stage_bands
from solvers.linalg import solve_stage
from solvers.methods import Limiter

GAMMAS = (1e2, 1e4)
NXS = (400, 4000)
T_SPAN = (0.0, 3.0)
DT = 0.01
TOL = 1e-10
METHOD = "bdf2"
MEAN0, STD0 = 0.0, 0.3
TARGET_STEP = {400: 4.0, 4000: 2.0}      # step cost in bare solves wanted by the issue
TARGET_FIPY_RATIO = 300.0                # FiPy / native wanted at nx = 400
DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


# -- timing helpers -------------------------------------------------------------------------------------------
CLOCK = time.thread_time
"""The clock of every speed in the tables: the CPU time of this (single-threaded) process's thread, so
that time spent waiting for a core on a shared machine is not counted (wall time counts it)."""


def median_seconds(fn, number: int, repeat: int) -> float:
    """Median over `repeat` rounds of the mean time of `number` calls of fn."""
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat, timer=CLOCK)) / number


def bare_solve_seconds(nx: int, number: int, repeat: int) -> float:
    """One LAPACK dgtsv solve of a diagonally dominant nx system with fresh band copies (median)."""
    rng = np.random.default_rng(0)
    lower, upper = -rng.random(nx - 1), -rng.random(nx - 1)
    diag = 3.0 + rng.random(nx)
    rhs = rng.random(nx)
    gtsv = lapack.dgtsv

    def once():
        gtsv(lower.copy(), diag.copy(), upper.copy(), rhs.copy(),
             overwrite_dl=1, overwrite_d=1, overwrite_du=1, overwrite_b=1)

    return median_seconds(once, number, repeat)


# -- the problem and its two evaluations --------------------------------------------------------------------
@dataclass
class Problem:
    """The benchmark problem with the per-grid data a physical-frame evaluation needs."""

    gamma: float
    nx: int
    net: object = field(init=False)
    grid: Grid = field(init=False)

    def __post_init__(self) -> None:
        self.net = presets.ei_single(self.gamma)
        self.grid = Grid(-2.0, 2.0, self.nx)
        g, net = self.grid, self.net
        c = g.centers
        self.h, self.x_faces, self.D = g.width, g.inner_faces, net.diffusion
        self.f_faces = np.stack([pop.intrinsic.face_average(c[:-1], c[1:]) for pop in net.populations])
        self.internal = np.flatnonzero(~net.is_external)
        self.src = net.source_index[self.internal]
        self.quadrature = np.ascontiguousarray(net.activation_table(c)[self.internal] * g.width)
        self.pick = (np.arange(self.internal.size), self.src)
        p0 = g.gaussian(MEAN0, STD0)[None, :]
        self.p0 = p0 / g.integrate(p0)[:, None]

    def numpy_evaluate(self, m: np.ndarray, rhs: np.ndarray, alpha: float, a: float):
        """(p, m_internal) by the numpy path, as ``PhysicalFrame.stage``'s evaluation does it."""
        gA = self.gamma * self.net.conductance(m)
        gB = self.gamma * self.net.reversal_current(m)
        drift = np.multiply.outer(-gA, self.x_faces)
        drift += gB[:, None]
        drift += self.f_faces
        p = solve_stage(*stage_bands(drift, self.D, self.h, alpha, a), rhs, alpha)
        return p, (self.quadrature @ p.T)[self.pick]

    def kernel_evaluate(self, m: np.ndarray, rhs: np.ndarray, alpha: float, a: float):
        """(p, m_internal) by ``solvers.kernels.physical_evaluate_1d``."""
        gA = self.gamma * self.net.conductance(m)
        gB = self.gamma * self.net.reversal_current(m)
        p, m_hat, _ = kernels.physical_evaluate_1d(self.f_faces, gA, gB, self.x_faces, self.D, self.h, alpha, a,
                                                   rhs, self.quadrature, self.src)
        return p, m_hat

    def initial_activities(self) -> np.ndarray:
        m = self.net.external_activities(T_SPAN[0])
        m[self.internal] = (self.quadrature @ self.p0.T)[self.pick]
        return m


class PythonStage:
    """A stage as ``PhysicalFrame.stage`` does it: ``SecantNewton`` around one evaluation per iteration."""

    def __init__(self, problem: Problem, evaluation) -> None:
        self.problem, self.evaluation = problem, evaluation
        self.coupling = SecantNewton(TOL, scale=np.ones(problem.internal.size), typical=np.ones(problem.internal.size))

    def __call__(self, rhs: np.ndarray, alpha: float, a: float, t: float, u_guess: np.ndarray):
        pr = self.problem
        external = pr.net.external_activities(t)

        def evaluate(u):
            m = external.copy()
            m[pr.internal] = u
            p, m_hat = self.evaluation(m, rhs, alpha, a)
            return u - m_hat, p

        u, _, p = self.coupling.solve(evaluate, u_guess)
        if not np.all(np.isfinite(p)):
            raise FloatingPointError(f"non-finite density at t={t}")
        return p, u


class CompiledStage:
    """The same stage by ``solvers.kernels.PhysicalStageKernel`` (the whole iteration compiled)."""

    def __init__(self, problem: Problem) -> None:
        pr = problem
        self.problem = pr
        self.coupling = SecantNewton(TOL, scale=np.ones(pr.internal.size), typical=np.ones(pr.internal.size))
        self.kernel = kernels.PhysicalStageKernel(self.coupling, pr.f_faces[:, None, :], pr.x_faces, pr.D, pr.h,
                                                  pr.quadrature, pr.src, pr.internal, pr.net.weights,
                                                  pr.net.reversal, pr.gamma)

    def __call__(self, rhs: np.ndarray, alpha: float, a: float, t: float, u_guess: np.ndarray):
        u, _, p, _ = self.kernel.solve(rhs[:, None, :], alpha, a, self.problem.net.external_activities(t), u_guess)
        return p[:, 0, :], u


class MinimalStepper:
    """BDF2 (Euler first step) at constant dt around one of the stages above (the step logic of
    ``solvers.stepping`` without its growth-rate control, rescue and output bookkeeping)."""

    def __init__(self, problem: Problem, stage) -> None:
        self.problem, self.stage = problem, stage

    def run(self, t_end: float) -> tuple[int, np.ndarray]:
        """Steps taken and the final density."""
        pr = self.problem
        steps = round((t_end - T_SPAN[0]) / DT)
        limit_positive = Limiter(True)
        p_prev, u_prev = None, None
        p, u = pr.p0, pr.initial_activities()[pr.internal]
        for n in range(1, steps + 1):
            t = T_SPAN[0] + n * DT
            guess = u if u_prev is None else 2.0 * u - u_prev
            if p_prev is None:
                p_new, u_new = self.stage(p, 1.0, DT, t, guess)
            else:
                rhs = limit_positive(2.0 * p - 0.5 * p_prev)
                p_new, u_new = self.stage(rhs, 1.5, DT, t, guess)
            p_prev, u_prev, p, u = p, u, p_new, u_new
        return steps, p


SOLVES = {"solve native": "native", "solve numpy": "numpy"}     # the real entry point, per backend
STEPPERS = {"minimal numpy": lambda pr: PythonStage(pr, pr.numpy_evaluate),
            "minimal kernel": lambda pr: PythonStage(pr, pr.kernel_evaluate),
            "minimal compiled stage": CompiledStage}


@dataclass
class Run:
    wall: float
    steps: int
    evaluations: int
    p_end: np.ndarray

    @property
    def per_step(self) -> float:
        return self.wall / self.steps


def run_minimal(problem: Problem, kind: str, t_end: float = T_SPAN[1]) -> Run:
    stage = STEPPERS[kind](problem)
    start = CLOCK()
    steps, p = MinimalStepper(problem, stage).run(t_end)
    return Run(CLOCK() - start, steps, stage.coupling.evaluations, p)


def run_solve(problem: Problem, backend: str, t_end: float = T_SPAN[1]) -> Run:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = CLOCK()
        sol = solve(problem.net, problem.grid, problem.p0, t_span=(T_SPAN[0], t_end), dt=DT, method=METHOD,
                    backend=backend, tol=TOL)
        wall = CLOCK() - start
    return Run(wall, int(sol.stats["steps"]), int(sol.stats["evaluations"]), sol.p[-1])


def median_run(runner, repeat: int) -> Run:
    runs = [runner() for _ in range(repeat)]
    wall = statistics.median(r.wall for r in runs)
    return Run(wall, runs[0].steps, runs[0].evaluations, runs[0].p_end)


def relative_difference(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.max(np.abs(p - q)) / np.max(np.abs(q)))


# -- measurements ------------------------------------------------------------------------------------------------
def measure(gamma: float, nx: int, quick: bool, fipy_t_end: float) -> dict:
    """All numbers for one (γ, nx)."""
    pr = Problem(gamma, nx)
    number = 100 if quick else 400
    repeat = 5 if quick else 15
    runs = 3 if quick else 7
    bare = bare_solve_seconds(nx, number, repeat)
    # one evaluation at the initial state's activities, a BDF2 stage
    m0, alpha, a = pr.initial_activities(), 1.5, DT
    rhs = pr.p0.copy()
    gA = gamma * pr.net.conductance(m0)
    gB = gamma * pr.net.reversal_current(m0)
    core_args = (pr.f_faces[:, None, :], gA, gB, pr.x_faces, pr.D, pr.h, alpha, a, rhs[:, None, :],
                 pr.quadrature, pr.src.astype(np.int64), np.ones(1))
    drift = np.multiply.outer(-gA, pr.x_faces) + gB[:, None] + pr.f_faces
    p_np, m_np = pr.numpy_evaluate(m0, rhs, alpha, a)
    p_k, m_k = pr.kernel_evaluate(m0, rhs, alpha, a)
    evaluation = {
        "numpy": median_seconds(lambda: pr.numpy_evaluate(m0, rhs, alpha, a), number, repeat),
        "kernel": median_seconds(lambda: pr.kernel_evaluate(m0, rhs, alpha, a), number, repeat),
        "kernel core": median_seconds(lambda: kernels._physical_evaluate(*core_args), number, repeat),
        "L p numpy": median_seconds(lambda: apply_bands(*sg_bands(drift, pr.D, pr.h), rhs), number, repeat),
        "L p sg_apply_rows": median_seconds(lambda: kernels.sg_apply_rows(drift, pr.D, pr.h, rhs), number, repeat),
        "sg_solve_rows": median_seconds(
            lambda: kernels.sg_solve_rows(drift, pr.D, pr.h, alpha, a, rhs), number, repeat),
    }
    # whole runs, interleaved round by round (a shared machine's load drifts), with a bare-solve timing
    # in every round: the minimal steppers, the current solve (native); FiPy once
    kinds = (*STEPPERS, *SOLVES)
    walls: dict[str, list[float]] = {k: [] for k in kinds}
    ratios: dict[str, list[float]] = {k: [] for k in kinds}
    last: dict[str, Run] = {}
    bares = [bare]
    for _ in range(runs):
        for kind in kinds:
            last[kind] = run_solve(pr, SOLVES[kind]) if kind in SOLVES else run_minimal(pr, kind)
            walls[kind].append(last[kind].wall)
        bares.append(bare_solve_seconds(nx, number, repeat))
        round_bare = 0.5 * (bares[-2] + bares[-1])        # bare solves timed around this round
        for kind in kinds:
            ratios[kind].append(walls[kind][-1] / last[kind].steps / round_bare)
    bare = statistics.median(bares)
    fipy = run_solve(pr, "fipy", fipy_t_end)
    per_step = {k: statistics.median(walls[k]) / last[k].steps for k in kinds}
    per_step["solve fipy"] = fipy.per_step
    step_over_bare = {k: statistics.median(ratios[k]) for k in kinds}
    step_over_bare["solve fipy"] = fipy.per_step / bare
    best_over_bare = {k: min(ratios[k]) for k in kinds}
    evaluations = {k: last[k].evaluations / last[k].steps for k in kinds}
    evaluations["solve fipy"] = fipy.evaluations / fipy.steps
    reference = last["minimal numpy"].p_end
    return {
        "gamma": gamma, "nx": nx, "bare_us": bare * 1e6,
        "evaluation_us": {k: v * 1e6 for k, v in evaluation.items()},
        "evaluation_over_bare": {k: v / bare for k, v in evaluation.items()},
        "evaluation_agreement": {"p": relative_difference(p_k, p_np), "m": relative_difference(m_k, m_np)},
        "step_us": {k: v * 1e6 for k, v in per_step.items()},
        "step_over_bare": step_over_bare,
        "step_over_bare_best": best_over_bare,
        "evaluations_per_step": evaluations,
        "fipy_over": {k: fipy.per_step / per_step[k] for k in kinds},
        "fipy_t_end": fipy_t_end,
        "final_agreement_vs_minimal_numpy": {
            **{k: relative_difference(last[k].p_end, reference) for k in kinds if k != "minimal numpy"},
            "solve fipy": relative_difference(fipy.p_end, reference) if fipy_t_end == T_SPAN[1] else None},
    }


def desingularised_stage(gamma: float, ny: int, quick: bool) -> dict:
    """One stage solve of the desingularised frame (drift −A y + ε f̄(μ + ε y) given, BDF2 stage in
    physical time: a = γ dt) on Grid(−4, 4, ny): the numpy path vs ``kernels.sg_solve_rows``."""
    net = presets.ei_single(gamma)
    y = Grid(-4.0, 4.0, ny)
    eps = gamma ** -0.5
    (point,) = net.balance()
    mu, A = point.voltage, point.conductance
    x = mu[:, None] + eps * y.centers[None, :]
    drift = np.multiply.outer(-A, y.inner_faces)
    drift += eps * np.stack([pop.intrinsic.face_average(x[a, :-1], x[a, 1:]) for a, pop in enumerate(net.populations)])
    q = y.gaussian(0.0, 0.5)[None, :]
    alpha, a = 1.5, gamma * DT
    number, repeat = (100, 5) if quick else (400, 15)
    bare = bare_solve_seconds(ny, number, repeat)
    numpy_s = median_seconds(lambda: solve_stage(*stage_bands(drift, net.diffusion, y.width, alpha, a), q, alpha),
                             number, repeat)
    kernel_s = median_seconds(lambda: kernels.sg_solve_rows(drift, net.diffusion, y.width, alpha, a, q), number, repeat)
    agree = relative_difference(kernels.sg_solve_rows(drift, net.diffusion, y.width, alpha, a, q),
                                solve_stage(*stage_bands(drift, net.diffusion, y.width, alpha, a), q, alpha))
    return {"gamma": gamma, "ny": ny, "bare_us": bare * 1e6, "numpy_over_bare": numpy_s / bare,
            "kernel_over_bare": kernel_s / bare, "agreement": agree}


FIRST_CALL_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import numba
t1 = time.perf_counter()
import numpy as np
from solvers import kernels
t2 = time.perf_counter()
R, n = 1, 400
v, D, rhs = np.zeros((R, n - 1)), np.ones(R), np.ones((R, n))
kernels.sg_solve_rows(v, D, 0.01, 1.0, 0.01, rhs)
t3 = time.perf_counter()
kernels.physical_evaluate_1d(v, np.ones(R), np.ones(R), np.linspace(0, 1, n - 1), D, 0.01, 1.0, 0.01, rhs,
                             np.ones((2, n)), np.array([0, 0]))
t4 = time.perf_counter()
kernels.sg_apply_rows(v, D, 0.01, rhs)
t5 = time.perf_counter()
from solvers.coupling import SecantNewton
stage = kernels.PhysicalStageKernel(SecantNewton(1e-10, np.ones(1), np.ones(1)), v[:, None], np.linspace(0, 1, n - 1),
                                    D, 0.01, np.ones((1, n)) * 0.01, np.array([0]), np.array([0]), np.ones((1, 1)),
                                    np.ones(1), 1.0)
stage.solve(rhs[:, None], 1.0, 0.01, np.zeros(1), np.zeros(1))
t5b = time.perf_counter()
kernels.sg_solve_rows(v, D, 0.01, 1.0, 0.01, rhs)
t6 = time.perf_counter()
json.dump({"import numba": t1 - t0, "import solvers.kernels": t2 - t1, "first sg_solve_rows": t3 - t2,
           "first physical_evaluate_1d": t4 - t3, "first sg_apply_rows": t5 - t4,
           "first PhysicalStageKernel.solve": t5b - t5,
           "second sg_solve_rows": t6 - t5b}, sys.stdout)
"""


def first_call_costs() -> dict:
    """Seconds of each first call in a fresh process: numba cache warm (default location) and cold."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = {}
    subprocess.run([sys.executable, "-c", FIRST_CALL_SCRIPT], env=env, check=True, capture_output=True)  # warm it
    out["warm"] = json.loads(subprocess.run([sys.executable, "-c", FIRST_CALL_SCRIPT], env=env, check=True,
                                            capture_output=True, text=True).stdout)
    with tempfile.TemporaryDirectory() as cache:
        out["cold"] = json.loads(subprocess.run([sys.executable, "-c", FIRST_CALL_SCRIPT],
                                                env=dict(env, NUMBA_CACHE_DIR=cache), check=True,
                                                capture_output=True, text=True).stdout)
    return out


def profile_per_step(runner, steps: int, repeat: int = 3, top: int = 12) -> list[dict]:
    """cProfile of runner(), `repeat` times; each function's smallest own / cumulative time over the
    repetitions (a shared machine's preemptions land on random functions), in µs per step; the top
    `top` by own time."""
    best: dict[str, dict] = {}
    for _ in range(repeat):
        profiler = cProfile.Profile(CLOCK)
        profiler.runcall(runner)
        for (filename, line, name), (_, ncalls, tottime, cumtime, _) in pstats.Stats(profiler).stats.items():
            where = f"{os.path.basename(filename)}:{line}({name})" if line else name
            row = {"function": where, "calls_per_step": ncalls / steps, "own_us_per_step": 1e6 * tottime / steps,
                   "cumulative_us_per_step": 1e6 * cumtime / steps}
            if where in best:
                for key in ("own_us_per_step", "cumulative_us_per_step"):
                    row[key] = min(row[key], best[where][key])
            best[where] = row
    return sorted(best.values(), key=lambda r: -r["own_us_per_step"])[:top]


def profiles(gamma: float, nx: int) -> dict:
    pr = Problem(gamma, nx)
    steps = round((T_SPAN[1] - T_SPAN[0]) / DT)
    return {"solve native": profile_per_step(lambda: run_solve(pr, "native"), steps),
            "solve numpy": profile_per_step(lambda: run_solve(pr, "numpy"), steps),
            "minimal compiled stage": profile_per_step(lambda: run_minimal(pr, "minimal compiled stage"), steps)}


# -- report ------------------------------------------------------------------------------------------------------
def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "numba": numba.__version__, "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def markdown(results: list[dict], desing: list[dict], first: dict, prof: dict, info: dict, quick: bool) -> str:
    def row(cells):
        return "| " + " | ".join(cells) + " |"

    def table(head, rows):
        return [row(head), "|" + "---|" * len(head)] + [row(r) for r in rows]

    fipy_scaled = any(r["fipy_t_end"] < T_SPAN[1] for r in results)
    lines = ["# Solver benchmark (generated by `python benchmarks/bench_solvers.py"
             + (" --quick" if quick else "") + "`)", "",
             f"Machine: {info['cpus']} CPUs ({info['processor']}, {info['platform']}), Python {info['python']}, "
             f"numpy {info['numpy']}, scipy {info['scipy']}, numba {info['numba']}; {info['date']}. "
             "Shared machine: compare ratios within a row, not absolute times across runs.", "",
             f"Problem: `ei_single(γ)`, Grid(−2, 2, nx), p0 = N({MEAN0}, {STD0}²), {METHOD}, dt = {DT}, "
             f"t ∈ [{T_SPAN[0]:g}, {T_SPAN[1]:g}], tol = {TOL:g}. Unit: one bare LAPACK `dgtsv` solve of size nx "
             "(fresh band copies, median), measured in the same run.", "",
             "## Summary: `solve(..., backend=...)` per step, in bare solves (median over rounds)", "",
             f"Targets: ≤ {TARGET_STEP[400]:g} bare solves per step at nx = 400, ≤ {TARGET_STEP[4000]:g} at nx = 4000; "
             f"FiPy / native ≥ {TARGET_FIPY_RATIO:g} at nx = 400.", ""]
    lines += table(["γ", "nx", "bare µs", "native", "numpy", "fipy", "FiPy / native", "FiPy / numpy",
                    "native best round"],
                   [[f"{r['gamma']:.0e}", str(r["nx"]), f"{r['bare_us']:.1f}",
                     *(f"{r['step_over_bare'][k]:.2f}" for k in ("solve native", "solve numpy", "solve fipy")),
                     f"{r['fipy_over']['solve native']:.0f}", f"{r['fipy_over']['solve numpy']:.0f}",
                     f"{r['step_over_bare_best']['solve native']:.2f}"] for r in results])
    lines += ["", "## One coupling evaluation (drift, stage solve, activities), in bare solves", ""]
    lines += table(["γ", "nx", "bare µs", "numpy path", "kernel", "kernel core (no checks)", "sg_solve_rows only",
                    "L p: numpy", "L p: sg_apply_rows", "max |Δp|/max p", "max |Δm|/max m"],
                   [[f"{r['gamma']:.0e}", str(r["nx"]), f"{r['bare_us']:.1f}",
                     *(f"{r['evaluation_over_bare'][k]:.2f}" for k in ("numpy", "kernel", "kernel core",
                                                                       "sg_solve_rows", "L p numpy",
                                                                       "L p sg_apply_rows")),
                     f"{r['evaluation_agreement']['p']:.1e}", f"{r['evaluation_agreement']['m']:.1e}"]
                    for r in results])
    lines += ["", "## One implicit step, in bare solves (coupling evaluations per step in parentheses)", "",
              "\"minimal …\": the constant-dt BDF2 stepper of this script; its stage mirrors `PhysicalFrame.stage` "
              "(SecantNewton around one evaluation per iteration) with the numpy evaluation, with "
              "`kernels.physical_evaluate_1d`, or entirely compiled (`kernels.PhysicalStageKernel`). \"solve …\": the "
              f"real `solvers.solve(..., backend=…)` per step. Targets: ≤ {TARGET_STEP[400]:g} bare solves at nx = 400, "
              f"≤ {TARGET_STEP[4000]:g} at nx = 4000.", ""]
    kinds = list(results[0]["step_over_bare"])
    lines += table(["γ", "nx", "bare µs", *kinds],
                   [[f"{r['gamma']:.0e}", str(r["nx"]), f"{r['bare_us']:.1f}",
                     *(f"{r['step_over_bare'][k]:.2f} ({r['evaluations_per_step'][k]:.2f})" for k in kinds)]
                    for r in results])
    lines += ["", "Each entry is the median over the rounds of (time per step in that round) / (bare solve timed "
              "around that round), so load drifts cancel to first order; FiPy runs once (its ratio uses the median "
              "bare solve). Best round (the unloaded estimate):", ""]
    best = list(results[0]["step_over_bare_best"])
    lines += table(["γ", "nx", *best], [[f"{r['gamma']:.0e}", str(r["nx"]),
                                         *(f"{r['step_over_bare_best'][k]:.2f}" for k in best)] for r in results])
    lines += ["", "Per step in µs, and cell-steps per second (nx / time per step):", ""]
    lines += table(["γ", "nx", *kinds, "cell-steps/s: solve native", "cell-steps/s: minimal compiled stage"],
                   [[f"{r['gamma']:.0e}", str(r["nx"]), *(f"{r['step_us'][k]:.1f}" for k in kinds),
                     f"{r['nx'] / r['step_us']['solve native'] * 1e6:.2e}",
                     f"{r['nx'] / r['step_us']['minimal compiled stage'] * 1e6:.2e}"] for r in results])
    lines += ["", f"## FiPy / native per step (target ≥ {TARGET_FIPY_RATIO:g} at nx = 400)", ""]
    native = [k for k in kinds if k != "solve fipy"]
    lines += table(["γ", "nx", *(f"FiPy / {k}" for k in native)],
                   [[f"{r['gamma']:.0e}", str(r["nx"]), *(f"{r['fipy_over'][k]:.0f}" for k in native)]
                    for r in results])
    lines += ["", "## Agreement: max |Δp| / max p at the final time against the minimal numpy stepper", ""]
    others = list(results[0]["final_agreement_vs_minimal_numpy"])
    lines += table(["γ", "nx", *others],
                   [[f"{r['gamma']:.0e}", str(r["nx"]),
                     *(("—" if v is None else f"{v:.1e}") for v in r["final_agreement_vs_minimal_numpy"].values())]
                    for r in results])
    lines += ["", "`solve native` and `solve numpy` differ from the minimal steppers by their coupling tolerance's "
              "worth (growth-rate control and stage bookkeeping order the same arithmetic differently); the minimal "
              "steppers agree with each other to round-off, and so do `solve native` and `solve numpy`."]
    if fipy_scaled:
        lines += ["", f"FiPy timed on t ∈ [0, {results[0]['fipy_t_end']:g}] only and compared per step (its early "
                  "steps need more coupling evaluations, so this slightly overstates FiPy's cost)."]
    lines += ["", "## Desingularised frame: one stage solve (face drift given), in bare solves", ""]
    lines += table(["γ", "ny", "bare µs", "numpy path", "sg_solve_rows", "max |Δq|/max q"],
                   [[f"{d['gamma']:.0e}", str(d["ny"]), f"{d['bare_us']:.1f}", f"{d['numpy_over_bare']:.2f}",
                     f"{d['kernel_over_bare']:.2f}", f"{d['agreement']:.1e}"] for d in desing])
    lines += ["", "## First call of the kernels in a fresh process (seconds)", ""]
    keys = list(first["warm"])
    lines += table(["numba cache", *keys], [[k, *(f"{first[k][c]:.3f}" for c in keys)] for k in ("warm", "cold")])
    for name, rows in prof.items():
        lines += ["", f"## Profile: {name}, γ = {PROFILE[0]:.0e}, nx = {PROFILE[1]} (top own time, µs per step)", ""]
        lines += table(["function", "calls / step", "own µs / step", "cumulative µs / step"],
                       [[f"`{r['function']}`", f"{r['calls_per_step']:.2f}", f"{r['own_us_per_step']:.1f}",
                         f"{r['cumulative_us_per_step']:.1f}"] for r in rows])
    lines += ["", "Profiles: cProfile, each function's least time over 3 runs; cProfile inflates every Python "
              "call by its hook, so use them for the ranking and the step table for the costs."]
    return "\n".join(lines) + "\n"


PROFILE = (1e4, 400)


def write_atomic(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".bench-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions; FiPy on [0, 0.3] scaled per step")
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT,
                        help="folder for solvers.md and solvers.json (default: benchmarks/results)")
    args = parser.parse_args(argv)
    fipy_t_end = 0.3 if args.quick else T_SPAN[1]
    warm = Problem(GAMMAS[0], NXS[0])                       # compile / load the kernels outside the timings
    for kind in STEPPERS:
        run_minimal(warm, kind, 0.05)
    for backend in SOLVES.values():
        run_solve(warm, backend, 0.05)
    results = []
    for gamma in GAMMAS:
        for nx in NXS:
            results.append(measure(gamma, nx, args.quick, fipy_t_end))
            print(f"  done gamma={gamma:.0e} nx={nx}", file=sys.stderr, flush=True)
    desing = [desingularised_stage(gamma, ny, args.quick) for gamma in (1e4, 1e8) for ny in NXS]
    first = first_call_costs()
    prof = profiles(*PROFILE)
    info = machine()
    text = markdown(results, desing, first, prof, info, args.quick)
    sys.stdout.write(text)
    write_atomic(os.path.join(args.output_dir, "solvers.md"), text)
    payload = {"machine": info, "quick": args.quick, "results": results, "desingularised_stage": desing,
               "first_call_s": first,
               "profile": {"gamma": PROFILE[0], "nx": PROFILE[1], **prof}}
    write_atomic(os.path.join(args.output_dir, "solvers.json"), json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
