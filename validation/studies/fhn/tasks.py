"""The tasks of the FitzHugh–Nagumo study: one particle run, one PDE run or one particle-vs-PDE comparison each.

Every task takes plain arguments (numbers, strings, tuples) and the study's :class:`~.config.FhnConfig`,
and returns a dict of numbers and arrays, so it runs in-process or on any Dask worker and its result
can be cached. Initial laws (``start``):

- ``("point", x0, w0, sx, sw)``: N(x0, sx²) ⊗ N(w0, sw²) (sw = 0: every neuron at w0);
- ``("cycle", s)``: phases uniform along the uncoupled limit cycle (its equal-time samples), blurred
  by N(0, s²) in x and w: a desynchronised population.

Particle runs use :func:`validation.simulate_particles` on one thread; their random stream depends
on (``cfg.seed``, ``stream``, ``seed``) and not on γ, so runs that differ only in γ share their noise
(common random numbers: differences between them are nearly free of sampling noise).
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from fokker import Grid, Grid2D, presets

from ...metrics import wasserstein1
from ...particles import simulate_particles
from .config import FhnConfig


def network(preset: str, gamma: float, cfg: FhnConfig, current: float | None = None):
    """The preset network at ``gamma`` with the study's σ (and ``current`` I when given)."""
    sigma = (cfg.sigma, cfg.sigma) if preset == "fhn_pair" else cfg.sigma
    kw = {} if current is None else {"current": float(current)}
    return presets.PRESETS[preset](float(gamma), sigma=sigma, **kw)


@functools.lru_cache(maxsize=8)
def uncoupled_cycle(current: float = 0.5):
    """The limit cycle of the single-neuron ODE at current I (``FitzHughNagumo.limit_cycle``; computed once)."""
    return network("fhn_electrical", 1.0, FhnConfig(), current).populations[0].intrinsic.limit_cycle()


def _cycle_samples(current: float) -> tuple[np.ndarray, np.ndarray]:
    lc = uncoupled_cycle(current)
    return lc.x[:-1], lc.w[:-1]                                   # equal times, one period (end point dropped)


def initial_particles(start: tuple, current: float, P: int):
    """The callable ``(rng, n) -> (P, n, 2)`` states of the initial law ``start`` (module docstring)."""
    kind = start[0]
    if kind == "point":
        x0, w0, sx, sw = (float(v) for v in start[1:])

        def sample(rng, n):
            z = rng.standard_normal((P, n, 2))
            return np.stack([x0 + sx * z[..., 0], w0 + sw * z[..., 1]], axis=-1)
        return sample
    if kind == "cycle":
        s = float(start[1])
        xs, ws = _cycle_samples(current)

        def sample(rng, n):
            i = rng.integers(0, xs.size, (P, n))
            z = rng.standard_normal((P, n, 2))
            return np.stack([xs[i] + s * z[..., 0], ws[i] + s * z[..., 1]], axis=-1)
        return sample
    raise ValueError(f"start must be ('point', x0, w0, sx, sw) or ('cycle', s), got {start!r}")


def initial_density(start: tuple, current: float, grid: Grid2D) -> np.ndarray:
    """The initial law ``start`` on ``grid`` (cell-centre values, normalised), (nx, nw)."""
    if start[0] == "point":
        return grid.gaussian((start[1], start[2]), (start[3], start[4]))
    if start[0] == "cycle":
        s = float(start[1])
        xs, ws = _cycle_samples(current)
        kernel_x = np.exp(-0.5 * ((grid.x.centers[:, None] - xs[None, :]) / s) ** 2)     # (nx, K)
        kernel_w = np.exp(-0.5 * ((grid.w.centers[:, None] - ws[None, :]) / s) ** 2)     # (nw, K)
        p = kernel_x @ kernel_w.T / xs.size
        return p / grid.integrate(p)
    raise ValueError(f"start must be ('point', x0, w0, sx, sw) or ('cycle', s), got {start!r}")


def particle_trace(preset: str, gamma: float, n: int, seed: int, t_end: float, dt: float, start: tuple,
                   cfg: FhnConfig, stream: int, sample: int = 1, current: float | None = None,
                   outputs: int | None = None) -> dict:
    """Means and standard deviations of x and w of one particle run, (nt, P) each, at every ``sample``-th
    step (or at ``outputs`` equal times)."""
    net = network(preset, gamma, cfg, current)
    fhn_current = net.populations[0].intrinsic.current
    count = outputs if outputs is not None else int(round(t_end / (dt * sample))) + 1
    times = np.linspace(0.0, t_end, count)
    ss = np.random.SeedSequence((cfg.seed, int(stream), int(seed)))
    run = simulate_particles(net, int(n), initial_particles(start, fhn_current, net.P), (0.0, t_end), dt,
                             seed=ss, t_eval=times, summary_only=True, threads=1)
    return dict(t=run.t, mean=run.mean, std=run.std, mean_w=run.mean_w, std_w=run.std_w,
                coupling=run.stats["coupling"], wall_time=run.stats["wall_time"])


