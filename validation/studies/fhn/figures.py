"""Figures of the FitzHugh–Nagumo study (PNG + PDF): every panel with its theory line and fitted slope ± s.e."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...metrics.fits import fit_inverse_limit, fit_line, try_fit_power
from ...output import loglog_fit, plain_log_scale, pyplot, save_figure
from .config import FhnConfig
from .reduce import ONSET_CAP, onset_points
from .tasks import uncoupled_cycle


def _fit_above(x, y, fit_min: float):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = x >= fit_min
    return try_fit_power(x[keep], y[keep])


def _finish(ax, xlabel: str, ylabel: str, title: str, log: bool = True) -> None:
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)


def _cycle(ax, current: float = 0.5, color: str = "k", alpha: float = 0.3) -> None:
    lc = uncoupled_cycle(current)
    ax.plot(lc.x, lc.w, "-", color=color, lw=2.5 if color == "k" else 1.0, alpha=alpha, label="ODE limit cycle")


KNEE = ((-2.02, -1.72), (1.05, 1.42))
"""The zoomed box of the F2 phase plane: the upper-left knee of the cycle, where the orbits separate most."""


def period_figure(df, traces, cfg: FhnConfig, folder: Path) -> list[Path]:
    """F2: period error, width ratio, and the mean trajectory against the ODE cycle."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), layout="constrained")
    data = df[~df.reference]
    loglog_fit(axes[0], data.gamma, data.error_ref.abs(), _fit_above(data.gamma, data.error_ref.abs(),
                                                                      cfg.period_fit_min), -1.0,
               label="|T_γ − T_ref|", theory_label="theory slope −1")
    axes[0].plot(data.gamma, data.error_ode.abs(), "s", ms=4, mfc="none", label="|T_γ − T_ODE| (incl. dt, finite n)")
    axes[0].plot(data.gamma, data.predicted_error.abs(), "k:", label="theory |T(⟨f⟩ over N(μ, σ²/2γG)) − T_ODE|")
    _finish(axes[0], "coupling scale γ", "period error", f"F2: period of the mean voltage\nT_ODE = "
                                                          f"{df.ode_period.iloc[0]:.4f}")
    limit = fit_inverse_limit(data.gamma[data.gamma >= cfg.period_fit_min], data.std_ratio[data.gamma >= cfg.period_fit_min])
    axes[1].plot(data.gamma, data.std_ratio, "o-", ms=4, label="measured (period average)")
    gs = np.geomspace(data.gamma.min(), data.gamma.max(), 50)
    axes[1].plot(gs, limit(1.0 / gs), "-", lw=0.8,
                 label=f"fit L + C/γ: L = {limit.intercept:.4f} ± {limit.intercept_se:.1g}, C = {limit.slope:.3f}")
    axes[1].plot(gs, 1.0 + df.fx_cycle.iloc[0] / (2.0 * gs), "k:",
                 label=f"theory 1 + ⟨f_x⟩/(2γG), ⟨f_x⟩ = {df.fx_cycle.iloc[0]:.3f} (ODE cycle)")
    _finish(axes[1], "coupling scale γ", "√(2γG)·std(x)/σ", "F2: width of the synchronised population")
    _cycle(axes[2])
    inset = axes[2].inset_axes([0.3, 0.3, 0.4, 0.4])
    _cycle(inset)
    for r in traces[:-1]:
        t, per = r["t"], df.period[df.gamma == r["gamma"]].iloc[0]
        last = t >= t[-1] - per
        for ax in (axes[2], inset):
            ax.plot(r["mean"][last, 0], r["mean_w"][last, 0], lw=0.9, label=f"mean, γ = {r['gamma']:g}")
    inset.set_xlim(*KNEE[0])
    inset.set_ylim(*KNEE[1])
    inset.tick_params(labelsize=6)
    axes[2].indicate_inset_zoom(inset, edgecolor="gray")
    dist = _fit_above(data.gamma, data.cycle_distance_ref, cfg.period_fit_min)
    _finish(axes[2], "voltage x", "recovery w", "F2: mean orbit (last period, zoom: a knee); distance to γ_ref's\n"
                                                f"orbit: {dist.label(-1.0) if dist else 'n/a'}", log=False)
    axes[2].legend(fontsize=6, loc="lower right")
    return save_figure(fig, folder / "fhn_period")


