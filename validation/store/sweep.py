"""A configured study: the tasks of a ``[study]`` section, their task function and the run.

Each study point is one independent task, a dict ``{"config", "gamma"[, "n", "seed"]}``:

- ``kind = "particles"``: simulate the n-neuron network at γ with the given seed
  (``validation.particles``, exact OU step, one thread per task) and measure, at the
  output times, the per-population ``mean`` and ``std``, the empirical ``activity`` m_k
  and ``w1`` = W1(empirical law, p_γ(t)) against the Fokker–Planck solution at the same γ
  (solved once per γ and process, cached);
- ``kind = "pde"``: solve the Fokker–Planck equation at γ and keep ``mean``, ``std``,
  ``activity``, ``balance_voltage`` and/or the ``density``.

Memory: positions are only kept when W1 is measured; then the output times are cut
into chunks so that the positions held at once fit ``particles.memory_budget_mb``.
Chunk c > 0 continues from the state at the end of chunk c − 1 with the random stream
SeedSequence(seed, spawn_key=(c,)); the chunking follows from the configuration, so a
rerun of the same configuration is bit-for-bit identical (one chunk is exactly a single
``simulate_particles`` call with ``seed``).
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from solvers import cost

from ..config import Config
from .lock import StudyLock
from .runner import run_tasks
from .store import StudyStore, read_netcdf

_REFERENCES: dict = {}


def study_tasks(config: Config) -> list[dict]:
    """One task per point of the sweep grid (outer product of the axes, in axis order)."""
    axes = config.sweep_axes()
    return [{"config": config, **dict(zip(axes, values))} for values in itertools.product(*axes.values())]


def pde_solution(config: Config, gamma: float):
    """The Fokker–Planck solution at γ for ``config`` (cached per process)."""
    key = (config.identity(), float(gamma))
    if key not in _REFERENCES:
        from solvers import solve
        net = config.network(gamma)
        grid = config.grid()
        _REFERENCES.clear()                                      # keep one reference per process
        _REFERENCES[key] = solve(net, grid, config.initial_density(grid, net.P), **config.solver_options())
    return _REFERENCES[key]


def chunk_times(t_eval: np.ndarray, P: int, n: int, budget_mb: float, keep_positions: bool) -> list[np.ndarray]:
    """Split the output times so that the positions kept at once fit the budget.

    Without positions only the state (P n floats) is held. With positions: the state and
    the chunk's initial positions (2 P n floats), sorting scratch for W1 (4 n floats) and
    P n floats per output time of the chunk (at least two: its first and last time). Consecutive chunks share
    their boundary time (the end of one chunk is the start of the next).
    """
    budget = budget_mb * 2**20
    snapshot = 8.0 * P * n
    fixed = 8.0 * (2 * P * n + 4 * n) if keep_positions else snapshot
    least = 2 if keep_positions else 0                       # a chunk holds at least its two end times
    if fixed + least * snapshot > budget:
        need = (fixed + least * snapshot) / 2**20
        raise ValueError(f"particles.memory_budget_mb = {budget_mb:g} is too small for n = {n} neurons × {P} "
                         f"population(s): at least {need:.1f} MB are needed")
    if not keep_positions:
        return [t_eval]
    per_chunk = int((budget - fixed) // snapshot)
    if per_chunk >= t_eval.size:
        return [t_eval]
    starts = range(0, t_eval.size - 1, per_chunk - 1)
    return [t_eval[s:s + per_chunk] for s in starts]


def _particle_point(config: Config, gamma: float, n: int, seed: int) -> xr.Dataset:
    from ..metrics import wasserstein1
    from ..particles import simulate_particles
    measure = config["study"]["measure"]
    net = config.network(gamma)
    grid = config.grid()
    opts = config["particles"]
    t_eval = config.t_eval
    keep = "w1" in measure
    sol = pde_solution(config, gamma) if keep else None
    chunks = chunk_times(t_eval, net.P, n, opts["memory_budget_mb"], keep)
    initial: object = (grid, config.initial_density(grid, net.P))
    parts = {"mean": [], "std": [], "activity": [], "w1": []}
    start = time.perf_counter()
    offset = 0
    for c, times in enumerate(chunks):
        chunk_seed = seed if c == 0 else np.random.SeedSequence(seed, spawn_key=(c,))
        run = simulate_particles(net, n, initial, (float(times[0]), float(times[-1])), opts["dt"], seed=chunk_seed,
                                 t_eval=times, summary_only=not keep, threads=1)
        skip = 0 if c == 0 else 1                                # the boundary time belongs to the previous chunk
        parts["mean"].append(run.mean[skip:])
        parts["std"].append(run.std[skip:])
        parts["activity"].append(run.activity[skip:])
        if keep:
            parts["w1"].append(np.array([[wasserstein1(grid, sol.p[offset + i, a], run.x[i, a])
                                          for a in range(net.P)] for i in range(skip, times.size)]))
            initial = run.x[-1].copy()
            del run
        offset += times.size - 1                                 # index of the next chunk's first time
    data = {"mean": (("t", "population"), np.concatenate(parts["mean"])),
            "std": (("t", "population"), np.concatenate(parts["std"])),
            "activity": (("t", "channel"), np.concatenate(parts["activity"]))}
    if keep:
        data["w1"] = (("t", "population"), np.concatenate(parts["w1"]))
    ds = xr.Dataset({k: v for k, v in data.items() if k in measure},
                    coords={"t": t_eval, "population": net.population_names, "channel": net.channel_names})
    ds.attrs.update(wall_time=time.perf_counter() - start, chunks=len(chunks))
    return ds


def _pde_point(config: Config, gamma: float) -> xr.Dataset:
    start = time.perf_counter()
    sol = pde_solution(config, gamma)
    full = sol.to_xarray().rename({"p": "density"})
    keep = [v for v in config["study"]["measure"]]
    ds = full[keep]
    ds.attrs = {"wall_time": time.perf_counter() - start, "steps": int(sol.stats.get("steps", -1))}
    return ds


def task_bytes(task: dict) -> float:
    """Estimated peak bytes of a study task (``solvers.cost``), from the configuration alone: the
    Fokker–Planck solve of a pde point (or the reference of a particle point measuring w1) plus the
    particles of the largest chunk."""
    config = task["config"]
    spec = config["grid"]
    P = config.network().P
    cells = spec["nx"] * (spec["w"]["cells"] if "w" in spec else 1)
    nt = config.t_eval.size
    keep = config["study"]["kind"] == "pde" or "w1" in config["study"]["measure"]
    need = cost.density_bytes(P, cells, nt) if keep else 0.0
    if config["study"]["kind"] == "particles":
        n = task["n"]
        chunk = max(c.size for c in chunk_times(config.t_eval, P, n, config["particles"]["memory_budget_mb"], keep))
        need += cost.particle_bytes(P, n, 2 if "w" in spec else 1, chunk, not keep)
    return need


def run_point(config: Config, gamma: float, n: int | None = None, seed: int | None = None) -> xr.Dataset:
    """The task function: measure one study point (see the module docstring)."""
    if config["study"]["kind"] == "pde":
        return _pde_point(config, gamma)
    return _particle_point(config, gamma, n, seed)


@dataclass
class StudyRun:
    """What :func:`run_study` did: the merged file, points computed now and skipped, wall time (s),
    and where the damaged task files found on resume were moved (their points were recomputed)."""

    path: Path
    dataset: xr.Dataset
    computed: int
    skipped: int
    wall_time: float
    damaged: list[Path] = field(default_factory=list)


def run_study(config: Config, output: str | Path, *, scheduler=None, n_workers: int | None = None,
              force: bool = False, progress: bool = True) -> StudyRun:
    """Run (or resume) the study of ``config`` into ``<output>/<study name>/`` and merge its results.

    The study folder is locked for the whole run (:class:`validation.store.lock.StudyLock`: a
    second run on the same folder raises ``StudyLockedError`` naming the holder) and its task
    files are verified before resuming (:meth:`StudyStore.verify`: damaged files are moved
    aside, reported and recomputed).
    """
    start = time.perf_counter()
    root = Path(output) / config["study"]["name"]
    with StudyLock(root):
        store = StudyStore(root, config, force=force)
        damaged = store.verify()
        tasks = study_tasks(config)
        pending = sum(not store.is_done(t) for t in tasks)
        run_tasks(run_point, tasks, progress=progress, desc=config["study"]["name"], scheduler=scheduler,
                  n_workers=n_workers, store=store, task_bytes=task_bytes)
        path = store.finalize(tasks)
    return StudyRun(path=path, dataset=read_netcdf(path), computed=pending, skipped=len(tasks) - pending,
                    wall_time=time.perf_counter() - start, damaged=damaged)
