"""The convergence theorem as γ → ∞ (model.md §5: P0, P2–P7, and a bistable network), measured.

Every part is a list of independent tasks (dicts) run through
:func:`validation.runner.run_tasks`, followed by a reducer that fits power laws
(least squares on log–log axes, slope ± standard error; :func:`validation.figures.fit_power`)
on the points with γ ≥ ``fit_min`` (chosen a priori: two decades above γ = 1, where the
ε f term is O(1)). What is measured:

- stationary states (``ei_single``, ``ei_pair``): ``solve_desingularised`` from the limit
  Gaussian at x̄ for ``relax`` slowest relaxation times (cost independent of γ), on one
  y-grid, for every γ and for γ = ∞ (the limit equation). From the final rescaled
  profile q_γ(y), μ = mean:
  P2  √γ·std = std_y(q_γ) and √γ·W1(p_γ, δ_x̄) = ∫ |y + (μ − x̄)/ε| q_γ dy (exact for
      piecewise-constant q), against σ/√(2Ā) and σ/√(πĀ);
  P3  |μ − x̄|;
  P4  L1 of q_γ centred at μ, and re-centred at x̄ (``solvers.remap.transfer``), to the
      limit profile N(0, σ²/(2Ā));
  P7  Hopf–Cole: u_γ = γ⁻¹ log p_γ, sup |u_γ − max u_γ + Ā (x − x̄)²/σ²| over the cells
      where q_γ > ``hopf_floor`` · max q_γ (the region where p is above round-off).
  Errors are taken against the γ = ∞ solution on the same y-grid (so the discretisation
  error, common to both, cancels) and, for comparison, against the exact limits.
  Fitted limits: least squares of value = L + C/γ on γ ≥ fit_min, L ± s.e. Where the coupling
  tolerance cannot be met (round-off), it is loosened 3× or 10× and recorded (column ``tol``).
- P0 collapse: ``solve(..., frame="auto")`` from N(x̄, s0²); t_c = first time the variance
  is within a factor 4 of v∞ = σ²/(2γĀ) (log-linear interpolation between outputs);
  γ·t_c against ln((s0² − v∞)/(3 v∞))/(2Ā), fitted as γ t_c = a + b ln γ (theory b = 1/(2Ā)).
- P5 (``driven``): max over the last period of |μ(t) − x̄(t)|, x̄(t) the stable balance
  point at time t (``net.balance`` at the first output time, then Newton continuation).
- P6 (``ei_single``): particles (exact-OU step) started from the limit profile, run to
  ``particle_relax`` relaxation times; W1 in y = (X − sample mean)/ε to N(0, σ²/(2Ā)); model C₁ n^(−1/2) + C₂/γ
  fitted by non-negative least squares on the seed means.
- bistable (``ei_bistable``): ``frame="auto"`` at ``bistable_gamma`` from N(m0, s0²) for a
  range of m0: the root reached, its stability, against the limit ODE's basin boundary.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from fokker import Grid, presets

from ..runner import run_tasks

ROOT_TOL = 1e-13     # Newton continuation of x̄(t)
BISTABLE_ATTEMPTS = (("trbdf2", 200), ("bdf2", 2000))   # (method, steps) tried in turn


@dataclass(frozen=True)
class TheoremConfig:
    """Parameters of the theorem study (see the module docstring)."""

    presets: tuple[str, ...] = ("ei_single", "ei_pair")
    gammas: tuple[float, ...] = tuple(float(10.0 ** (k / 2)) for k in range(17))      # 1 … 1e8, 2 per decade
    fit_min: float = 100.0
    y_half: float = 12.0                # y-grid [−y_half, y_half]
    y_cells: int = 2400
    relax: float = 30.0                 # run length in slowest relaxation times
    steps: int = 300
    tol: float = 1e-12
    hopf_floor: float = 1e-250
    # P0
    collapse_gammas: tuple[float, ...] = tuple(float(10.0 ** k) for k in range(9))
    s0: float = 1.0
    collapse_cells: int = 6400          # cells of the auto frame's y-grids during the layer
    collapse_check_cells: int | None = 1600   # also run the first preset at this resolution (trend check)
    collapse_zoom: float = 1.5          # its re-gridding factor
    collapse_outputs: int = 200
    collapse_tol: float = 1e-8
    # P5
    driven_gammas: tuple[float, ...] = tuple(float(10.0 ** k) for k in range(9))
    driven_dt: float = 0.005
    driven_periods: int = 3
    driven_outputs: int = 200
    driven_tol: float = 1e-11
    # P6
    particle_gammas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0, 10_000.0)
    particle_ns: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    particle_seeds: int = 3
    particle_relax: float = 8.0         # run length in slowest relaxation times 1/(γ min(Ā, |eig|))
    particle_steps: int = 400
    # bistable
    bistable_gamma: float = 1e4
    bistable_means: tuple[float, ...] = tuple(sorted({*np.round(np.linspace(-1.0, 1.0, 11), 6).tolist(),
                                                      0.06, 0.07, 0.08, 0.09, 0.1, 0.11}))
    bistable_s0: float = 0.1
    bistable_relax: float = 10.0
    seed: int = 20261123
    parts: tuple[str, ...] = ("stationary", "collapse", "driven", "particles", "bistable")


FULL = TheoremConfig()
QUICK = TheoremConfig(gammas=(1.0, 10.0, 100.0, 1e3, 1e4, 1e6, 1e8),
                      collapse_gammas=(1.0, 100.0, 1e4, 1e6, 1e8), collapse_cells=1600,
                      collapse_check_cells=None,
                      driven_gammas=(1.0, 100.0, 1e4, 1e6, 1e8), driven_dt=0.01, driven_periods=2,
                      particle_gammas=(1.0, 10.0, 100.0, 10_000.0), particle_ns=(1_000, 10_000, 100_000),
                      particle_seeds=2, particle_steps=200,
                      bistable_means=(-0.8, -0.4, 0.0, 0.05, 0.12, 0.4, 0.8))


def quick_config(**changes) -> TheoremConfig:
    return replace(QUICK, **changes)


# ------------------------------------------------------------------------------------- helpers
def stable_point(net, t: float = 0.0):
    """The first stable balance point of ``net`` at time t."""
    points = net.balance(t)
    stable = [b for b in points if b.stable]
    if not stable:
        raise ValueError(f"network has no stable balance point at t={t}")
    return stable[0]


def limit_std(net, point) -> np.ndarray:
    """σ_α / √(2 Ā_α): the width in y of the limit profile."""
    return net.sigma / np.sqrt(2.0 * point.conductance)


def y_grid(cfg: TheoremConfig) -> Grid:
    return Grid(-cfg.y_half, cfg.y_half, cfg.y_cells)


def limit_profiles(grid: Grid, std: np.ndarray) -> np.ndarray:
    """Cell averages of N(0, std_α²) on ``grid``, (P, ny)."""
    return np.stack([grid.gaussian(0.0, float(s)) for s in std])


def abs_moment(grid: Grid, q: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """∫ |y − c_α| q_α(y) dy for piecewise-constant q (exact), (P,)."""
    d = grid.faces[None, :] - np.asarray(centre, dtype=float)[:, None]
    g = 0.5 * d * np.abs(d)                                   # antiderivative of |y − c|
    return np.sum(q * np.diff(g, axis=-1), axis=-1) / grid.integrate(q)


def cdf_distance(grid: Grid, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """W1 between two densities on one grid: ∫ |F_q − F_r| dy (trapezoid on the faces), (P,)."""
    d = np.abs(grid.cdf(q) - grid.cdf(r))
    return 0.5 * grid.width * np.sum(d[..., 1:] + d[..., :-1], axis=-1)


# ------------------------------------------------------------------------------------- tasks
def with_retries(run, tol: float, factors=(1.0, 3.0, 10.0)):
    """``run(tol)`` with the coupling tolerance loosened by ``factors`` when it cannot be met.

    A safety net for tolerances near round-off; the tolerance actually used is returned with the result.
    """
    from solvers.coupling import CouplingError
    for i, factor in enumerate(factors):
        try:
            return run(tol * factor), tol * factor
        except CouplingError:
            if i == len(factors) - 1:
                raise


def stationary_task(preset: str, gamma: float, cfg: TheoremConfig) -> dict:
    """Stationary rescaled profile q_γ (P, ny) and centre μ from the desingularised solver."""
    from solvers import solve_desingularised
    net = presets.PRESETS[preset](gamma)
    point = stable_point(net)
    rate = min(float(np.min(point.conductance)), float(np.min(np.abs(point.eigenvalues.real))))
    span = cfg.relax / rate if math.isinf(gamma) else cfg.relax / (rate * gamma)
    grid = y_grid(cfg)
    sol, tol = with_retries(lambda tol: solve_desingularised(
        net, grid, limit_profiles(grid, limit_std(net, point)), point.voltage, (0.0, span), dt=span / cfg.steps,
        t_eval=[0.0, 0.9 * span, span], tol=tol), cfg.tol)
    return dict(preset=preset, gamma=gamma, tol=tol, q=sol.q[-1], mu=sol.mu[-1], mean_y=sol.mean_y()[-1],
                std_y=sol.std_y()[-1], drift=np.abs(sol.std_y()[-1] - sol.std_y()[-2]),
                xbar=point.voltage, Abar=point.conductance, sigma=net.sigma,
                wall_time=sol.stats["wall_time"])


def collapse_task(preset: str, gamma: float, cfg: TheoremConfig, cells: int | None = None) -> dict:
    """P0: time for the variance to come within a factor 4 of v∞ = σ²/(2γĀ), from N(x̄, s0²).

    ``cells``: y-grid cells of the auto frame in the layer (default ``cfg.collapse_cells``).
    """
    cells = cfg.collapse_cells if cells is None else int(cells)
    from solvers import solve
    net = presets.PRESETS[preset](gamma)
    point = stable_point(net)
    v_inf = net.sigma ** 2 / (2.0 * gamma * point.conductance)
    if np.any(cfg.s0 ** 2 <= 4.0 * v_inf):
        return dict(preset=preset, gamma=gamma, cells=cells, t_c=np.full(net.P, np.nan),
                    predicted=np.full(net.P, np.nan), v_inf=v_inf, tol=cfg.collapse_tol,
                    Abar=point.conductance, wall_time=0.0)
    predicted = np.log((cfg.s0 ** 2 - v_inf) / (3.0 * v_inf)) / (2.0 * gamma * point.conductance)
    centre = float(np.mean(point.voltage))
    grid = Grid(centre - 8.0 * cfg.s0, centre + 8.0 * cfg.s0, 1600)
    p0 = np.stack([grid.gaussian(float(x), cfg.s0) for x in point.voltage])
    t_out = np.linspace(0.0, 3.0 * float(np.max(predicted)), cfg.collapse_outputs + 1)
    sol, tol = with_retries(lambda tol: solve(net, grid, p0, (0.0, t_out[-1]), dt=t_out[1] / 2, t_eval=t_out,
                                              method="trbdf2", tol=tol, frame="auto", auto_cells=cells,
                                              auto_zoom=cfg.collapse_zoom), cfg.collapse_tol)
    r = np.log(sol.std() ** 2 / (4.0 * v_inf))                # (nt, P), crosses 0 downwards
    t_c = np.full(net.P, np.nan)
    for a in range(net.P):                                     # a loop over populations
        below = np.flatnonzero(r[:, a] <= 0.0)
        if below.size and below[0] > 0:
            i = below[0]
            t_c[a] = float(np.interp(0.0, [r[i, a], r[i - 1, a]], [t_out[i], t_out[i - 1]]))
    return dict(preset=preset, gamma=gamma, cells=cells, t_c=t_c, predicted=predicted, v_inf=v_inf, tol=tol,
                Abar=point.conductance, wall_time=sol.stats["wall_time"])


def driven_balance(cfg: TheoremConfig, times: np.ndarray) -> np.ndarray:
    """x̄(t) of ``driven`` at ``times`` (γ-independent): net.balance at the first time, then Newton."""
    from scipy.optimize import root
    from fokker.balance import net_current, net_current_jacobian
    net = presets.driven(1.0)
    x = stable_point(net, float(times[0])).voltage
    out = np.empty((times.size, net.P))
    for i, t in enumerate(times):                              # continuation along t
        sol = root(lambda z: net_current(net, z, t), x, jac=lambda z: net_current_jacobian(net, z, t),
                   tol=ROOT_TOL)
        if not sol.success or np.max(np.abs(net_current(net, sol.x, t))) > 1e-12:
            raise RuntimeError(f"balance continuation failed at t={t}: {sol.message}")
        x = out[i] = sol.x
    return out


def driven_task(gamma: float, times: np.ndarray, xbar: np.ndarray, cfg: TheoremConfig) -> dict:
    """P5: lag max_t |μ(t) − x̄(t)| over the last period of the drive."""
    from solvers import solve_desingularised
    net = presets.driven(gamma)
    point = stable_point(net, 0.0)
    grid = Grid(-6.0, 6.0, 600)
    sol, tol = with_retries(lambda tol: solve_desingularised(
        net, grid, limit_profiles(grid, limit_std(net, point)), point.voltage, (0.0, float(times[-1])),
        dt=cfg.driven_dt, t_eval=times, tol=tol), cfg.driven_tol)
    lag = sol.mean() - xbar
    return dict(gamma=gamma, tol=tol, lag=np.max(np.abs(lag), axis=0), mean=sol.mean(),
                wall_time=sol.stats["wall_time"])


def particle_task(gamma: float, n: int, seed: int, cfg: TheoremConfig) -> dict:
    """P6: W1 in y = (X − mean)/ε between n particles (stationary) and N(0, σ²/(2Ā))."""
    from ..metrics import wasserstein1
    from ..particles import simulate_particles
    net = presets.ei_single(gamma)
    point = stable_point(net)
    eps = gamma ** -0.5
    w = float(limit_std(net, point)[0])
    xbar = float(point.voltage[0])
    ss = np.random.SeedSequence((cfg.seed, 6, int(round(100 * math.log10(gamma))), int(n), seed))
    rate = min(float(point.conductance[0]), abs(float(point.eigenvalues.real[0])))
    t_end = cfg.particle_relax / (gamma * rate)
    run = simulate_particles(net, int(n), lambda rng, k: xbar + eps * w * rng.standard_normal(k),
                             (0.0, t_end), t_end / cfg.particle_steps, seed=ss, t_eval=[t_end])
    x = run.x[-1, 0]
    y = (x - x.mean()) / eps
    grid = Grid(-cfg.y_half, cfg.y_half, 2 * cfg.y_cells)
    return dict(gamma=gamma, n=int(n), seed=seed, w1_y=wasserstein1(grid, grid.gaussian(0.0, w), y),
                std_y=float(y.std()), wall_time=run.stats["wall_time"])


def bistable_task(mean0: float, cfg: TheoremConfig) -> dict:
    """Which balance point ``ei_bistable`` reaches from N(mean0, s0²) (frame='auto')."""
    from solvers import solve
    net = presets.ei_bistable(cfg.bistable_gamma)
    points = net.balance()
    rate = min(abs(float(b.eigenvalues.real.min())) for b in points if b.stable)
    t_end = cfg.bistable_relax / (rate * cfg.bistable_gamma)
    grid = Grid(-1.5, 1.5, 1200)
    from solvers.coupling import CouplingError
    for method, steps in BISTABLE_ATTEMPTS:           # near the unstable root large steps can defeat the coupling
        try:
            sol = solve(net, grid, grid.gaussian(mean0, cfg.bistable_s0), (0.0, t_end), dt=t_end / steps,
                        t_eval=[0.0, t_end], method=method, tol=1e-10, frame="auto")
            break
        except CouplingError:
            if (method, steps) == BISTABLE_ATTEMPTS[-1]:
                raise
    final = float(sol.mean()[-1, 0])
    roots = np.array([float(b.voltage[0]) for b in points])
    k = int(np.argmin(np.abs(roots - final)))
    unstable = [float(b.voltage[0]) for b in points if not b.stable]
    limit_pick = None
    if unstable:                                              # the limit ODE dμ/dτ = F(μ) from a Dirac at mean0
        u = unstable[0]
        side = [float(b.voltage[0]) for b in points if b.stable and (b.voltage[0] - u) * (mean0 - u) > 0]
        limit_pick = side[0] if side else None
    return dict(mean0=mean0, final_mean=final, root=roots[k], root_stable=bool(points[k].stable),
                distance=abs(final - roots[k]), limit_ode_root=limit_pick,
                final_std=float(sol.std()[-1, 0]), t_end=t_end, method=method, steps=steps,
                wall_time=sol.stats["wall_time"])


# ------------------------------------------------------------------------------------- reduction
def linear_limit(gammas, values) -> tuple[float, float]:
    """Least squares value = L + C/γ: (L, standard error of L)."""
    x = 1.0 / np.asarray(gammas, dtype=float)
    y = np.asarray(values, dtype=float)
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    if x.size < 3:
        return float(coef[0]), float("nan")
    resid = y - X @ coef
    cov = float(resid @ resid) / (x.size - 2) * np.linalg.inv(X.T @ X)
    return float(coef[0]), math.sqrt(max(cov[0, 0], 0.0))


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
    ("hopf_sup", "P7", "sup |u_γ − max u_γ + Ā(x − x̄)²/σ²|", -1.0),
)


def fit_table(stationary, collapse, driven, particles, cfg: TheoremConfig, bistable=None):
    """The summary: one row per fitted quantity (fitted vs predicted slope / limit)."""
    import pandas as pd
    from ..figures import fit_power
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
                L, se = linear_limit(grp.gamma, grp[col])
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
            slope, intercept, se = _line(x, grp.gamma_tc.to_numpy())
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


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares line y = a + b x: (b, a, standard error of b)."""
    dx = x - x.mean()
    sxx = float(dx @ dx)
    b = float(dx @ (y - y.mean()) / sxx)
    a = float(y.mean() - b * x.mean())
    if x.size < 3:
        return b, a, float("nan")
    resid = y - a - b * x
    return b, a, math.sqrt(float(resid @ resid) / (x.size - 2) / sxx)


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
    from ..metrics import wasserstein1
    rng = np.random.default_rng(seed)
    grid = Grid(-12.0 * std, 12.0 * std, 2400)
    law = grid.gaussian(0.0, std)
    w = [wasserstein1(grid, law, (z := std * rng.standard_normal(n)) - z.mean()) for _ in range(reps)]
    return float(math.sqrt(n) * np.mean(w))