def rest_figure(df, traces, cfg: FhnConfig, folder: Path) -> list[Path]:
    """F3: offset of the time-averaged mean from the rest point, and the approach in the phase plane."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    data = df[~df.reference]
    loglog_fit(axes[0], data.gamma, data.offset_ref, _fit_above(data.gamma, data.offset_ref, cfg.rest_fit_min), -1.0,
               label="|mean_γ − mean_ref|", theory_label="theory slope −1")
    axes[0].plot(data.gamma, data.offset, "s", ms=4, mfc="none", label="|mean_γ − rest point|")
    axes[0].plot(data.gamma, data.predicted_offset, "k:", label="theory (⟨f⟩ over N(μ, σ²/2γG))")
    _finish(axes[0], "coupling scale γ", "offset", f"F3: clamping at the rest point (I = {cfg.rest_current:g})")
    for r in traces[:: max(1, len(traces) // 3)]:
        axes[1].plot(r["mean"][:, 0], r["mean_w"][:, 0], lw=0.9, label=f"mean, γ = {r['gamma']:g}")
    axes[1].plot(df.rest_x.iloc[0], df.rest_w.iloc[0], "k*", ms=10, label="ODE rest point")
    _finish(axes[1], "voltage x", "recovery w", "F3: mean trajectories", log=False)
    return save_figure(fig, folder / "fhn_rest")


def chemical_figure(df, traces, cfg: FhnConfig, folder: Path) -> list[Path]:
    """F4: clamping error, width, and the slow relaxation of the recovery."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), layout="constrained")
    loglog_fit(axes[0], df.gamma, df.clamp_error, _fit_above(df.gamma, df.clamp_error, cfg.chemical_fit_min), -1.0,
               label="|μ − x̄|", theory_label="theory slope −1")
    _finish(axes[0], "coupling scale γ", "|μ − x̄| (time average)", f"F4: clamping at x̄ = {df.xbar.iloc[0]:.5f}")
    sel = df.gamma >= cfg.chemical_fit_min
    limit = fit_inverse_limit(df.gamma[sel], df.sqrt_gamma_std[sel])
    axes[1].plot(df.gamma, df.sqrt_gamma_std, "o-", ms=4, label="measured")
    gs = np.geomspace(df.gamma.min(), df.gamma.max(), 50)
    axes[1].plot(gs, limit(1.0 / gs), "-", lw=0.8, label=f"fit L + C/γ: L = {limit.intercept:.4f} ± "
                                                         f"{limit.intercept_se:.1g}")
    axes[1].axhline(df.predicted_width.iloc[0], color="k", ls=":", label="theory σ/√(2Ā)")
    _finish(axes[1], "coupling scale γ", "√γ·std(x)", "F4: width")
    for r in traces:
        gap = np.abs(r["mean_w"][:, 0] - df.w_target.iloc[0])
        axes[2].semilogy(r["t"], np.maximum(gap, 1e-12), lw=0.9, label=f"γ = {r['gamma']:g}")
    t = traces[-1]["t"]
    w0 = abs(traces[-1]["mean_w"][0, 0] - df.w_target.iloc[0])
    cb = _recovery_rate(cfg)
    axes[2].semilogy(t, w0 * np.exp(-cb * t), "k:", label=f"theory e^(−c b t), c b = {cb:g}")
    axes[2].set_ylim(bottom=max(1e-7, float(np.abs(df.w_error).min()) / 10))
    _finish(axes[2], "time t", "|w̄(t) − (x̄ + a)/b|", "F4: recovery relaxing to (x̄ + a)/b", log=False)
    return save_figure(fig, folder / "fhn_chemical")


def _recovery_rate(cfg: FhnConfig) -> float:
    from .tasks import network
    return network("fhn_chemical", 1.0, cfg).populations[0].intrinsic.recovery_rate


