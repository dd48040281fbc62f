"""The reduction of the FitzHugh–Nagumo study: per-part tables and the summary of fitted against predicted values.

Every reducer takes the finished task results (dicts, in task order) and returns pandas DataFrames;
the fits are those of :mod:`validation.metrics.fits` on the points with γ ≥ the part's ``*_fit_min``
(the selection rule of the report).
"""
from __future__ import annotations

import math

import numpy as np

from ...metrics.fits import fit_inverse_limit, fit_line, fit_power, try_fit_power
from .config import FhnConfig
from .signals import amplitude, distance_to_curve, growth_rate, period_of, root, time_average
from .tasks import network, uncoupled_cycle
from .theory import predicted_period, predicted_rest

ONSET_CAP = 0.5
"""F6: the growth rate uses the windows before the mean-voltage amplitude reaches this (linear regime)."""
ONSET_FLOOR = 3.0
"""F6 (particles): synchronised when the amplitude exceeds this many times the uncoupled one (noise floor)."""


def unbiased_std(r: dict) -> np.ndarray:
    """The run's standard deviations of x with the unbiased variance, std·√(n/(n − 1)), (nt, P).

    ``ParticleRun.std`` divides by n, which biases it by a factor √(1 − 1/n): 2.5e-4 at n = 2000, as large
    as the O(1/γ) terms measured at γ ~ 1e3.
    """
    n = int(r["n"])
    return np.asarray(r["std"], dtype=float) * math.sqrt(n / (n - 1.0))


def summary_row(part: str, quantity: str, fitted: float, fitted_se: float, predicted: float, points: int,
                rule: str) -> dict:
    return dict(part=part, quantity=quantity, fitted=float(fitted), fitted_se=float(fitted_se),
                predicted=float(predicted), points=int(points), selection=rule)


def _slope_row(part, quantity, fit, rule, theory=-1.0):
    if fit is None:
        return summary_row(part, quantity, math.nan, math.nan, theory, 0, rule)
    return summary_row(part, quantity, fit.slope, fit.slope_se, theory, fit.points, rule)


# ------------------------------------------------------------------------------------------ F2
def period_tables(results: list[dict], cfg: FhnConfig):
    """F2 rows per γ (the reference run last) and the summary rows."""
    import pandas as pd
    fhn = network("fhn_electrical", 1.0, cfg).populations[0].intrinsic
    lc = uncoupled_cycle(fhn.current)
    level = [r for r in fhn.rest_points() if not r.stable][0].x       # the section of FitzHughNagumo.limit_cycle
    rows, curves = [], []
    for r in results:
        g, t, mx = r["gamma"], r["t"], r["mean"][:, 0]
        per = period_of(t, mx, level)
        inside = (t >= per.first) & (t <= per.last)
        ratio = np.sqrt(2.0 * g) * unbiased_std(r)[inside, 0] / cfg.sigma
        last = t >= per.last - per.period
        curves.append((mx[last], r["mean_w"][last, 0]))
        rows.append(dict(gamma=g, period=per.period, period_se=per.se, periods=per.count,
                         predicted_period=predicted_period(fhn, cfg.sigma, g, start=(lc.x[0], lc.w[0])),
                         ode_period=lc.period, std_ratio=float(ratio.mean()),
                         cycle_distance=float(distance_to_curve(*curves[-1], lc.x, lc.w).max()),
                         wall_time=r["wall_time"]))
    for row, curve in zip(rows, curves):                  # distance to the reference run's last period
        row["cycle_distance_ref"] = float(distance_to_curve(*curve, *curves[-1]).max())
    df = pd.DataFrame(rows)
    ref = df.iloc[-1]
    df["error_ode"] = df.period - lc.period
    df["error_ref"] = df.period - ref.period
    df["predicted_error"] = df.predicted_period - lc.period
    df["reference"] = df.gamma == ref.gamma
    df["fx_cycle"] = float(np.mean(fhn.derivative(lc.x[:-1])))      # ⟨∂f/∂x⟩ over the cycle (equal times)
    fit_rows = df[~df.reference & (df.gamma >= cfg.period_fit_min)]
    rule = f"γ ≥ {cfg.period_fit_min:g}"
    limit = fit_inverse_limit(fit_rows.gamma, fit_rows.std_ratio)
    summary = [_slope_row("F2", "slope of |T_γ − T_ref| (period error)", try_fit_power(fit_rows.gamma,
                                                                                       fit_rows.error_ref.abs()), rule),
               _slope_row("F2", "slope of the distance of the mean's orbit to the reference orbit",
                          try_fit_power(fit_rows.gamma, fit_rows.cycle_distance_ref), rule),
               summary_row("F2", "limit of √(2γG)·std(x)/σ (fit L + C/γ)", limit.intercept, limit.intercept_se,
                           1.0, limit.points, rule),
               summary_row("F2", "its coefficient C (theory ⟨∂f/∂x⟩/(2G) over the ODE cycle)", limit.slope,
                           limit.slope_se, 0.5 * df.fx_cycle.iloc[0], limit.points, rule),
               summary_row("F2", "T_ref − T_ODE (finite n, step dt, γ_ref)", ref.period - lc.period, ref.period_se,
                           0.0, 1, f"γ_ref = {ref.gamma:g}")]
    return df, summary


