"""The reduction of the theorem study: per-population rows, power-law and limit fits, the summary table."""
from __future__ import annotations

import math

import numpy as np

from fokker import Grid, presets

from ...metrics import wasserstein1
from ...metrics.fits import fit_inverse_limit, fit_line, fit_power
from .config import TheoremConfig
from .tasks import abs_moment, cdf_distance, limit_profiles, y_grid


def stationary_rows(results: list[dict], cfg: TheoremConfig) -> list[dict]:
    """Per (preset, population, γ): measured values and errors (see the module docstring)."""
    from solvers.remap import transfer
    grid = y_grid(cfg)
    rows = []
    by_preset: dict[str, list[dict]] = {}
    for r in results:
        by_preset.setdefault(r["preset"], []).append(r)
    for preset, runs in by_preset.items():
        ref = next(r for r in runs if math.isinf(r["gamma"]))
        names = presets.PRESETS[preset](1.0).population_names
        exact = limit_profiles(grid, ref["sigma"] / np.sqrt(2.0 * ref["Abar"]))
        for r in sorted(runs, key=lambda r: r["gamma"]):
            g = r["gamma"]
            eps = 0.0 if math.isinf(g) else g ** -0.5
            mean = r["mu"] + eps * r["mean_y"]
            delta = np.zeros_like(mean) if eps == 0 else (mean - r["xbar"]) / eps      # (mean − x̄)/ε
            q = r["q"]
            at_xbar = transfer(q, grid, grid, shift=delta) if eps > 0 else q     # density of (x − x̄)/ε
            mad = abs_moment(grid, q, r["mean_y"] - delta)                # ∫|y + (μ − x̄)/ε| q dy
            for a, name in enumerate(names):
                top = q[a].max()
                region = q[a] > cfg.hopf_floor * top
                hopf = float("nan")
                if eps > 0:
                    y = grid.centers[region]
                    x_minus_xbar = mean[a] - r["xbar"][a] + eps * (y - r["mean_y"][a])
                    u = (np.log(q[a][region]) - math.log(top)) / g
                    hopf = float(np.max(np.abs(u + r["Abar"][a] * x_minus_xbar ** 2 / r["sigma"][a] ** 2)))
                rows.append(dict(
                    preset=preset, population=name, gamma=g,
                    sqrt_gamma_std=float(r["std_y"][a]), sqrt_gamma_w1=float(mad[a]),
                    std_limit=float(r["sigma"][a] / math.sqrt(2.0 * r["Abar"][a])),
                    w1_limit=float(r["sigma"][a] / math.sqrt(math.pi * r["Abar"][a])),
                    offset=float(mean[a] - r["xbar"][a]),
                    l1_mu=float(np.sum(np.abs(q[a] - ref["q"][a])) * grid.width),
                    l1_xbar=float(np.sum(np.abs(at_xbar[a] - ref["q"][a])) * grid.width),
                    l1_mu_exact=float(np.sum(np.abs(q[a] - exact[a])) * grid.width),
                    w1_profile=float(cdf_distance(grid, q[a:a + 1], ref["q"][a:a + 1])[0]),
                    hopf_sup=hopf,
                    hopf_region=float(eps * (grid.centers[region].max() - grid.centers[region].min()) / 2),
                    stationarity=float(r["drift"][a]), tol=r["tol"], wall_time=r["wall_time"]))
    import pandas as pd
    df = pd.DataFrame(rows)
    ref = df[np.isinf(df.gamma)].set_index(["preset", "population"])
    for col in ("sqrt_gamma_std", "sqrt_gamma_w1"):
        lim = ref[col].reindex(pd.MultiIndex.from_frame(df[["preset", "population"]])).to_numpy()
        df[col + "_err"] = np.abs(df[col].to_numpy() - lim)
        df[col + "_err_exact"] = np.abs(df[col] - df[col.replace("sqrt_gamma_", "") + "_limit"])
    df["abs_offset"] = df.offset.abs()
    return df