def compare_figure(stats, cfg: FhnConfig, folder: Path) -> list[Path]:
    """F5: W1 of both marginals against n at fixed γ and across γ."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    at = stats[stats.gamma == cfg.compare_gamma].sort_values("n")
    for col, marker in (("w1_x", "o"), ("w1_w", "s")):
        loglog_fit(axes[0], at.n, at[col], try_fit_power(at.n, at[col]), -0.5, label=col, marker=marker,
                   theory_label=f"theory slope −1/2 ({col})")
        axes[0].errorbar(at.n, at[col], yerr=at[col + "_se"].fillna(0), fmt="none", capsize=2, color="gray")
    _finish(axes[0], "neurons n", "W1(particles, PDE)", f"F5: γ = {cfg.compare_gamma:g}, t = {cfg.compare_t:g}")
    across = stats[stats.n == cfg.compare_n_across].sort_values("gamma")
    for col, marker in (("w1_x", "o"), ("w1_w", "s")):
        axes[1].errorbar(across.gamma, across[col], yerr=across[col + "_se"].fillna(0), fmt=marker + "-", ms=4,
                         capsize=2, label=col)
    if len(across):
        g0, w0 = across.gamma.iloc[0], across.w1_x.iloc[0]
        axes[1].plot(across.gamma, w0 * (across.gamma / g0) ** -0.5, "k:", label="sampling error of x: ∝ γ^(-1/2)")
    axes[1].set_yscale("log")
    _finish(axes[1], "coupling scale γ", "W1(particles, PDE)", f"F5: across γ at n = {cfg.compare_n_across}")
    plain_log_scale(axes[1], "x")
    return save_figure(fig, folder / "fhn_particles")


def onset_figure(pde_df, part_df, traces, summary, cfg: FhnConfig, folder: Path) -> list[Path]:
    """F6: amplitude against γ (PDE and particles), growth rates and the onset, the PDE mean voltages."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), layout="constrained")
    axes[0].plot(pde_df.gamma, pde_df.amplitude, "o-", label="PDE")
    axes[0].errorbar(part_df.gamma, part_df.amplitude, yerr=part_df.amplitude_se.fillna(0), fmt="s--", capsize=2,
                     label=f"particles (n = {cfg.onset_n})")
    ok = onset_points(pde_df)
    for ax in axes[:2]:
        for _, row in summary.iterrows():
            if np.isfinite(row.fitted):
                what = "PDE" if "PDE" in row.quantity else "particles"
                ax.axvline(row.fitted, color="C0" if what == "PDE" else "C1", ls=":", lw=1)
                ax.axvspan(row.fitted - row.fitted_se, row.fitted + row.fitted_se, color="C0" if what == "PDE"
                           else "C1", alpha=0.15, label=f"γ_c {what} = {row.fitted:.4f} ± {row.fitted_se:.2g}")
    _finish(axes[0], "coupling scale γ", "amplitude √2·std(mean x), late window", "F6: onset of synchrony", log=False)
    axes[1].errorbar(pde_df.gamma, pde_df.growth, yerr=pde_df.growth_se, fmt="o", mfc="none", capsize=2,
                     label="PDE growth rate")
    axes[1].plot(ok.gamma, ok.growth, "o", color="C0", label="used in the fit (near onset)")
    if len(ok) >= 3:
        line = fit_line(ok.gamma, ok.growth)
        gs = np.linspace(ok.gamma.min(), ok.gamma.max(), 20)
        axes[1].plot(gs, line(gs), "-", lw=0.8, label=f"fit: slope {line.slope:.3g} ± {line.slope_se:.1g}")
    axes[1].axhline(0.0, color="k", ls=":", lw=0.8, label="theory: rate 0 at γ_c")
    _finish(axes[1], "coupling scale γ", "growth rate of the mean's oscillation",
            f"F6: rate from windows before amplitude {ONSET_CAP:g}", log=False)
    for r in traces:
        axes[2].plot(r["t"], r["mean"][:, 0], lw=0.7, label=f"PDE γ = {r['gamma']:g}")
    _finish(axes[2], "time t", "mean voltage", "F6: mean voltage (PDE)", log=False)
    return save_figure(fig, folder / "fhn_onset")


def pair_figure(df, cfg: FhnConfig, folder: Path) -> list[Path]:
    """fhn_pair: clamping per population, oscillation amplitude and E–I voltage gap, width."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), layout="constrained")
    for name, grp in df.groupby("population"):
        loglog_fit(axes[0], grp.gamma, grp.clamp_error, _fit_above(grp.gamma, grp.clamp_error, cfg.chemical_fit_min),
                   -1.0, label=f"|μ − x̄| {name}", theory_label=f"theory slope −1 ({name})")
        axes[1].plot(grp.gamma, grp.amplitude, "o-", ms=4, label=f"amplitude of mean x ({name})")
        line = axes[2].plot(grp.gamma, grp.sqrt_gamma_std, "o-", ms=4, label=f"√γ·std {name}")[0]
        axes[2].axhline(grp.predicted_width.iloc[0], color=line.get_color(), ls=":", label=f"theory σ/√(2Ā) {name}")
    e = df[df.population == df.population.iloc[0]]
    axes[1].plot(e.gamma, e.voltage_gap, "k^-", ms=4, label="|μ_E − μ_I|")
    balance_gap = abs(float(np.diff(df.groupby("population", sort=False).xbar.first().to_numpy())[0]))
    axes[1].axhline(balance_gap, color="k", ls=":", label=f"theory |x̄_E − x̄_I| = {balance_gap:.4f}; amplitude → 0")
    axes[1].set_yscale("log")
    _finish(axes[0], "coupling scale γ", "|μ − x̄| (time average)", "fhn_pair: balance of the chemical part")
    _finish(axes[1], "coupling scale γ", "amplitude / gap", "fhn_pair: oscillation and E–I gap")
    _finish(axes[2], "coupling scale γ", "√γ·std(x)", "fhn_pair: width")
    return save_figure(fig, folder / "fhn_pair")