# ------------------------------------------------------------------------------------------ F3
def rest_tables(results: list[dict], cfg: FhnConfig):
    """F3 rows per γ (the reference run last): time-averaged means against the rest point."""
    import pandas as pd
    fhn = network("fhn_electrical", 1.0, cfg, cfg.rest_current).populations[0].intrinsic
    rest = [p for p in fhn.rest_points() if p.stable][0]
    rows = []
    for r in results:
        mx, mw = time_average(r["t"], np.column_stack([r["mean"][:, 0], r["mean_w"][:, 0]]), cfg.rest_average_from)
        px, pw = predicted_rest(fhn, cfg.sigma, r["gamma"])
        rows.append(dict(gamma=r["gamma"], mean_x=mx, mean_w=mw, rest_x=rest.x, rest_w=rest.w,
                         offset=math.hypot(mx - rest.x, mw - rest.w),
                         predicted_offset=math.hypot(px - rest.x, pw - rest.w), wall_time=r["wall_time"]))
    df = pd.DataFrame(rows)
    ref = df.iloc[-1]
    df["offset_ref"] = np.hypot(df.mean_x - ref.mean_x, df.mean_w - ref.mean_w)
    df["reference"] = df.gamma == ref.gamma
    fit_rows = df[~df.reference & (df.gamma >= cfg.rest_fit_min)]
    rule = f"γ ≥ {cfg.rest_fit_min:g}"
    fit = try_fit_power(fit_rows.gamma, fit_rows.offset_ref)
    summary = [_slope_row("F3", "slope of the offset |(μ, w̄)_γ − (μ, w̄)_ref|", fit, rule),
               summary_row("F3", "prefactor C of offset = C/γ", fit.prefactor if fit else math.nan, math.nan,
                           float(df.predicted_offset.iloc[0] * df.gamma.iloc[0]), fit.points if fit else 0, rule),
               summary_row("F3", "offset of the reference run from the rest point", ref.offset, math.nan, 0.0, 1,
                           f"γ_ref = {ref.gamma:g}")]
    return df, summary