STATIONARY_FITS = (   # column, part, quantity, predicted slope
    ("sqrt_gamma_std_err", "P2", "|√γ·std − limit|", -1.0),
    ("sqrt_gamma_w1_err", "P2", "|√γ·W1(p, δ_x̄) − limit|", -1.0),
    ("abs_offset", "P3", "|μ − x̄|", -1.0),
    ("l1_mu", "P4", "L1(q_γ centred at μ, limit)", -1.0),
    ("l1_xbar", "P4", "L1(q_γ centred at x̄, limit)", -0.5),
    ("hopf_sup", "P7", "desingularised: sup |u_γ − max u_γ + Ā(x − x̄)²/σ²|, shrinking window q > floor·max q",
     -1.0),
)


def fit_table(stationary, collapse, driven, particles, cfg: TheoremConfig, bistable=None, hopf=None):
    """The summary: one row per fitted quantity (fitted vs predicted slope / limit); ``hopf``: the table of
    :func:`hopf_fits` (P7 on fixed windows)."""
    import pandas as pd
    rows = []
    if stationary is not None:
        finite = stationary[np.isfinite(stationary.gamma) & (stationary.gamma >= cfg.fit_min)]
        for (preset, pop), grp in finite.groupby(["preset", "population"], sort=False):
            for col, part, what, theory in STATIONARY_FITS:
                f = fit_power(grp.gamma, grp[col])
                rows.append(dict(part=part, kind="slope", preset=preset, population=pop, quantity=what + " vs γ",
                                 fitted=f.slope, fitted_se=f.slope_se, predicted=theory, points=f.points,
                                 fit_range=f"{f.x_min:g}–{f.x_max:g}"))
            for col, lim, what in (("sqrt_gamma_std", "std_limit", "lim √γ·std = σ/√(2Ā)"),
                                   ("sqrt_gamma_w1", "w1_limit", "lim √γ·W1 = σ/√(πĀ)")):
                limit = fit_inverse_limit(grp.gamma, grp[col])
                L, se = limit.intercept, limit.intercept_se
                rows.append(dict(part="P2", kind="limit", preset=preset, population=pop,
                                 quantity=what + " (fit L + C/γ)", fitted=L, fitted_se=se,
                                 predicted=float(grp[lim].iloc[0]), points=len(grp),
                                 fit_range=f"{grp.gamma.min():g}–{grp.gamma.max():g}"))
                inf = stationary[np.isinf(stationary.gamma) & (stationary.preset == preset)
                                 & (stationary.population == pop)]
                rows.append(dict(part="P2", kind="limit", preset=preset, population=pop,
                                 quantity=what.split(" =")[0] + " at γ = ∞ (limit solver, same y-grid)",
                                 fitted=float(inf[col].iloc[0]), fitted_se=float("nan"),
                                 predicted=float(grp[lim].iloc[0]), points=1, fit_range="∞"))
    if collapse is not None:
        for (preset, pop, cells), grp in collapse.groupby(["preset", "population", "cells"], sort=False):
            grp = grp[(grp.gamma >= cfg.fit_min) & np.isfinite(grp.gamma_tc)]
            if len(grp) < 2:
                continue
            x = np.log(grp.gamma.to_numpy())
            line = fit_line(x, grp.gamma_tc.to_numpy())
            slope, se = line.slope, line.slope_se
            note = "" if cells == cfg.collapse_cells else f" [check: layer grids of {cells} cells]"
            rows.append(dict(part="P0", kind="slope", preset=preset, population=pop,
                             quantity="d(γ t_c)/d ln γ" + note,
                             fitted=slope, fitted_se=se, predicted=float(1.0 / (2.0 * grp.Abar.iloc[0])),
                             points=len(grp), fit_range=f"{grp.gamma.min():g}–{grp.gamma.max():g}"))
            rows.append(dict(part="P0", kind="offset", preset=preset, population=pop,
                             quantity="mean (γ t_c − predicted)" + note,
                             fitted=float((grp.gamma_tc - grp.gamma_tc_predicted).mean()),
                             fitted_se=float((grp.gamma_tc - grp.gamma_tc_predicted).std(ddof=1) / math.sqrt(len(grp))),
                             predicted=0.0, points=len(grp), fit_range=f"{grp.gamma.min():g}–{grp.gamma.max():g}"))
    if driven is not None:
        for pop, grp in driven.groupby("population", sort=False):
            grp = grp[grp.gamma >= cfg.fit_min]
            f = fit_power(grp.gamma, grp.lag)
            rows.append(dict(part="P5", kind="slope", preset="driven", population=pop,
                             quantity="max lag |μ(t) − x̄(t)| vs γ",
                             fitted=f.slope, fitted_se=f.slope_se, predicted=-1.0, points=f.points,
                             fit_range=f"{f.x_min:g}–{f.x_max:g}"))
    if particles is not None and len(particles):
        c2_pde = float("nan")
        if stationary is not None:
            ref = stationary[(stationary.preset == "ei_single") & (stationary.gamma >= 100.0)
                             & (stationary.gamma <= 1e4)]
            if len(ref):
                c2_pde = float(np.median(ref.gamma * ref.w1_profile))
        model = particle_model(particles)
        predicted = {"C1": sampling_constant(particles.attrs.get("limit_std", float("nan"))), "C2": c2_pde,
                     "rms": float("nan")}
        rows += [dict(part="P6", kind="constant" if key != "rms" else "info", preset="ei_single", population="E",
                      quantity=q, fitted=v, fitted_se=float("nan"), predicted=predicted[key], points=len(particles),
                      fit_range="all (n, γ)") for key, q, v in model]
        top = particles[particles.gamma == particles.gamma.max()]
        f = fit_power(top.n, top.w1_y)
        rows.append(dict(part="P6", kind="slope", preset="ei_single", population="E",
                         quantity=f"W1_y vs n at γ = {particles.gamma.max():g}", fitted=f.slope,
                         fitted_se=f.slope_se, predicted=-0.5, points=f.points, fit_range=f"{f.x_min:g}–{f.x_max:g}"))
    if bistable is not None and len(bistable):
        rows += basin_rows(bistable, cfg)
    if hopf is not None and len(hopf):
        rows += hopf_summary_rows(hopf, cfg)
    return pd.DataFrame(rows)


