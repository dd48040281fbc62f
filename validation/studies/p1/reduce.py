"""The reduction of the P1 study: seed statistics, fitted slopes in n and the γ scan, as tables."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ...metrics.fits import fit_power
from .config import P1Config


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
        fit = fit_power(grp.n, grp.w1_x)
        slopes.append(dict(gamma=gamma, t=t, slope=fit.slope, slope_se=fit.slope_se, points=fit.points,
                           theory=-0.5))
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