# ------------------------------------------------------------------------------------------ F4
def chemical_tables(results: list[dict], cfg: FhnConfig):
    """F4 rows per γ: clamping at x̄, recovery at (x̄ + a)/b, width √γ·std against σ/√(2Ā)."""
    import pandas as pd
    net = network("fhn_chemical", 1.0, cfg)
    point = [b for b in net.balance() if b.stable][0]
    fhn = net.populations[0].intrinsic
    xbar, Abar = float(point.voltage[0]), float(point.conductance[0])
    w_target = float(fhn.recovery_target(xbar))
    rows = []
    for r in results:
        g, t = r["gamma"], r["t"]
        mx = float(time_average(t, r["mean"][:, 0], cfg.chemical_average_from))
        width = float(time_average(t, np.sqrt(g) * unbiased_std(r)[:, 0], cfg.chemical_average_from))
        rows.append(dict(gamma=g, mean_x=mx, xbar=xbar, clamp_error=abs(mx - xbar),
                         mean_w_end=float(r["mean_w"][-1, 0]), w_target=w_target,
                         w_error=float(r["mean_w"][-1, 0]) - w_target, sqrt_gamma_std=width,
                         predicted_width=cfg.sigma / math.sqrt(2.0 * Abar), wall_time=r["wall_time"]))
    df = pd.DataFrame(rows)
    fit_rows = df[df.gamma >= cfg.chemical_fit_min]
    rule = f"γ ≥ {cfg.chemical_fit_min:g}"
    limit = fit_inverse_limit(fit_rows.gamma, fit_rows.sqrt_gamma_std)
    last = results[-1]
    gap = np.abs(last["mean_w"][:, 0] - last["mean_w"][-1, 0])
    early = (last["t"] > 5.0) & (gap > 100.0 * max(abs(df.w_error.iloc[-1]), 1e-12))
    rate = fit_line(last["t"][early], np.log(gap[early])) if early.sum() >= 3 else None
    summary = [_slope_row("F4", "slope of |μ − x̄|", try_fit_power(fit_rows.gamma, fit_rows.clamp_error), rule),
               summary_row("F4", "limit of √γ·std(x) (fit L + C/γ)", limit.intercept, limit.intercept_se,
                           cfg.sigma / math.sqrt(2.0 * Abar), limit.points, rule),
               summary_row("F4", "w̄(t_end) − (x̄ + a)/b at the largest γ", df.w_error.iloc[-1], math.nan, 0.0, 1,
                           f"γ = {df.gamma.iloc[-1]:g}, t = {last['t'][-1]:g}"),
               summary_row("F4", "relaxation rate of w̄ (largest γ)", -rate.slope if rate else math.nan,
                           rate.slope_se if rate else math.nan, fhn.recovery_rate, rate.points if rate else 0,
                           "t > 5 while |w̄ − w̄_end| > 100 |w̄_end − w*|")]
    return df, summary


# ------------------------------------------------------------------------------------------ F5
def compare_tables(results: list[dict], cfg: FhnConfig):
    """F5: seed means of W1 per (γ, n), the slopes in n at ``compare_gamma`` and the summary rows."""
    import pandas as pd
    runs = pd.DataFrame(results)
    stats = (runs.groupby(["gamma", "n"]).agg(w1_x=("w1_x", "mean"), w1_x_se=("w1_x", "sem"),
                                              w1_w=("w1_w", "mean"), w1_w_se=("w1_w", "sem"),
                                              seeds=("seed", "count")).reset_index())
    at = stats[stats.gamma == cfg.compare_gamma].sort_values("n")
    rule = f"γ = {cfg.compare_gamma:g}, every n"
    summary = [_slope_row("F5", "slope of W1(x-marginal) in n", fit_power(at.n, at.w1_x), rule, -0.5),
               _slope_row("F5", "slope of W1(w-marginal) in n", fit_power(at.n, at.w1_w), rule, -0.5)]
    return stats, summary


# ------------------------------------------------------------------------------------------ F6
ONSET_SIDE = 2
"""F6 (PDE): the growth-rate line is fitted on this many γ on each side of its sign change (near onset)."""


def onset_points(pde_df):
    """The PDE rows of F6 used for the onset fit: finite growth rates, ``ONSET_SIDE`` each side of the sign
    change (all of them when a side has fewer)."""
    ok = pde_df[np.isfinite(pde_df.growth)].sort_values("gamma")
    below, above = ok[ok.growth < 0], ok[ok.growth >= 0]
    if len(below) < ONSET_SIDE or len(above) < ONSET_SIDE:
        return ok
    return ok[ok.gamma.isin([*below.gamma.iloc[-ONSET_SIDE:], *above.gamma.iloc[:ONSET_SIDE]])]