def basin_rows(bistable, cfg: TheoremConfig) -> list[dict]:
    """The measured basin boundary in m0 (midpoint of the bracketing initial means) vs the unstable root."""
    b = bistable.sort_values("mean0")
    unstable = [float(p.voltage[0]) for p in presets.ei_bistable(cfg.bistable_gamma).balance() if not p.stable]
    up = b.root.to_numpy() > (unstable[0] if unstable else 0.0)
    flips = np.flatnonzero(np.diff(up.astype(int)) != 0)
    if not unstable or flips.size != 1:
        return []
    i = int(flips[0])
    lo, hi = float(b.mean0.iloc[i]), float(b.mean0.iloc[i + 1])
    return [dict(part="bistable", kind="info", preset="ei_bistable", population="E",
                 quantity=f"basin boundary in m0 for N(m0, {cfg.bistable_s0:g}²) at γ = {cfg.bistable_gamma:g} "
                          "(vs unstable root: boundary for a Dirac)",
                 fitted=0.5 * (lo + hi), fitted_se=0.5 * (hi - lo), predicted=unstable[0], points=len(b),
                 fit_range=f"{lo:g}–{hi:g}")]


def particle_model(particles) -> list[tuple[str, str, float]]:
    """NNLS fit of the seed-mean W1_y ≈ C₁ n^(−1/2) + C₂/γ (relative residuals): [(key, name, value)]."""
    from scipy.optimize import nnls
    mean = particles.groupby(["gamma", "n"]).w1_y.mean().reset_index()
    X = np.column_stack([mean.n.to_numpy() ** -0.5, 1.0 / mean.gamma.to_numpy()])
    y = mean.w1_y.to_numpy()
    coef, _ = nnls(X / y[:, None], np.ones_like(y))
    resid = X @ coef / y - 1.0
    return [("C1", "C₁ of C₁ n^(−1/2) + C₂/γ (ref: iid samples, centred)", float(coef[0])),
            ("C2", "C₂ of C₁ n^(−1/2) + C₂/γ (ref: γ·W1(q_γ, q_∞) of the PDE)", float(coef[1])),
            ("rms", "rms relative residual of the two-term fit", float(np.sqrt(np.mean(resid ** 2))))]


