"""``fokker-balance report RESULTS_DIR``: figures and a Markdown report from a stored study.

RESULTS_DIR is a study folder (``<output>/<study name>``, merged on read) or its
merged ``.nc`` file. Figures (PNG + PDF): the measured quantities over time for every
point (seed-averaged); with several n and W1 measured, W1 at the final time against n
on log–log axes with the fitted slope and the predicted n^(-1/2) line (docs/theory/convergence.md,
P1); with several γ, √γ·std at the final time against γ (P2). ``report.md`` lists the
configuration, package versions, fitted slopes and a table of final-time values.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from ...output import Section, markdown_table, pyplot, save_figure, write_report

if TYPE_CHECKING:                   # xarray, the metrics and the store are imported where used: the parser stays light
    import xarray as xr


HELP = "make figures and a Markdown report from stored study results"

POINT_AXES = ("gamma", "n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS_DIR", help="a study folder or its merged .nc file")
    parser.add_argument("--output", metavar="DIR", default=None,
                        help="folder for figures and report.md (default: RESULTS_DIR/report)")


def seed_stats(da: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Mean over seeds and its standard error (0 with a single seed)."""
    import xarray as xr
    if "seed" not in da.dims:
        return da, xr.zeros_like(da)
    k = da.sizes["seed"]
    err = da.std("seed", ddof=1) / np.sqrt(k) if k > 1 else xr.zeros_like(da.isel(seed=0))
    return da.mean("seed"), err


def _points(ds: xr.Dataset):
    axes = [a for a in POINT_AXES if a in ds.dims]
    grids = np.meshgrid(*[ds[a].values for a in axes], indexing="ij") if axes else []
    for values in zip(*[g.ravel() for g in grids]) if axes else [()]:
        yield dict(zip(axes, values))


def time_series_figure(ds: xr.Dataset, out: Path) -> list[Path]:
    plt = pyplot()
    names = [v for v in ("mean", "std", "w1", "balance_voltage") if v in ds]
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        for point in _points(ds):
            mean, err = seed_stats(ds[name].sel(point))
            for pop in mean["population"].values:
                m, e = mean.sel(population=pop), err.sel(population=pop)
                label = ", ".join(f"{k}={v:g}" for k, v in point.items()) + f" [{pop}]"
                line, = ax.plot(ds["t"], m, label=label)
                ax.fill_between(ds["t"], m - e, m + e, color=line.get_color(), alpha=0.2)
        ax.set_xlabel("t")
        ax.set_ylabel(name)
        if name in ("std", "w1"):
            ax.set_yscale("log")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("seed-averaged measurements over time (bands: standard error)")
    return save_figure(fig, out / "time_series")


def final_value_figure(final: xr.DataArray, axis: str, ylabel: str, stem: str, out: Path,
                       predicted: float | None) -> tuple[list[Path], dict]:
    """Seed-averaged final-time values against ``axis`` (log–log) with fitted slopes, per other point
    and population; ``predicted`` draws the predicted slope through the first point."""
    from ...metrics.fits import try_fit_power
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    mean, err = seed_stats(final)
    others = [a for a in POINT_AXES if a in mean.dims and a != axis]
    slopes = {}
    x = mean[axis].values.astype(float)
    for point in _points(mean.isel({axis: 0}, drop=True).to_dataset(name="v")) if others else [{}]:
        for pop in mean["population"].values:
            sel = {**point, "population": pop}
            y, e = mean.sel(sel).values, err.sel(sel).values
            label = ", ".join(f"{k}={v:g}" for k, v in point.items()) + f" [{pop}]"
            fit = try_fit_power(x, y)
            slope = float("nan") if fit is None else fit.slope
            slopes[label] = slope
            ax.errorbar(x, y, yerr=e, marker="o", capsize=3, label=f"{label}: slope {slope:.3f}")
            if predicted is not None and np.all(np.isfinite(y)) and y[0] > 0:
                ax.plot(x, y[0] * (x / x[0]) ** predicted, ls="--", color="gray")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(axis)
    ax.set_ylabel(ylabel)
    if predicted is not None:
        ax.plot([], [], ls="--", color="gray", label=f"predicted slope {predicted:g}")
    ax.legend(fontsize=7)
    return save_figure(fig, out / stem), slopes


