"""The convergence theorem as γ → ∞ (docs/theory/convergence.md: P0, P2–P7, and a bistable network), measured.

Every part is a list of independent tasks (dicts) run through
:func:`validation.store.runner.run_tasks`, followed by a reducer that fits power laws
(least squares on log–log axes, slope ± standard error; :func:`validation.metrics.fit_power`)
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
      where q_γ > ``hopf_floor`` · max q_γ (the region where p is above round-off: a window
      shrinking like γ^(−1/2) in x; the fixed window is the part ``hopf``).
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
- P7 on fixed windows (``hopf``, ``hopf_presets``): ``solve_log`` (u = γ⁻¹ log p itself, no
  underflow) to the stationary state on a grid with h ≤ s/2 around every x̄_α; the sup of
  |u_γ − max u_γ + Ā (x − x̄)²/σ²| over |x − x̄| ≤ ``hopf_half_window``, over the whole grid, and over
  the shrinking window p > ``hopf_floor``·max p of the same u_γ (:func:`.tasks.hopf_window_task`).
  Fits: power-law slope ± s.e. and 95 % interval against −1; γE = c₀ + c₁ ln γ and the rms residuals
  of the forms O(1/γ) and O(log γ/γ). ``hopf_check_cells_per_width`` repeats the first preset on a
  finer grid.
- bistable (``ei_bistable``): ``frame="auto"`` at ``bistable_gamma`` from N(m0, s0²) for a
  range of m0: the root reached, its stability, against the limit ODE's basin boundary.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fokker import presets

from ...store.runner import run_tasks
from .config import FULL, TheoremConfig
from .fits import fit_table, hopf_fits, hopf_profiles, hopf_rows, particle_seeds, stationary_rows
from .outputs import write_outputs
from .tasks import (bistable_task, collapse_task, driven_balance, driven_task, hopf_window_task, limit_std,
                    particle_task, stable_point, stationary_task)

# ------------------------------------------------------------------------------------- study
@dataclass
class TheoremResult:
    """Tables (pandas DataFrames or None for parts not run), the summary, and written files."""

    stationary: object = None
    collapse: object = None
    driven: object = None
    particles: object = None
    bistable: object = None
    hopf: object = None                      # P7 on fixed windows: one row per (preset, population, γ, h)
    hopf_fits: object = None                 # its fits (slopes, 95 % intervals, the O(1/γ) vs O(log γ/γ) forms)
    hopf_profiles: dict | None = None        # {(preset, population, γ, cells per width): (x − x̄, u − max u, Ā, σ)}
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
    if "hopf" in cfg.parts:
        tasks = [dict(preset=p, gamma=g, cfg=cfg) for p in cfg.hopf_presets for g in cfg.hopf_gammas]
        if cfg.hopf_check_cells_per_width:
            tasks += [dict(preset=cfg.hopf_presets[0], gamma=g, cfg=cfg,
                           cells_per_width=cfg.hopf_check_cells_per_width) for g in cfg.hopf_gammas]
        out = run_tasks(hopf_window_task, tasks, desc="theorem: P7 fixed window", **kw)
        res.hopf = hopf_rows(out, cfg)
        res.hopf_fits = hopf_fits(res.hopf, cfg)
        res.hopf_profiles = hopf_profiles(out)
    res.summary = fit_table(res.stationary, res.collapse, res.driven, res.particles, cfg, res.bistable,
                            res.hopf_fits)
    if output is not None:
        res.files = write_outputs(res, cfg, Path(output))
    return res