def particle_seeds(cfg: TheoremConfig, n: int) -> int:
    """Seeds at n: ``particle_seeds`` at the largest n, more (up to 4×) for smaller, cheaper runs."""
    return int(min(4 * cfg.particle_seeds, round(cfg.particle_seeds * math.sqrt(max(cfg.particle_ns) / n))))


# ------------------------------------------------------------------------------------- study
@dataclass
class TheoremResult:
    """Tables (pandas DataFrames or None for parts not run), the summary, and written files."""

    stationary: object = None
    collapse: object = None
    driven: object = None
    particles: object = None
    bistable: object = None
    summary: object = None
    driven_trace: tuple | None = None        # (times, x̄(t), {γ: μ(t)})
    files: list[Path] = field(default_factory=list)


def _per_population(results: list[dict], keys: tuple[str, ...], names_of) -> list[dict]:
    rows = []
    for r in results:
        for a, name in enumerate(names_of(r)):
            row = {k: v for k, v in r.items() if np.ndim(v) == 0}
            row["population"] = name
            for k in keys:
                row[k] = float(np.asarray(r[k])[a])
            rows.append(row)
    return rows


def run_theorem(cfg: TheoremConfig = FULL, output: str | Path | None = "results/theorem", *,
                progress: bool = True, scheduler=None) -> TheoremResult:
    """Run the study's parts (``cfg.parts``); with ``output`` write CSVs, figures and report.md there."""
    import pandas as pd
    res = TheoremResult()
    kw = dict(progress=progress, scheduler=scheduler)
    unknown = set(cfg.parts) - set(FULL.parts)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; allowed: {list(FULL.parts)}")
    if "stationary" in cfg.parts:
        tasks = [dict(preset=p, gamma=g, cfg=cfg) for p in cfg.presets for g in (*cfg.gammas, math.inf)]
        res.stationary = stationary_rows(run_tasks(stationary_task, tasks, desc="theorem: stationary P2-P4, P7", **kw),
                                         cfg)
    if "collapse" in cfg.parts:
        tasks = [dict(preset=p, gamma=g, cfg=cfg) for p in cfg.presets for g in cfg.collapse_gammas]
        if cfg.collapse_check_cells:
            tasks += [dict(preset=cfg.presets[0], gamma=g, cfg=cfg, cells=cfg.collapse_check_cells)
                      for g in cfg.collapse_gammas]
        out = run_tasks(collapse_task, tasks, desc="theorem: collapse P0", **kw)
        rows = _per_population(out, ("t_c", "predicted", "Abar", "v_inf"),
                               lambda r: presets.PRESETS[r["preset"]](1.0).population_names)
        df = pd.DataFrame(rows)
        df["gamma_tc"] = df.gamma * df.t_c
        df["gamma_tc_predicted"] = df.gamma * df.predicted
        res.collapse = df
    if "driven" in cfg.parts:
        period = 1.0
        times = np.linspace(cfg.driven_periods - 1.0, float(cfg.driven_periods), cfg.driven_outputs + 1) * period
        xbar = driven_balance(cfg, times)
        out = run_tasks(driven_task, [dict(gamma=g, times=times, xbar=xbar, cfg=cfg) for g in cfg.driven_gammas],
                        desc="theorem: driven P5", **kw)
        res.driven = pd.DataFrame(_per_population(out, ("lag",), lambda r: presets.driven(1.0).population_names))
        res.driven_trace = (times, xbar, {r["gamma"]: r["mean"] for r in out})
    if "particles" in cfg.parts:
        tasks = [dict(gamma=g, n=n, seed=s, cfg=cfg) for n in cfg.particle_ns for g in cfg.particle_gammas
                 for s in range(particle_seeds(cfg, n))]
        res.particles = pd.DataFrame(run_tasks(particle_task, tasks, desc="theorem: particles P6", **kw))
        net = presets.ei_single(1.0)
        res.particles.attrs["limit_std"] = float(limit_std(net, stable_point(net))[0])
    if "bistable" in cfg.parts:
        res.bistable = pd.DataFrame(run_tasks(bistable_task, [dict(mean0=m, cfg=cfg) for m in cfg.bistable_means],
                                              desc="theorem: bistable", **kw))
    res.summary = fit_table(res.stationary, res.collapse, res.driven, res.particles, cfg, res.bistable)
    if output is not None:
        from .theorem_output import write_outputs
        res.files = write_outputs(res, cfg, Path(output))
    return res
