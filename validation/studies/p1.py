"""Study P1 (model.md §5): the finite-n network converges to the mean-field law as n → ∞.

Prediction: at fixed γ, W1(empirical law of the n particles at time t, p_γ(t)) = O(n^(−1/2)).

Set-up (``ei_single``, σ = 0.5): initial density N(μ0, s0²) as cell averages on the
reference grid; the particles are sampled from exactly that grid density and run with
the exact-OU step (:mod:`validation.particles`); the Fokker–Planck reference is
``solvers.solve`` (BDF2) on a grid that resolves the width w = σ / sqrt(2 (g + γ Ā))
with ``cells_per_width`` cells and covers x̄ ± ``widths``·w and μ0 ± 6 s0.

Measured, at every output time:
- W1 in x between each particle run (γ, n, seed) and p_γ(t); the seed-mean and its
  standard error; the least-squares slope of log W1 against log n per (γ, t) (theory −1/2);
- across γ at the largest n: W1 in x and W1 in the rescaled variable y = √γ (x − mean),
  each law centred at its own mean (the desingularised frame of model.md §4), where
  sampling error alone gives a γ-independent value.

Two phases of independent tasks (dicts) through :func:`validation.runner.run_tasks`:
one PDE reference per γ, then one particle run per (γ, n, seed). Outputs in
``<output>/p1/``: ``p1_runs.csv`` (every run and time), ``p1_slopes.csv``,
``p1_gamma.csv``, ``p1.nc`` (xarray, h5netcdf), figures ``p1_w1_vs_n`` and
``p1_gamma`` (PNG + PDF). Every file is written atomically.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from fokker import Grid, presets

from ..atomic import atomic_write, save_figure
from ..metrics import ks_distance, wasserstein1
from ..particles import simulate_particles
from ..runner import run_tasks


@dataclass(frozen=True)
class P1Config:
    """Parameters of the P1 study (see the module docstring)."""

    gammas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)
    ns: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    seeds: int = 8
    seeds_largest: int = 4                       # seeds at the largest n (the expensive runs)
    scan_gammas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0, 10_000.0)
    t_eval: tuple[float, ...] = (0.25, 0.5, 1.0)
    dt: float = 1e-3                             # particle step
    pde_dt: float = 1e-3
    mu0: float = -0.2
    s0: float = 0.2
    cells_per_width: float = 40.0
    widths: float = 10.0
    seed: int = 20261123
    threads: int | None = None

    @property
    def n_max(self) -> int:
        return max(self.ns)


FULL = P1Config()
QUICK = P1Config(ns=(1_000, 10_000, 100_000), seeds=3, seeds_largest=3, cells_per_width=20.0)


# ------------------------------------------------------------------------------------- tasks
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


# ------------------------------------------------------------------------------------- reduction
def fit_slope(n: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of log w against log n and its standard error (NaN with < 3 points)."""
    lx, ly = np.log(np.asarray(n, dtype=float)), np.log(np.asarray(w, dtype=float))
    if lx.size < 2:
        return float("nan"), float("nan")
    dx = lx - lx.mean()
    sxx = float(dx @ dx)
    slope = float(dx @ (ly - ly.mean()) / sxx)
    if lx.size < 3:
        return slope, float("nan")
    resid = ly - ly.mean() - slope * dx
    return slope, math.sqrt(float(resid @ resid) / (lx.size - 2) / sxx)


def summarise(runs):
    """Seed means and standard errors of W1 (x and y) and KS per (γ, n, t)."""
    return (runs.groupby(["gamma", "n", "t"])
             .agg(w1_x=("w1_x", "mean"), w1_x_se=("w1_x", "sem"), w1_y=("w1_y", "mean"),
                  w1_y_se=("w1_y", "sem"), ks=("ks", "mean"), seeds=("seed", "count"),
                  std=("std", "mean"), pde_std=("pde_std", "first"))
             .reset_index())