def sampling_constant(std: float, n: int = 10_000, reps: int = 64, seed: int = 0) -> float:
    """Reference C₁ = √n E W1: n iid draws of N(0, std²), centred at their sample mean, against N(0, std²).

    (Monte Carlo with a fixed seed; its relative standard error is about 1/√reps.)
    """
    if not math.isfinite(std):
        return float("nan")
    rng = np.random.default_rng(seed)
    grid = Grid(-12.0 * std, 12.0 * std, 2400)
    law = grid.gaussian(0.0, std)
    w = [wasserstein1(grid, law, (z := std * rng.standard_normal(n)) - z.mean()) for _ in range(reps)]
    return float(math.sqrt(n) * np.mean(w))


def particle_seeds(cfg: TheoremConfig, n: int) -> int:
    """Seeds at n: ``particle_seeds`` at the largest n, more (up to 4×) for smaller, cheaper runs."""
    return int(min(4 * cfg.particle_seeds, round(cfg.particle_seeds * math.sqrt(max(cfg.particle_ns) / n))))


HOPF_WINDOWS = (   # column of the P7 fixed-window table, window, predicted slope
    ("sup_window", "fixed window |x − x̄| ≤ {w:g}", -1.0),
    ("sup_grid", "whole grid (every window widened by {m:g})", -1.0),
    ("sup_region", "shrinking window p > {f:g}·max p (same u_γ)", -1.0),
)
HOPF_PROFILE_KEYS = ("offset", "profile")


def hopf_rows(results: list[dict], cfg: TheoremConfig):
    """The P7 fixed-window table: one row per (preset, population, γ, cells_per_width), with γ·sup columns
    and the residuals of the two one-constant forms γE = c (O(1/γ)) and γE = c ln γ (O(log γ/γ)) of the
    fixed-window sup: ``resid_inverse`` = ln(γE) − mean, ``resid_log`` = ln(γE/ln γ) − mean (per
    preset, population and resolution, over γ ≥ fit_min). ``gamma_shift_window``, ``gamma_shift_region``:
    γ times 2Ā|x_max − x̄|R/σ², the part of the sup that the shift of the maximum of u_γ away from x̄ explains
    on a window of half-width R (the fixed one and ``region_half``): −Ā(x − x_max)²/σ² + Ā(x − x̄)²/σ²
    is linear in x − x̄ up to O(|x_max − x̄|²)."""
    import pandas as pd
    rows = []
    for r in results:
        names = presets.PRESETS[r["preset"]](1.0).population_names
        for a, name in enumerate(names):
            row = {k: v for k, v in r.items() if np.ndim(v) == 0}
            row["population"] = name
            for k, v in r.items():
                if np.ndim(v) == 1:
                    row[k] = float(v[a])
            rows.append(row)
    df = pd.DataFrame(rows)
    for col, _, _ in HOPF_WINDOWS:
        df["gamma_" + col] = df.gamma * df[col]
    df["gamma_mode_offset"] = df.gamma * df.mode_offset
    slope = 2.0 * df.Abar * df.gamma_mode_offset.abs() / df.sigma ** 2
    df["gamma_shift_window"] = slope * cfg.hopf_half_window
    df["gamma_shift_region"] = slope * df.region_half
    df["resid_inverse"] = np.nan
    df["resid_log"] = np.nan
    for _, grp in df.groupby(["preset", "population", "cells_per_width"], sort=False):
        sel = grp.index[grp.gamma >= cfg.fit_min]
        ge = np.log(df.loc[sel, "gamma_sup_window"].to_numpy())
        lg = ge - np.log(np.log(df.loc[sel, "gamma"].to_numpy()))
        df.loc[sel, "resid_inverse"] = ge - ge.mean()
        df.loc[sel, "resid_log"] = lg - lg.mean()
    return df


