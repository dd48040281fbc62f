"""The tasks of the P1 study: one Fokker–Planck reference per γ, one particle run per (γ, n, seed).

Each task takes plain arguments and the study's :class:`~.config.P1Config` and returns a dict,
so it runs in-process or on any Dask worker.
"""
from __future__ import annotations

import math

import numpy as np

from fokker import Grid, presets

from ...metrics import ks_distance, wasserstein1
from ...particles import simulate_particles
from .config import P1Config


def reference_grid(gamma: float, cfg: P1Config) -> Grid:
    """A grid resolving w = σ / sqrt(2 (g + γ Ā)) with ``cells_per_width`` cells, covering the density."""
    net = presets.ei_single(gamma)
    stable = [b for b in net.balance() if b.stable] or net.balance()
    xbar, Abar = float(stable[0].voltage[0]), float(stable[0].conductance[0])
    pop = net.populations[0]
    width = pop.sigma / math.sqrt(2.0 * (pop.intrinsic.rate + gamma * Abar))
    lower = min(xbar - cfg.widths * width, cfg.mu0 - 6.0 * cfg.s0)
    upper = max(xbar + cfg.widths * width, cfg.mu0 + 6.0 * cfg.s0)
    return Grid(lower, upper, int(math.ceil((upper - lower) * cfg.cells_per_width / width)))


def pde_task(gamma: float, cfg: P1Config) -> dict:
    """The Fokker–Planck reference p_γ(t) at the output times on :func:`reference_grid`."""
    from solvers import solve
    grid = reference_grid(gamma, cfg)
    sol = solve(presets.ei_single(gamma), grid, grid.gaussian(cfg.mu0, cfg.s0), (0.0, max(cfg.t_eval)),
                dt=cfg.pde_dt, t_eval=list(cfg.t_eval), method="bdf2")
    return dict(gamma=gamma, lower=grid.lower, upper=grid.upper, nx=grid.nx, p=sol.p[:, 0],
                mean=sol.mean()[:, 0], std=sol.std()[:, 0], wall_time=sol.stats["wall_time"])


def rescaled(grid: Grid, density: np.ndarray, samples: np.ndarray, gamma: float, pde_mean: float):
    """Both laws in y = √γ (x − own mean): (grid_y, q, y_samples), q = p / √γ."""
    root = math.sqrt(gamma)
    grid_y = Grid(root * (grid.lower - pde_mean), root * (grid.upper - pde_mean), grid.nx)
    return grid_y, density / root, root * (samples - samples.mean())


def particle_task(gamma: float, n: int, seed: int, reference: dict, cfg: P1Config) -> dict:
    """One particle run against the reference: per output time W1 (x and y), KS, mean, std."""
    grid = Grid(reference["lower"], reference["upper"], reference["nx"])
    p0 = grid.gaussian(cfg.mu0, cfg.s0)
    ss = np.random.SeedSequence((cfg.seed, int(round(1000 * math.log10(gamma))) + 10_000, n, seed))
    run = simulate_particles(presets.ei_single(gamma), n, (grid, p0), (0.0, max(cfg.t_eval)), cfg.dt,
                             seed=ss, t_eval=list(cfg.t_eval), threads=cfg.threads)
    rows = []
    for i, t in enumerate(run.t):
        x = run.x[i, 0]
        p = reference["p"][i]
        grid_y, q, y = rescaled(grid, p, x, gamma, reference["mean"][i])
        rows.append(dict(gamma=gamma, n=n, seed=seed, t=float(t), w1_x=wasserstein1(grid, p, x),
                         w1_y=wasserstein1(grid_y, q, y), ks=ks_distance(grid, p, x),
                         mean=float(run.mean[i, 0]), std=float(run.std[i, 0]),
                         pde_mean=float(reference["mean"][i]), pde_std=float(reference["std"][i]),
                         wall_time=run.stats["wall_time"]))
    return dict(rows=rows)


def particle_points(cfg: P1Config) -> list[tuple[float, int, int]]:
    """(γ, n, seed) of every particle run: the P1 grid plus the γ scan at the largest n."""
    points = {(g, n, s) for g in cfg.gammas for n in cfg.ns
              for s in range(cfg.seeds_largest if n == cfg.n_max else cfg.seeds)}
    points |= {(g, cfg.n_max, s) for g in cfg.scan_gammas for s in range(cfg.seeds_largest)}
    return sorted(points, key=lambda p: (p[1], p[0], p[2]))
