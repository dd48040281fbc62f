"""Cost of one step of the two-variable (x, w) solver against one batched tridiagonal solve, and FiPy 2D.

    python benchmarks/bench_two_variable.py [--quick]

Writes benchmarks/results/two_variable.md. Measured on a (nx, nw) = (400, 200) Grid2D:

- the CPU time (``time.thread_time``: other processes on a shared machine do not count) of each step of ``solve(net, Grid2D(...), p0, dt=0.01, method=...)`` (best and
  median over 100 steps, after a warm-up run that compiles the kernels), for euler, trbdf2 (Strang
  steps) and bdf2 (BDF2 in the integrating factor of the recovery flow);
- the unit: one batched Scharfetter–Gummel solve ``solvers.kernels.sg_solve_rows`` over the 200·P
  rows of 400 cells (assembly from the face drifts + elimination), best of repeated calls; the
  target is a step within 3 units;
- one w-step ``solvers.recovery.recovery_step`` over the 400·P rows of 200 cells;
- accuracy against the exact Gaussian of the linear network (κ = 0, constant activation S ≡ 1,
  J = 1, E = 0.5, (a, b, c, I) = (0.7, 0.8, 1, 0.2), σ = 0.5, σ_w = 0.3, N((0, 0.5), diag(0.16, 0.09))
  at t = 0, T = 1): L1 errors with h_x, h_w and dt refined together, and the mean-voltage error
  of gap-junction coupling at γ = 1e4 (resolved, well-prepared data) for every method;
- FiPy (if importable): ``solvers.fipy_backend.FipyFrozen2D``, unsplit backward Euler of the same
  equation with frozen coupling on the same cells and face velocities (TransientTerm ==
  DiffusionTerm(diag(D, D_w)) − ExponentialConvectionTerm(u)): its time per step against the native
  euler step, and its L1 distance to the native euler solve of the linear network as dt halves.
"""
from __future__ import annotations

import argparse
import math
import pathlib
import time
import warnings

import numpy as np

from fokker import Channel, FitzHughNagumo, Grid, Grid2D, Network, Population, Sigmoid, presets
from fokker.exact_2d import gaussian_cell_averages, gaussian_moments, linear_fhn_matrices
from solvers import solve
from solvers.kernels import sg_solve_rows
from solvers.controller import FixedSteps
from solvers.recovery import recovery_step
from solvers.trackers import Tracker
from solvers.two_variable import TwoVariableFrame, make_stepper, split_run

NX, NW = 400, 200
RESULTS = pathlib.Path(__file__).parent / "results" / "two_variable.md"


CLOCK = time.thread_time     # CPU time of this thread: the other processes of a shared machine do not count


def best_time(call, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = CLOCK()
        call()
        best = min(best, CLOCK() - start)
    return best


def grid2d() -> Grid2D:
    return Grid2D(Grid(-3.0, 3.0, NX), Grid(-1.5, 2.5, NW))


class StepClock(Tracker):
    """Records the thread's CPU time at every accepted step."""

    every_step = True

    def __init__(self) -> None:
        self.times: list[float] = []

    def start(self, t0: float, t1: float) -> None:
        self.times = [CLOCK()]

    def handle(self, t, state, frame):
        self.times.append(CLOCK())
        return None


def step_time(net, method: str, steps: int) -> tuple[float, float, dict]:
    """(best, median) wall time of one Strang step over ``steps`` steps, and the run's counters.

    The steps are those of ``solve`` (``split_run`` on a ``TwoVariableFrame`` with fixed steps),
    timed one by one, after a warm-up run that compiles the kernels; the best step is the cost
    without interference from other processes on a shared machine, the median the typical one.
    """
    grid = grid2d()
    p0 = np.broadcast_to(grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3)), (net.P, NX, NW))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solve(net, grid, p0, t_span=(0.0, 0.02), dt=0.01, method=method, t_eval=[0.0, 0.02])     # compile
    frame = TwoVariableFrame(net, grid, 1e-10)
    clock = StepClock()
    _, stats, _, _ = split_run(frame, frame.initial_state(frame.flat(p0), 0.0), 0.0, np.array([0.01 * steps]),
                               make_stepper(method, frame), FixedSteps(0.01), [clock])
    durations = np.diff(clock.times)
    return float(durations.min()), float(np.median(durations)), stats