def reduce(runs, cfg: P1Config):
    """(stats, slopes, scan) DataFrames from the per-run rows."""
    import pandas as pd
    stats = summarise(runs)
    slopes = []
    for (gamma, t), grp in stats[stats.gamma.isin(cfg.gammas)].groupby(["gamma", "t"]):
        grp = grp.sort_values("n")
        slope, se = fit_slope(grp.n, grp.w1_x)
        slopes.append(dict(gamma=gamma, t=t, slope=slope, slope_se=se, points=len(grp), theory=-0.5))
    scan = stats[(stats.n == cfg.n_max) & stats.gamma.isin(cfg.scan_gammas)].copy()
    scan["sqrt_gamma_std"] = np.sqrt(scan.gamma) * scan["std"]
    scan["sqrt_gamma_pde_std"] = np.sqrt(scan.gamma) * scan["pde_std"]
    return stats, pd.DataFrame(slopes), scan.reset_index(drop=True)


def to_dataset(runs, slopes, cfg: P1Config):
    """An xarray Dataset: W1/KS per (gamma, n, seed, t) (NaN where not run) and the slopes."""
    import xarray as xr
    cube = runs.set_index(["gamma", "n", "seed", "t"])[["w1_x", "w1_y", "ks", "mean", "std"]].to_xarray()
    sl = slopes.set_index(["gamma", "t"])[["slope", "slope_se"]].to_xarray()
    ds = xr.merge([cube, sl.rename(gamma="gamma_p1")])
    ds.attrs.update({f"config_{k}": (str(v) if v is None or isinstance(v, tuple) else v)
                     for k, v in asdict(cfg).items()})
    ds.attrs["description"] = "P1: W1(empirical law of n particles, Fokker-Planck p_gamma(t)), ei_single"
    return ds


