"""Cost of one step of the two-variable (x, w) solver against one batched tridiagonal solve, and FiPy 2D.

    python benchmarks/bench_two_variable.py [--quick]

Writes benchmarks/results/two_variable.md. Measured on a (nx, nw) = (400, 200) Grid2D:

- the wall time of each Strang step of ``solve(net, Grid2D(...), p0, dt=0.01, method=...)`` (best and
  median over 100 steps, after a warm-up run that compiles the kernels), for euler and trbdf2
  (bdf2 runs trbdf2);
- one batched Scharfetter–Gummel solve ``solvers.kernels.sg_solve_rows`` over the 200·P rows of
  400 cells (the linear work of one coupling evaluation), best of repeated calls;
- one w-step ``solvers.recovery.recovery_step`` over the 400·P rows of 200 cells;
- accuracy against the exact Gaussian of the linear network (κ = 0, constant activation S ≡ 1,
  J = 1, E = 0.5, (a, b, c, I) = (0.7, 0.8, 1, 0.2), σ = 0.5, σ_w = 0.3, N((0, 0.5), diag(0.16, 0.09))
  at t = 0, T = 1): L1 errors with h_x, h_w and dt refined together, and the mean-voltage error
  of gap-junction coupling at γ = 1e4 (resolved, well-prepared data) for euler and trbdf2;
- FiPy (if importable): one implicit step of the same equation with frozen coupling on
  ``fipy.Grid2D`` with TransientTerm == DiffusionTerm(anisotropic coefficient diag(D, D_w))
  − ExponentialConvectionTerm(face velocity (v, g)), solved by FiPy's default solver.
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


def best_time(call, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def grid2d() -> Grid2D:
    return Grid2D(Grid(-3.0, 3.0, NX), Grid(-1.5, 2.5, NW))


class StepClock(Tracker):
    """Records the wall time at every accepted step."""

    every_step = True

    def __init__(self) -> None:
        self.times: list[float] = []

    def start(self, t0: float, t1: float) -> None:
        self.times = [time.perf_counter()]

    def handle(self, t, state, frame):
        self.times.append(time.perf_counter())
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


def fipy_step_time(net, repeats: int) -> float | None:
    """One backward-Euler step of the frozen-coupling equation with FiPy (None if FiPy is missing)."""
    try:
        import fipy
    except ImportError:
        return None
    grid = grid2d()
    pop = net.populations[0]
    fhn = pop.intrinsic
    mesh = fipy.Grid2D(dx=grid.x.width, dy=grid.w.width, nx=NX, ny=NW) + ((grid.x.lower,), (grid.w.lower,))
    p = fipy.CellVariable(mesh=mesh, value=grid.gaussian(mean=(0.0, 0.5), std=(0.4, 0.3)).T.ravel())
    xf, wf = mesh.faceCenters
    gA = net.gamma * float(net.conductance(np.zeros(net.K))[0])
    velocity = fipy.FaceVariable(mesh=mesh, rank=1)
    velocity[0] = fhn.f(np.asarray(xf), np.asarray(wf)) + gA * (0.0 - np.asarray(xf))
    velocity[1] = fhn.g(np.asarray(xf), np.asarray(wf))
    coefficient = [((pop.diffusion, 0.0), (0.0, pop.diffusion_w))]        # one rank-2 (anisotropic) coefficient
    equation = (fipy.TransientTerm() == fipy.DiffusionTerm(coeff=coefficient)
                - fipy.ExponentialConvectionTerm(coeff=velocity))
    equation.solve(var=p, dt=0.01)
    return best_time(lambda: equation.solve(var=p, dt=0.01), repeats)


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
    for method in ("euler", "trbdf2"):
        for dt in (0.02, 0.005):
            sol = solve(linear_network(gamma, True, 0.0), grid, p0, t_span=(0.0, 0.2), dt=dt, method=method,
                        t_eval=[0.0, 0.2])
            out.append((method, dt, float(sol.mean()[-1, 0] - means[1, 0]), float(means[1, 0] - means[0, 0])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args()
    steps, repeats = (10, 3) if args.quick else (100, 20)
    rows = []
    for name, net in (("fhn_electrical", presets.fhn_electrical(gamma=1.0)),
                      ("fhn_chemical", presets.fhn_chemical(gamma=1.0)),
                      ("fhn_pair", presets.fhn_pair(gamma=1.0))):
        solve_rows = row_solve_time(net.P, repeats)
        w_step = w_step_time(net.P, repeats)
        for method in ("euler", "trbdf2"):
            best, median, stats = step_time(net, method, steps)
            rows.append((name, net.P, method, best, median, solve_rows, w_step,
                         stats["evaluations"] / stats["stages"]))
    fipy_time = fipy_step_time(presets.fhn_electrical(gamma=1.0), max(2, repeats // 3))
    lines = ["# Two-variable solver: cost of a step", "",
             f"Grid2D(Grid(-3, 3, {NX}), Grid(-1.5, 2.5, {NW})), dt = 0.01, fixed steps, γ = 1; "
             "`python benchmarks/bench_two_variable.py`" + (" --quick" if args.quick else "") + ".", "",
             "One step = W(h/2) X(h) W(h/2) with the half w-steps merged: one `recovery_step` and the "
             "implicit voltage stages (each = secant–Newton evaluations of one batched row solve).", "",
             "| network | P | method | ms per 2D step, best (median) | ms per sg_solve_rows (P·nw rows) "
             "| best step / row solve | ms per recovery_step | evaluations per stage |",
             "|---|---|---|---|---|---|---|---|"]
    for name, P, method, best, median, solve_rows, w_step, evals in rows:
        lines.append(f"| {name} | {P} | {method} | {1e3 * best:.2f} ({1e3 * median:.2f}) | {1e3 * solve_rows:.2f} | "
                     f"{best / solve_rows:.1f} | {1e3 * w_step:.2f} | {evals:.2f} |")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # coarse levels warn about resolution, as they should
        refinement, stiff = joint_refinement(), stiff_electrical()
    lines += ["", "Accuracy against the exact Gaussian of the linear network (trbdf2, h_x, h_w, dt refined together):", "",
              "| n × n cells | dt | L1 error at T = 1 | observed order |", "|---|---|---|---|"]
    for j, (n, dt, err) in enumerate(refinement):
        order = "" if j == 0 else f"{math.log2(refinement[j - 1][2] / err):.2f}"
        lines.append(f"| {n} × {n} | {dt:g} | {err:.3e} | {order} |")
    lines += ["", "Gap junctions at γ G = 1e4 (800 × 60 cells, 11 across the width σ/√(2γG), well-prepared data): "
              "error of the mean voltage at T = 0.2:", "",
              "| method | dt (γ G dt) | error of x̄ | displacement of x̄ |", "|---|---|---|---|"]
    for method, dt, err, disp in stiff:
        lines.append(f"| {method} | {dt:g} ({1e4 * dt:g}) | {err:.2e} | {disp:.4f} |")
    lines += ["", "FiPy 2D (one backward-Euler step, frozen coupling, TransientTerm == DiffusionTerm(diag(D, D_w)) "
              "− ExponentialConvectionTerm((v, g)), default solver): "
              + ("not installed" if fipy_time is None else f"{1e3 * fipy_time:.1f} ms per step"), ""]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