def row_solve_time(P: int, repeats: int) -> float:
    grid = grid2d()
    rng = np.random.default_rng(0)
    drift = rng.normal(size=(P * NW, NX - 1))
    rhs = rng.random((P * NW, NX))
    diffusion = np.full(P * NW, 0.045)
    sg_solve_rows(drift, diffusion, grid.x.width, 1.0, 0.01, rhs)
    return best_time(lambda: sg_solve_rows(drift, diffusion, grid.x.width, 1.0, 0.01, rhs), repeats)


def w_step_time(P: int, repeats: int) -> float:
    grid = grid2d()
    p = np.broadcast_to(grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3)), (P, NX, NW)).copy()
    call = lambda: recovery_step(p, grid.x.centers, grid.w.lower, grid.w.upper, 0.7, 0.8, 0.08, 0.01, 0.0)  # noqa: E731
    call()
    return best_time(call, repeats)


def fipy_backend():
    """``solvers.fipy_backend`` (None if FiPy is not installed)."""
    try:
        from solvers import fipy_backend
    except ImportError:
        return None
    return fipy_backend


def frozen_coupling(frame: TwoVariableFrame, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(γA, γB) at the density p (P, nx, nw): the coupling that the FiPy comparison freezes."""
    state = frame.initial_state(frame.flat(p), 0.0)
    A, B = frame.net.coupling(state.m, frame.means(state.p) if frame.electrical else None)
    return frame.net.gamma * A, frame.net.gamma * B


def fipy_step_time(net, repeats: int) -> float | None:
    """One backward-Euler step of FiPy 2D (``FipyFrozen2D``: the native cells and face velocities,
    coupling frozen at p0) on the benchmark grid (None if FiPy is missing)."""
    backend = fipy_backend()
    if backend is None:
        return None
    grid = grid2d()
    p0 = np.broadcast_to(grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3)), (net.P, NX, NW)).copy()
    frame = TwoVariableFrame(net, grid, 1e-10)
    run = backend.FipyFrozen2D(frame, *frozen_coupling(frame, p0))
    run.step(p0, 0.01)
    return best_time(lambda: run.step(p0, 0.01), repeats)


def fipy_agreement(steps=(0.1, 0.05, 0.025, 0.0125), T=0.4) -> list[tuple[float, float]] | None:
    """(dt, L1 distance at T) between FiPy 2D and the native "euler" solve of the linear network
    (constant activation: the coupling is frozen exactly) on 40 × 160 cells, σ_w = 0.3."""
    backend = fipy_backend()
    if backend is None:
        return None
    net = linear_network(1.0, False, 0.3)
    grid = Grid2D(Grid(-3.2, 3.2, 40), Grid(-1.5, 2.5, 160))
    p0 = gaussian_cell_averages(grid.x.faces, grid.w.faces, MEAN0, np.diag([0.16, 0.09]))
    p0 /= grid.integrate(p0)
    frame = TwoVariableFrame(net, grid, 1e-10)
    out = []
    for dt in steps:
        fipy_p = backend.FipyFrozen2D(frame, *frozen_coupling(frame, p0[None])).run(p0[None], dt, round(T / dt))
        native = solve(net, grid, p0, t_span=(0.0, T), dt=dt, method="euler", t_eval=[0.0, T]).p[-1]
        out.append((dt, float(grid.integrate(np.abs(native[0] - fipy_p[0])))))
    return out


LINEAR = dict(a=0.7, b=0.8, c=1.0, current=0.2, cubic=0.0)
MEAN0 = np.array([0.0, 0.5])


def linear_network(gamma: float, electrical: bool, sigma_w: float) -> Network:
    pop = Population("E", FitzHughNagumo(**LINEAR), sigma=0.5, sigma_w=sigma_w)
    if electrical:
        return Network([pop], [], [[]], gamma, electrical=[[1.0]])
    return Network([pop], [Channel("exc", 0.5, Sigmoid(2.0, 0.0, 0.0), source="E")], [[1.0]], gamma)


def joint_refinement() -> list[tuple[int, float, float]]:
    """(n, dt, L1 error at T = 1) on n × n cells of [−3.2, 3.2] × [−1.5, 2.5] with dt = 10 / n (trbdf2)."""
    net = linear_network(1.0, False, 0.3)
    cov0 = np.diag([0.16, 0.09])
    K, k = linear_fhn_matrices(0.7, 0.8, 1.0, 0.2, 1.0, 0.5)
    mean, cov = gaussian_moments(K, k, (0.5, 0.3), MEAN0, cov0, 1.0)
    out = []
    for n in (50, 100, 200):
        grid = Grid2D(Grid(-3.2, 3.2, n), Grid(-1.5, 2.5, n))
        p0 = gaussian_cell_averages(grid.x.faces, grid.w.faces, MEAN0, cov0)
        sol = solve(net, grid, p0, t_span=(0.0, 1.0), dt=10.0 / n, method="trbdf2", t_eval=[0.0, 1.0])
        exact = gaussian_cell_averages(grid.x.faces, grid.w.faces, mean[0], cov[0])
        out.append((n, 10.0 / n, float(grid.integrate(np.abs(sol.p[-1, 0] - exact)))))
    return out


def stiff_electrical() -> list[tuple[str, float, float, float]]:
    """(method, dt, mean-voltage error, displacement) at T = 0.2, γ G = 1e4, 800 × 60 cells (11 per width)."""
    gamma = 1e4
    width = 0.5 / math.sqrt(2.0 * gamma)
    cov0 = np.diag([width**2, 0.09])
    grid = Grid2D(Grid(-0.15, 0.1, 800), Grid(-1.5, 2.5, 60))
    p0 = gaussian_cell_averages(grid.x.faces, grid.w.faces, MEAN0, cov0)
    K0, k0 = linear_fhn_matrices(0.7, 0.8, 1.0, 0.2, 0.0, 0.0)
    means = gaussian_moments(K0, k0, (0.5, 0.0), MEAN0, cov0, [0.0, 0.2])[0]
    out = []
    for method in ("euler", "trbdf2", "bdf2"):
        for dt in (0.02, 0.005):
            sol = solve(linear_network(gamma, True, 0.0), grid, p0, t_span=(0.0, 0.2), dt=dt, method=method,
                        t_eval=[0.0, 0.2])
            out.append((method, dt, float(sol.mean()[-1, 0] - means[1, 0]), float(means[1, 0] - means[0, 0])))
    return out


TARGET = 3.0      # a 2D step within this many batched row solves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args()
    steps, repeats = (10, 3) if args.quick else (100, 20)
    rows = []
    for name, net in (("fhn_electrical", presets.fhn_electrical(gamma=1.0)),
                      ("fhn_chemical", presets.fhn_chemical(gamma=1.0)),
                      ("fhn_pair", presets.fhn_pair(gamma=1.0))):
        solve_rows = row_solve_time(net.P, 2 * repeats)
        w_step = w_step_time(net.P, repeats)
        timed = [(method, *step_time(net, method, steps)) for method in ("euler", "trbdf2", "bdf2")]
        solve_rows = min(solve_rows, row_solve_time(net.P, 2 * repeats))      # the unit before and after
        for method, best, median, stats in timed:
            rows.append((name, net.P, method, best, median, solve_rows, w_step,
                         stats["evaluations"] / stats["stages"], stats["stages"] / stats["steps"]))
    euler_electrical = next(r[3] for r in rows if r[0] == "fhn_electrical" and r[2] == "euler")
    fipy_time = fipy_step_time(presets.fhn_electrical(gamma=1.0), max(2, repeats // 5))
    lines = ["# Two-variable solver: cost of a step", "",
             f"Grid2D(Grid(-3, 3, {NX}), Grid(-1.5, 2.5, {NW})), dt = 0.01, fixed steps, γ = 1; "
             "`python benchmarks/bench_two_variable.py`" + (" --quick" if args.quick else "") + ".", "",
             "The unit is one batched tridiagonal row solve `solvers.kernels.sg_solve_rows` over all P·nw rows of "
             f"{NX} cells (Scharfetter–Gummel assembly from given face drifts, one expm1 per face, plus the "
             "elimination and mass restoration), best of repeated calls in the same run as the steps. "
             "A step of euler or trbdf2 is W(h/2) X(h) W(h/2) with the half w-steps merged (one `recovery_step` and the "
             "implicit voltage stages); bdf2 is BDF2 in the integrating factor of the recovery flow (two "
             "`recovery_step`s and one stage). Each stage is secant–Newton evaluations of "
             "`solvers.kernels_2d.SplitRows.evaluate` (the same solve with the intrinsic exponentials computed once "
             "per run, plus the activities and mean voltages). Times are CPU times of the benchmark's thread "
             "(`time.thread_time`), so that the other processes of a shared machine do not count; best step "
             "and the unit are each the fastest of their repetitions, the median the typical step.", "",
             f"| network | P | method | CPU ms per 2D step, best (median) | CPU ms per row solve (unit) | best step / unit "
             f"| ≤ {TARGET:g}× | ms per recovery_step | stages per step | evaluations per stage |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, P, method, best, median, solve_rows, w_step, evals, stages in rows:
        ratio = best / solve_rows
        lines.append(f"| {name} | {P} | {method} | {1e3 * best:.2f} ({1e3 * median:.2f}) | {1e3 * solve_rows:.2f} | "
                     f"{ratio:.2f} | {'yes' if ratio <= TARGET else 'no'} | {1e3 * w_step:.2f} | {stages:.0f} | "
                     f"{evals:.2f} |")
    meets = sorted({method for _, _, method, best, _, unit, *_ in rows if best / unit <= TARGET}
                   - {method for _, _, method, best, _, unit, *_ in rows if best / unit > TARGET})
    lines += ["", f"Methods within {TARGET:g}× on every network: {', '.join(meets) or 'none'}."]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # coarse levels warn about resolution, as they should
        refinement, stiff, agreement = joint_refinement(), stiff_electrical(), fipy_agreement()
    lines += ["", "Accuracy against the exact Gaussian of the linear network (trbdf2, h_x, h_w, dt refined together):", "",
              "| n × n cells | dt | L1 error at T = 1 | observed order |", "|---|---|---|---|"]
    for j, (n, dt, err) in enumerate(refinement):
        order = "" if j == 0 else f"{math.log2(refinement[j - 1][2] / err):.2f}"
        lines.append(f"| {n} × {n} | {dt:g} | {err:.3e} | {order} |")
    lines += ["", "Gap junctions at γ G = 1e4 (800 × 60 cells, 11 across the width σ/√(2γG), well-prepared data): "
              "error of the mean voltage at T = 0.2 (the spatial floor is ≈ 1e-4; the positivity limiter keeps "
              "each w-row's mass and x-moment):", "",
              "| method | dt (γ G dt) | error of x̄ | displacement of x̄ |", "|---|---|---|---|"]
    for method, dt, err, disp in stiff:
        lines.append(f"| {method} | {dt:g} ({1e4 * dt:g}) | {err:.2e} | {disp:.4f} |")
    lines += ["", "FiPy 2D (`solvers.fipy_backend.FipyFrozen2D`: TransientTerm == DiffusionTerm(diag(D, D_w)) − "
              "ExponentialConvectionTerm(u) on the same cells, u the native face velocities, coupling frozen, "
              "unsplit backward Euler, scipy LU): "]
    if fipy_time is None:
        lines.append("not installed.")
    else:
        lines.append(f"{1e3 * fipy_time:.1f} ms per step on fhn_electrical at {NX} × {NW}, "
                     f"{fipy_time / euler_electrical:.0f}× the native euler step ({1e3 * euler_electrical:.2f} ms).")
    if agreement is not None:
        lines += ["", "Agreement with the native euler solve (linear network, constant activation so the coupling is "
                  "frozen exactly; 40 × 160 cells, σ_w = 0.3, T = 0.4): the L1 distance is S + C dt, C dt from "
                  "FiPy's first-order w-part and the native splitting, S the difference of the w-discretisations "
                  "(FiPy's exponential scheme in w, native exact characteristics and heat semigroup):", "",
                  "| dt | L1 distance at T | ratio to the next dt |", "|---|---|---|"]
        for j, (dt, d) in enumerate(agreement):
            ratio = f"{d / agreement[j + 1][1]:.2f}" if j + 1 < len(agreement) else ""
            lines.append(f"| {dt:g} | {d:.3e} | {ratio} |")
    lines.append("")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