def width_limit(ds: xr.Dataset) -> np.ndarray | None:
    """σ_α / √(2 Ā_α) at the unique stable balance point (docs/theory/convergence.md, P2), or None if not defined."""
    from ...config import loads
    net = loads(ds.attrs["config"]).network()
    if np.any(net.is_external):
        return None
    stable = [bp for bp in net.balance() if bp.stable]
    return net.sigma / np.sqrt(2.0 * stable[0].conductance) if len(stable) == 1 else None


def sections(ds: xr.Dataset, figures: list[Path], slopes: dict) -> tuple[str, list[Section]]:
    """The title and sections of the study report (written by :func:`validation.output.write_report`)."""
    dims = ", ".join(f"{a} = {list(np.atleast_1d(ds[a].values).tolist())}" for a in ("gamma", "n", "seed") if a in ds.dims)
    out = [Section("Points", f"Points: {ds.attrs.get('points', '?')} ({dims}); output times: {ds.sizes['t']} in "
                             f"[{float(ds['t'][0]):g}, {float(ds['t'][-1]):g}].")]
    if slopes:
        rows = [{"quantity": q, "series": s, "slope": v} for q, series in slopes.items() for s, v in series.items()]
        out.append(Section("Fitted log-log slopes", tables=[markdown_table(rows)]))
    variables = [v for v in ("mean", "std", "w1", "balance_voltage") if v in ds]
    rows = []
    for point in _points(ds):
        for pop in ds["population"].values:
            row = {"point": ", ".join(f"{k}={v:g}" for k, v in point.items()) or "-", "population": pop}
            for v in variables:
                m, e = seed_stats(ds[v].isel(t=-1).sel({**point, "population": pop}))
                row[v] = f"{float(m):.6g} ± {float(e):.2g}"
            rows.append(row)
    out.append(Section("Final-time values (seed mean ± standard error)", tables=[markdown_table(rows)]))
    out.append(Section("Figures", figures=figures))
    versions = json.loads(ds.attrs.get("versions", "{}"))
    out.append(Section("Reproducibility", (
        f"Configuration hash `{ds.attrs.get('config_hash', '?')}`; seeds {ds.attrs.get('seeds', '[]')}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".\n\n```toml\n"
        + ds.attrs.get("config", "").strip() + "\n```")))
    return f"Study `{ds.attrs.get('study', '?')}`", out


def run(args: argparse.Namespace) -> int:
    results = Path(args.results)
    import xarray as xr

    from ...store import open_study
    ds = open_study(results)
    base = results if results.is_dir() else results.parent
    out = Path(args.output) if args.output else base / "report"
    out.mkdir(parents=True, exist_ok=True)
    figures = time_series_figure(ds, out)
    slopes = {}
    t_end = f"t = {float(ds['t'][-1]):g}"
    if "w1" in ds and ds.sizes.get("n", 1) > 1:
        paths, slopes["W1 vs n (final time)"] = final_value_figure(
            ds["w1"].isel(t=-1), "n", f"W1 at {t_end}", "w1_vs_n", out, predicted=-0.5)
        figures += paths
    if "std" in ds and ds.sizes.get("gamma", 1) > 1:
        scaled = ds["std"].isel(t=-1) * np.sqrt(ds["gamma"])
        paths, slopes["sqrt(gamma) std vs gamma (final time)"] = final_value_figure(
            scaled, "gamma", rf"$\sqrt{{\gamma}}$ std at {t_end}", "std_vs_gamma", out, predicted=None)
        figures += paths
        limit = width_limit(ds)
        if limit is not None:
            error = abs(scaled - xr.DataArray(limit, coords={"population": ds["population"]}, dims="population"))
            key = "abs(sqrt(gamma) std - sigma/sqrt(2 Abar)) vs gamma (final time)"
            paths, slopes[key] = final_value_figure(
                error, "gamma", rf"$|\sqrt{{\gamma}}$ std $- \sigma/\sqrt{{2\bar A}}|$ at {t_end}",
                "std_error_vs_gamma", out, predicted=-1.0)
            figures += paths
    title, parts = sections(ds, figures, slopes)
    report = write_report(out / "report.md", title, parts)
    for path in [report, *figures]:
        print(f"wrote {path}")
    return 0