def pde_run(net, grid: Grid2D, p0: np.ndarray, t_end: float, dt: float, t_eval):
    """The one Fokker–Planck solve of the study: ``solvers.solve`` on the physical (x, w) grid, TR-BDF2.

    Every PDE number of the study comes through here, so switching the runs at large γ to the
    desingularised two-variable frame (``solve(..., frame="auto")``, which follows the voltage
    spread σ/√(2γA) instead of resolving it on the physical grid) is a change of this function only.
    The physical grid resolves that spread only at moderate γ, which is why the study runs the PDE
    there and uses particles at large γ.
    """
    from solvers import solve
    return solve(net, grid, p0, (0.0, float(t_end)), dt=float(dt), t_eval=t_eval, method="trbdf2")


def warning_summary(caught) -> str:
    """The distinct warnings of a run as one line, "Category: message (×count) | ..." ("" for none); the
    study reports them in its tables instead of printing each one."""
    counts: dict[str, int] = {}
    for w in caught:
        text = f"{w.category.__name__}: {str(w.message).split(' at t=')[0]}"
        counts[text] = counts.get(text, 0) + 1
    return " | ".join(f"{text} (×{k})" for text, k in counts.items())


def pde_trace(preset: str, gamma: float, x_box: tuple, w_box: tuple, cells: tuple, start: tuple, t_end: float,
              dt: float, sample_dt: float, cfg: FhnConfig, frames: int = 0) -> dict:
    """Means and standard deviations of x and w of one PDE run every ``sample_dt``; with ``frames`` > 0
    also the density p (frames, P, nx, nw) at that many equal times (float32), for the animation."""
    net = network(preset, gamma, cfg)
    grid = Grid2D(Grid(*x_box, int(cells[0])), Grid(*w_box, int(cells[1])))
    p0 = initial_density(start, net.populations[0].intrinsic.current, grid)
    times = np.linspace(0.0, t_end, int(round(t_end / sample_dt)) + 1)
    frame_times = np.linspace(0.0, t_end, frames) if frames else np.empty(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = pde_run(net, grid, p0, t_end, dt, np.union1d(times, frame_times))
    keep = np.isin(sol.t, times)
    out = dict(t=sol.t[keep], mean=sol.mean()[keep], std=sol.std()[keep], mean_w=sol.mean_w()[keep],
               std_w=sol.std_w()[keep], wall_time=sol.stats["wall_time"], warnings=warning_summary(caught))
    if frames:
        pick = np.isin(sol.t, frame_times)
        out.update(frame_t=sol.t[pick], frames=sol.p[pick].astype(np.float32), x_box=np.array(x_box),
                   w_box=np.array(w_box))
    return out


# ------------------------------------------------------------------------------- F5: particles against the PDE
COMPARE_X = (-2.7, 2.7)
COMPARE_W = (-0.6, 1.8)
ONSET_X = (-3.1, 3.1)
ONSET_W = (-1.3, 2.45)
COMPARE_START = ("point", -1.0, 0.5, 0.2, 0.2)


def compare_grid(gamma: float, cfg: FhnConfig) -> Grid2D:
    """The F5 grid: x-cells of width σ/√(2γG)/``compare_cells_per_width``, ``compare_w_cells`` w-cells."""
    width = cfg.sigma / np.sqrt(2.0 * gamma)
    nx = int(np.ceil((COMPARE_X[1] - COMPARE_X[0]) * cfg.compare_cells_per_width / width))
    return Grid2D(Grid(*COMPARE_X, nx), Grid(*COMPARE_W, cfg.compare_w_cells))


def compare_reference(gamma: float, cfg: FhnConfig) -> dict:
    """The PDE law at ``compare_t``: its x- and w-marginals (and the grid's sizes, the run's warnings)."""
    net = network("fhn_electrical", gamma, cfg)
    grid = compare_grid(gamma, cfg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = pde_run(net, grid, initial_density(COMPARE_START, 0.5, grid), cfg.compare_t, cfg.compare_pde_dt,
                      [0.0, cfg.compare_t])
    return dict(gamma=gamma, nx=grid.x.nx, nw=grid.w.nx, px=grid.marginal_x(sol.p[-1, 0]),
                pw=grid.marginal_w(sol.p[-1, 0]), mean=float(sol.mean()[-1, 0]), std=float(sol.std()[-1, 0]),
                wall_time=sol.stats["wall_time"], warnings=warning_summary(caught))


def compare_task(gamma: float, n: int, seed: int, reference: dict, cfg: FhnConfig) -> dict:
    """n particles sampled from the PDE's initial density, run to ``compare_t``: W1 of both marginals."""
    net = network("fhn_electrical", gamma, cfg)
    grid = compare_grid(gamma, cfg)
    p0 = initial_density(COMPARE_START, 0.5, grid)
    ss = np.random.SeedSequence((cfg.seed, 5, int(round(100 * np.log10(gamma))), int(n), int(seed)))
    run = simulate_particles(net, int(n), (grid, p0), (0.0, cfg.compare_t), cfg.compare_dt, seed=ss,
                             t_eval=[0.0, cfg.compare_t], threads=1)
    return dict(gamma=gamma, n=int(n), seed=int(seed),
                w1_x=wasserstein1(grid.x, reference["px"], run.x[-1, 0]),
                w1_w=wasserstein1(grid.w, reference["pw"], run.w[-1, 0]),
                mean=float(run.mean[-1, 0]), pde_mean=reference["mean"], wall_time=run.stats["wall_time"])