# ------------------------------------------------------------------------------------- output
def figures(stats, slopes, scan, cfg: P1Config, folder: Path) -> list[Path]:
    """W1 against n per time (log–log, error bars, slope −1/2 lines) and the γ scan in x and y."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    times = sorted(stats.t.unique())
    fig, axes = plt.subplots(1, len(times), figsize=(4.2 * len(times), 3.6), sharey=True, squeeze=False)
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(cfg.gammas)))
    for ax, t in zip(axes[0], times):
        for c, gamma in zip(colours, cfg.gammas):
            grp = stats[(stats.gamma == gamma) & (stats.t == t)].sort_values("n")
            if grp.empty:
                continue
            row = slopes[(slopes.gamma == gamma) & (slopes.t == t)]
            label = f"γ = {gamma:g}: slope {row.slope.iloc[0]:+.3f}" if len(row) else f"γ = {gamma:g}"
            ax.errorbar(grp.n, grp.w1_x, yerr=grp.w1_x_se.fillna(0), fmt="o-", color=c, capsize=3, label=label)
            anchor = np.exp(np.mean(np.log(grp.w1_x) + 0.5 * np.log(grp.n)))
            ax.plot(grp.n, anchor * grp.n ** -0.5, "--", color=c, lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("neurons n")
        ax.set_title(f"t = {t:g}  (dashed: theory n^(-1/2))", fontsize=9)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("W1(particles, Fokker-Planck) in x")
    fig.suptitle("P1: ei_single, W1 against n (mean ± s.e. over seeds)", fontsize=10)
    out = save_figure(fig, folder / "p1_w1_vs_n")

    t_last = max(times)
    s = scan[scan.t == t_last].sort_values("gamma")
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    ax.errorbar(s.gamma, s.w1_x, yerr=s.w1_x_se.fillna(0), fmt="o-", capsize=3, label="W1 in x")
    ax.errorbar(s.gamma, s.w1_y, yerr=s.w1_y_se.fillna(0), fmt="s-", capsize=3, label="W1 in y = √γ (x − mean)")
    if len(s):
        ax.plot(s.gamma, s.w1_x.iloc[0] * (s.gamma / s.gamma.iloc[0]) ** -0.5, "k--", lw=0.8,
                label="theory γ^(-1/2) (x)")
        ax.plot(s.gamma, np.full(len(s), s.w1_y.mean()), "k:", lw=0.8, label="theory: flat (y)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("coupling scale γ")
    ax.set_ylabel(f"W1(particles, Fokker-Planck) at t = {t_last:g}")
    ax.set_title(f"particles (n = {cfg.n_max:g}) against Fokker-Planck across γ", fontsize=10)
    ax.legend(fontsize=7)
    out += save_figure(fig, folder / "p1_gamma")
    return out


def _write_csv(df, path: Path) -> Path:
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.8g"))


def summary_table(slopes, scan) -> str:
    """The printed summary: slopes per (γ, t) and the γ scan at the largest n."""
    lines = ["P1 — fitted slope of log W1 against log n (theory −0.5)",
             f"{'gamma':>8} {'t':>6} {'slope':>8} {'± s.e.':>8} {'points':>6}"]
    for r in slopes.itertuples():
        lines.append(f"{r.gamma:>8g} {r.t:>6g} {r.slope:>8.3f} {r.slope_se:>8.3f} {r.points:>6d}")
    lines += ["", "Particles against Fokker–Planck across γ at the largest n",
              f"{'gamma':>8} {'t':>6} {'n':>8} {'W1_x':>10} {'± s.e.':>9} {'W1_y':>10} {'± s.e.':>9} "
              f"{'√γ std':>8} {'√γ std PDE':>10}"]
    for r in scan.sort_values(["t", "gamma"]).itertuples():
        lines.append(f"{r.gamma:>8g} {r.t:>6g} {r.n:>8d} {r.w1_x:>10.3e} {r.w1_x_se:>9.1e} {r.w1_y:>10.3e} "
                     f"{r.w1_y_se:>9.1e} {r.sqrt_gamma_std:>8.5f} {r.sqrt_gamma_pde_std:>10.5f}")
    return "\n".join(lines)


@dataclass
class P1Result:
    """The study's tables (pandas DataFrames), written files and printable summary."""

    runs: object
    stats: object
    slopes: object
    scan: object
    files: list[Path] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return summary_table(self.slopes, self.scan)


def run_p1(cfg: P1Config = FULL, output: str | Path | None = "results", *, progress: bool = True) -> P1Result:
    """Run the P1 study; with ``output`` write CSV, NetCDF and figures under ``<output>/p1``."""
    import pandas as pd
    gammas = sorted(set(cfg.gammas) | set(cfg.scan_gammas))
    refs = run_tasks(pde_task, [dict(gamma=g, cfg=cfg) for g in gammas], progress=progress,
                     desc="P1 Fokker-Planck references")
    by_gamma = {r["gamma"]: r for r in refs}
    tasks = [dict(gamma=g, n=n, seed=s, reference=by_gamma[g], cfg=cfg) for g, n, s in particle_points(cfg)]
    results = run_tasks(particle_task, tasks, progress=progress, desc="P1 particle runs")
    runs = pd.DataFrame([row for r in results for row in r["rows"]])
    stats, slopes, scan = reduce(runs, cfg)
    res = P1Result(runs=runs, stats=stats, slopes=slopes, scan=scan)
    if output is not None:
        from ..store import write_netcdf
        folder = Path(output) / "p1"
        folder.mkdir(parents=True, exist_ok=True)
        res.files += [_write_csv(runs, folder / "p1_runs.csv"), _write_csv(slopes, folder / "p1_slopes.csv"),
                      _write_csv(scan, folder / "p1_gamma.csv"),
                      write_netcdf(to_dataset(runs, slopes, cfg), folder / "p1.nc")]
        res.files += figures(stats, slopes, scan, cfg, folder)
    return res


def quick_config(**changes) -> P1Config:
    """The ``--quick`` configuration with optional changes."""
    return replace(QUICK, **changes)
