"""Study P1 (docs/theory/convergence.md): the finite-n network converges to the mean-field law as n → ∞.

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
  each law centred at its own mean (the desingularised frame of docs/theory/desingularised.md), where
  sampling error alone gives a γ-independent value.

Two phases of independent tasks (dicts) through :func:`validation.store.runner.run_tasks`:
one PDE reference per γ, then one particle run per (γ, n, seed). Outputs in
``<output>/p1/``: ``p1_runs.csv`` (every run and time), ``p1_slopes.csv``,
``p1_gamma.csv``, ``p1.nc`` (xarray, h5netcdf), figures ``p1_w1_vs_n`` and
``p1_gamma`` (PNG + PDF). Every file is written atomically.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...output import write_csv
from ...store import write_netcdf
from ...store.runner import run_tasks
from .config import FULL, P1Config
from .outputs import figures, summary_table
from .reduce import reduce, to_dataset
from .tasks import particle_points, particle_task, pde_task


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
        folder = Path(output) / "p1"
        folder.mkdir(parents=True, exist_ok=True)
        res.files += [write_csv(folder / "p1_runs.csv", runs, "%.8g"),
                      write_csv(folder / "p1_slopes.csv", slopes, "%.8g"),
                      write_csv(folder / "p1_gamma.csv", scan, "%.8g"),
                      write_netcdf(to_dataset(runs, slopes, cfg), folder / "p1.nc")]
        res.files += figures(stats, slopes, scan, cfg, folder)
    return res