def hopf_profiles(results: list[dict]) -> dict:
    """{(preset, population, γ): (x − x̄, u_γ − max u_γ, Ā, σ)} at the main resolution, for the figure."""
    out = {}
    for r in results:
        for a, name in enumerate(presets.PRESETS[r["preset"]](1.0).population_names):
            out[(r["preset"], name, r["gamma"], r["cells_per_width"])] = (
                r["offset"][a], r["profile"][a], float(r["Abar"][a]), float(r["sigma"][a]))
    return out


def hopf_fits(hopf, cfg: TheoremConfig):
    """Per (preset, population, resolution): power-law slope of every window's sup (± s.e., 95 % interval),
    and for the fixed window the two-parameter fit γE = c₀ + c₁ ln γ and the rms residuals of the forms
    O(1/γ) (γE constant) and O(log γ/γ) (γE/ln γ constant); ``form`` names the one with the smaller."""
    import pandas as pd
    rows = []
    sel = hopf[hopf.gamma >= cfg.fit_min]
    for (preset, pop, cpw), grp in sel.groupby(["preset", "population", "cells_per_width"], sort=False):
        for col, window, theory in HOPF_WINDOWS:
            f = fit_power(grp.gamma, grp[col])
            lo, hi = f.slope_interval(0.95)
            row = dict(preset=preset, population=pop, cells_per_width=cpw, quantity=col,
                       window=_window_text(window, cfg), slope=f.slope, slope_se=f.slope_se, slope_lo95=lo,
                       slope_hi95=hi, predicted=theory, points=f.points, fit_range=f"{f.x_min:g}–{f.x_max:g}")
            if col == "sup_window":
                line = fit_line(np.log(grp.gamma.to_numpy()), grp.gamma_sup_window.to_numpy())
                rms_inv = float(np.sqrt(np.mean(grp.resid_inverse ** 2)))
                rms_log = float(np.sqrt(np.mean(grp.resid_log ** 2)))
                row.update(c0=line.intercept, c0_se=line.intercept_se, c1=line.slope, c1_se=line.slope_se,
                           c1_lo95=line.slope_interval(0.95)[0], c1_hi95=line.slope_interval(0.95)[1],
                           rms_resid_inverse=rms_inv, rms_resid_log=rms_log,
                           form="O(1/γ)" if rms_inv < rms_log else "O(log γ/γ)")
            rows.append(row)
    return pd.DataFrame(rows)


def _window_text(template: str, cfg: TheoremConfig) -> str:
    return template.format(w=cfg.hopf_half_window, m=cfg.hopf_margin, f=cfg.hopf_floor)


def hopf_summary_rows(fits, cfg: TheoremConfig) -> list[dict]:
    """Summary rows of P7 on fixed windows: the slopes, and c₁/c₀ of γE = c₀ + c₁ ln γ (fixed window)."""
    rows = []
    for r in fits.to_dict("records"):
        note = "" if r["cells_per_width"] == cfg.hopf_cells_per_width else \
            f" [check: h = s/{r['cells_per_width']:g}]"
        rows.append(dict(part="P7", kind="slope", preset=r["preset"], population=r["population"],
                         quantity=f"solve_log: sup |u_γ − max u_γ + Ā(x − x̄)²/σ²|, {r['window']} vs γ{note}",
                         fitted=r["slope"], fitted_se=r["slope_se"], predicted=r["predicted"], points=r["points"],
                         fit_range=r["fit_range"]))
        if r["quantity"] == "sup_window":
            rows.append(dict(part="P7", kind="info", preset=r["preset"], population=r["population"],
                             quantity=f"fixed window: c₁ of γE = c₀ + c₁ ln γ (c₀ = {r['c0']:.5g}); "
                                      f"form that fits: {r['form']}{note}",
                             fitted=r["c1"], fitted_se=r["c1_se"], predicted=float("nan"), points=r["points"],
                             fit_range=r["fit_range"]))
    return rows