def onset_tables(pde: list[dict], particles: list[dict], cfg: FhnConfig):
    """F6: per-γ amplitude and growth rate (PDE), amplitude (particles, per seed), and the onset estimates."""
    import pandas as pd
    prow = []
    for r in pde:
        fit = growth_rate(r["t"], r["mean"][:, 0], cfg.onset_window, ONSET_CAP)
        prow.append(dict(gamma=r["gamma"], amplitude=amplitude(r["mean"][r["t"] >= cfg.onset_late, 0]),
                         growth=fit.slope if fit else math.nan, growth_se=fit.slope_se if fit else math.nan,
                         windows=fit.points if fit else 0, wall_time=r["wall_time"], warnings=r.get("warnings", "")))
    pde_df = pd.DataFrame(prow)
    part = pd.DataFrame([dict(gamma=r["gamma"], seed=r["seed"],
                              amplitude=amplitude(r["mean"][r["t"] >= cfg.onset_late, 0])) for r in particles])
    part = part.groupby("gamma").agg(amplitude=("amplitude", "mean"), amplitude_se=("amplitude", "sem"),
                                     seeds=("seed", "count")).reset_index()
    ok = onset_points(pde_df)
    summary = []
    if len(ok) >= 3:
        line = fit_line(ok.gamma, ok.growth)
        gc, gc_se = root(line, ok.gamma)
        summary.append(summary_row("F6", "onset γ_c (PDE: zero of the growth rate, linear fit)", gc, gc_se,
                                   math.nan, line.points, f"windows before the amplitude reaches {ONSET_CAP:g}; "
                                                          f"the {ONSET_SIDE} γ each side of the sign change"))
    floor = float(part.amplitude[part.gamma == part.gamma.min()].iloc[0])
    sync = part.amplitude > ONSET_FLOOR * floor
    below, above = part.gamma[~sync & (part.gamma > 0)], part.gamma[sync]
    lo = float(below[below < above.min()].max()) if len(above) and len(below) else math.nan
    hi = float(above.min()) if len(above) else math.nan
    summary.append(summary_row("F6", "onset γ_c (particles: bracket midpoint ± half-width)", 0.5 * (lo + hi),
                               0.5 * (hi - lo), math.nan, int(len(part)),
                               f"synchronised: amplitude > {ONSET_FLOOR:g} × that of γ = {part.gamma.min():g}"))
    return pde_df, part, summary


# ------------------------------------------------------------------------------------------ fhn_pair
def pair_table(results: list[dict], cfg: FhnConfig):
    """fhn_pair rows per (γ, population): clamping, width, oscillation amplitude, E–I voltage gap."""
    import pandas as pd
    net = network("fhn_pair", 1.0, cfg)
    point = [b for b in net.balance() if b.stable][0]
    rows = []
    for r in results:
        g, t = r["gamma"], r["t"]
        late = t >= cfg.pair_average_from
        means = r["mean"][late].mean(axis=0)
        for a, name in enumerate(net.population_names):
            rows.append(dict(gamma=g, population=name, mean_x=float(means[a]), xbar=float(point.voltage[a]),
                             clamp_error=abs(float(means[a] - point.voltage[a])),
                             sqrt_gamma_std=float(np.sqrt(g) * unbiased_std(r)[late, a].mean()),
                             predicted_width=cfg.sigma / math.sqrt(2.0 * float(point.conductance[a])),
                             amplitude=amplitude(r["mean"][late, a]), mean_w=float(r["mean_w"][late, a].mean()),
                             voltage_gap=float(abs(means[0] - means[1]))))
    df = pd.DataFrame(rows)
    summary = []
    for name in net.population_names:
        sel = df[(df.population == name) & (df.gamma >= cfg.chemical_fit_min)]
        summary.append(_slope_row("pair", f"slope of |μ − x̄| ({name})", try_fit_power(sel.gamma, sel.clamp_error),
                                  f"γ ≥ {cfg.chemical_fit_min:g}"))
    return df, summary
