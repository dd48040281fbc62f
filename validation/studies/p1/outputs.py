"""Files of the P1 study: CSV tables, NetCDF, figures (PNG + PDF), the printed summary, the report section."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...output import Section, markdown_table, pyplot, save_figure
from .config import P1Config


def figures(stats, slopes, scan, cfg: P1Config, folder: Path) -> list[Path]:
    """W1 against n per time (log–log, error bars, slope −1/2 lines) and the γ scan in x and y."""
    plt = pyplot()
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


def report_section(folder: Path) -> Section:
    """The P1 section of a Markdown report, from the files of a finished run in ``folder``."""
    import pandas as pd
    slopes = pd.read_csv(folder / "p1_slopes.csv")
    scan = pd.read_csv(folder / "p1_gamma.csv")
    return Section(
        "P1: particles against the Fokker–Planck solution",
        "W1 distance between the empirical law of n particles and the mean-field density at fixed γ "
        "(theory: slope −1/2 in n), and across γ at the largest n in x and in y = √γ (x − mean) "
        f"(data: `{folder.name}/`).",
        figures=[folder / "p1_w1_vs_n.png", folder / "p1_gamma.png"],
        tables=[markdown_table(slopes), markdown_table(scan)])
