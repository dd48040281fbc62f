"""The FitzHugh–Nagumo study: the balanced-dynamics conjecture explored beyond the theorem, measured.

Parts (``cfg.parts``), each a list of independent tasks through :func:`validation.store.runner.run_tasks`
(results cached per task under ``<output>/cache/``, so an interrupted study resumes), then a reducer:

- ``period`` (F2, ``fhn_electrical``, I = 0.5, particles): from a concentrated law on the uncoupled
  limit cycle, the period of the mean voltage (upward crossings of the section through the unstable rest
  point, linear interpolation, the first crossing dropped) against the ODE period; the period-averaged
  √(2γG)·std(x)/σ; the largest distance of the last period's mean trajectory to the ODE cycle.
  Every γ shares one noise (common random numbers) with a reference run at γ_ref = ``reference_gamma``,
  so T_γ − T_ref is nearly free of the finite-n phase noise and of the particle step's O(dt) period
  error, which are reported separately (T_ref − T_ODE). Theory: the mean dynamics with ⟨f⟩ over a
  Gaussian of variance σ²/(2γG) (:mod:`.theory`), an O(1/γ) period shift.
- ``rest`` (F3, I = ``rest_current``, particles): the time-averaged (μ, w̄) against the ODE rest point;
  the offset from the reference run, against the leading-order offset of :mod:`.theory`.
- ``chemical`` (F4, ``fhn_chemical``, particles): |μ − x̄| (x̄ from ``net.balance()``), √γ·std(x)
  against σ/√(2Ā), w̄ against (x̄ + a)/b and its relaxation rate against c b.
- ``particles`` (F5, ``fhn_electrical``): particles sampled from the PDE's initial density, W1 of the
  x- and w-marginals at ``compare_t`` against n (at ``compare_gamma``) and across γ.
- ``onset`` (F6, ``fhn_electrical`` at small γ, from phases spread along the cycle): the amplitude
  √2·std of the mean voltage late in the run, from the PDE and from particles; the onset γ_c as the zero
  of the PDE's growth rate of the mean's oscillation (a line fitted to the rates, delta-method error) and
  as the bracket between the particles' desynchronised and synchronised γ.
- ``pair`` (``fhn_pair``, particles): balance of the chemical part and synchrony of the gap junctions.
- ``animation``: the PDE density of one run in the phase plane (GIF).

Fits (least squares of :mod:`validation.metrics.fits`) use the points with γ ≥ the part's ``*_fit_min``
(chosen before the run: γ where the O(1/γ) term is below a few per cent); the summary table lists every
fitted value with its standard error next to the prediction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...store.runner import run_tasks
from .cache import TaskCache
from .config import FULL, PARTS, FhnConfig
from .outputs import write_outputs
from .reduce import chemical_tables, compare_tables, onset_tables, pair_table, period_tables, rest_tables
from .tasks import (ONSET_W, ONSET_X, compare_reference, compare_task, network, particle_trace, pde_trace,
                    uncoupled_cycle)


@dataclass
class FhnResult:
    """Tables per part (pandas DataFrames, None for parts not run), the summary, traces and written files."""

    period: object = None
    rest: object = None
    chemical: object = None
    compare: object = None
    onset_pde: object = None
    onset_particles: object = None
    pair: object = None
    summary: object = None
    traces: dict = field(default_factory=dict)      # part -> list of raw results (for the figures)
    animation: dict | None = None
    files: list[Path] = field(default_factory=list)


def _tagged(tasks: list[dict], results: list[dict], keys=("gamma", "seed", "n")) -> list[dict]:
    return [{**{k: t[k] for k in keys if k in t}, **r} for t, r in zip(tasks, results)]


def _runner(output: Path | None, progress: bool, scheduler):
    def run(func, tasks, desc):
        store = None if output is None else TaskCache(output / "cache", func.__name__)
        return _tagged(tasks, run_tasks(func, tasks, desc=f"fhn: {desc}", progress=progress,
                                        scheduler=scheduler, store=store))
    return run


def run_fhn(cfg: FhnConfig = FULL, output: str | Path | None = "results/fhn", *, progress: bool = True,
            scheduler=None) -> FhnResult:
    """Run the study's parts (``cfg.parts``); with ``output`` cache the tasks and write CSVs, figures, report.md."""
    import pandas as pd
    unknown = set(cfg.parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; allowed: {list(PARTS)}")
    output = None if output is None else Path(output)
    run = _runner(output, progress, scheduler)
    res, summary = FhnResult(), []
    if "period" in cfg.parts:
        lc = uncoupled_cycle(0.5)
        k = lc.x.size // 4                                     # a quarter period after the section
        t_end = (cfg.period_periods + 2.0) * lc.period
        tasks = [dict(preset="fhn_electrical", gamma=g, n=cfg.period_n, seed=0, t_end=t_end, dt=cfg.period_dt,
                      start=("point", float(lc.x[k]), float(lc.w[k]), cfg.sigma / np.sqrt(2.0 * g), 0.0), cfg=cfg,
                      stream=2, sample=cfg.period_sample) for g in (*cfg.period_gammas, cfg.reference_gamma)]
        res.traces["period"] = run(particle_trace, tasks, "F2 period")
        res.period, rows = period_tables(res.traces["period"], cfg)
        summary += rows
    if "rest" in cfg.parts:
        fhn = network("fhn_electrical", 1.0, cfg, cfg.rest_current).populations[0].intrinsic
        rest = [p for p in fhn.rest_points() if p.stable][0]
        tasks = [dict(preset="fhn_electrical", gamma=g, n=cfg.rest_n, seed=0, t_end=cfg.rest_t_end, dt=cfg.rest_dt,
                      start=("point", rest.x + 0.3, rest.w + 0.1, cfg.sigma / np.sqrt(2.0 * g), 0.0), cfg=cfg,
                      stream=3, current=cfg.rest_current, outputs=401)
                 for g in (*cfg.rest_gammas, cfg.reference_gamma)]
        res.traces["rest"] = run(particle_trace, tasks, "F3 rest")
        res.rest, rows = rest_tables(res.traces["rest"], cfg)
        summary += rows
    if "chemical" in cfg.parts:
        point = [b for b in network("fhn_chemical", 1.0, cfg).balance() if b.stable][0]
        xbar, Abar = float(point.voltage[0]), float(point.conductance[0])
        tasks = [dict(preset="fhn_chemical", gamma=g, n=cfg.chemical_n, seed=0, t_end=cfg.chemical_t_end,
                      dt=cfg.chemical_dt, start=("point", xbar, cfg.chemical_w0, cfg.sigma / np.sqrt(2 * g * Abar), 0.0),
                      cfg=cfg, stream=4, outputs=cfg.chemical_outputs) for g in cfg.chemical_gammas]
        res.traces["chemical"] = run(particle_trace, tasks, "F4 chemical")
        res.chemical, rows = chemical_tables(res.traces["chemical"], cfg)
        summary += rows
    if "particles" in cfg.parts:
        gammas = sorted({*cfg.compare_gammas, cfg.compare_gamma})
        refs = {r["gamma"]: r for r in run(compare_reference, [dict(gamma=g, cfg=cfg) for g in gammas],
                                           "F5 PDE references")}
        points = sorted({(cfg.compare_gamma, n, s) for n in cfg.compare_ns for s in range(cfg.compare_seeds)}
                        | {(g, cfg.compare_n_across, s) for g in cfg.compare_gammas for s in range(cfg.compare_seeds)})
        tasks = [dict(gamma=g, n=n, seed=s, reference=refs[g], cfg=cfg) for g, n, s in points]
        res.compare, rows = compare_tables(run(compare_task, tasks, "F5 particles"), cfg)
        res.compare["pde_nx"] = res.compare.gamma.map(lambda g: refs[g]["nx"])
        res.compare["pde_warnings"] = res.compare.gamma.map(lambda g: refs[g].get("warnings", ""))
        summary += rows
    if "onset" in cfg.parts:
        start = ("cycle", cfg.onset_spread)
        pde = run(pde_trace, [dict(preset="fhn_electrical", gamma=g, x_box=ONSET_X, w_box=ONSET_W,
                                   cells=cfg.onset_cells, start=start, t_end=cfg.onset_t_end, dt=cfg.onset_pde_dt,
                                   sample_dt=0.5, cfg=cfg) for g in cfg.onset_pde_gammas], "F6 onset PDE")
        outputs = int(round(cfg.onset_t_end / 0.5)) + 1
        parts = run(particle_trace, [dict(preset="fhn_electrical", gamma=g, n=cfg.onset_n, seed=s,
                                          t_end=cfg.onset_t_end, dt=cfg.onset_dt, start=start, cfg=cfg, stream=6,
                                          outputs=outputs)
                                     for g in cfg.onset_particle_gammas for s in range(cfg.onset_seeds)],
                    "F6 onset particles")
        res.traces["onset_pde"], res.traces["onset_particles"] = pde, parts
        res.onset_pde, res.onset_particles, rows = onset_tables(pde, parts, cfg)
        summary += rows
    if "pair" in cfg.parts:
        tasks = [dict(preset="fhn_pair", gamma=g, n=cfg.pair_n, seed=0, t_end=cfg.pair_t_end, dt=cfg.pair_dt,
                      start=("point", 0.2, 0.0, 0.1, 0.0), cfg=cfg, stream=7, outputs=401) for g in cfg.pair_gammas]
        res.traces["pair"] = run(particle_trace, tasks, "fhn_pair")
        res.pair, rows = pair_table(res.traces["pair"], cfg)
        summary += rows
    if "animation" in cfg.parts:
        res.animation = run(pde_trace, [dict(preset="fhn_electrical", gamma=cfg.animation_gamma, x_box=ONSET_X,
                                             w_box=ONSET_W, cells=cfg.onset_cells, start=("cycle", cfg.onset_spread),
                                             t_end=cfg.animation_t_end, dt=cfg.onset_pde_dt, sample_dt=0.5, cfg=cfg,
                                             frames=cfg.animation_frames)], "animation")[0]
    res.summary = pd.DataFrame(summary)
    if output is not None:
        res.files = write_outputs(res, cfg, output)
    return res
