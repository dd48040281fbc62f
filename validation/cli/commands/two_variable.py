"""``solve`` and ``simulate`` for two-variable (voltage x, recovery w) configurations, e.g. FitzHugh–Nagumo.

:func:`solve_command` writes ``solution.nc`` (densities p_α(t, x, w) — compressed —, the
mean and standard deviation of x and of w, the mass and the activities, with the
configuration and package versions in its attributes), ``phase_plane.png/.pdf``
(p_α(x, w) at a few times with the single-neuron nullclines and the mean trajectory) and
``moments.png/.pdf``. :func:`simulate_command` writes ``particles.nc`` (the same moments
and activities of the finite-n network; no positions) and
``particles_phase_plane.png/.pdf`` (a subsample of neurons at a few times).
The ``solve`` and ``simulate`` commands call these when ``network.variables == 2``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import xarray as xr

from ...output.phase_plane import density_phase_plane, particle_phase_plane, phase_moments_figure
from ...store import package_versions, write_netcdf
from ._common import RESULTS, output_dir

DENSITY_ENCODING = {"zlib": True, "complevel": 4, "shuffle": True}
"""NetCDF encoding of the density p(t, population, x, w): mostly zeros, so it compresses well."""


def _provenance(config) -> dict:
    """Attributes every data file carries: the configuration, its hash and the package versions."""
    return {"config": config.to_toml(), "config_hash": config.hash(), "versions": json.dumps(package_versions())}


def _moments(mean_x, std_x, mean_w, std_w, activity) -> dict:
    return {"mean": (("t", "population"), mean_x), "std": (("t", "population"), std_x),
            "mean_w": (("t", "population"), mean_w), "std_w": (("t", "population"), std_w),
            "activity": (("t", "channel"), activity)}


def _scalar_stats(stats: dict) -> dict:
    return {f"stats_{k}": v for k, v in stats.items() if np.isscalar(v)}


def _final(names, mean_x, mean_w, std_x) -> str:
    return ", ".join(f"{n}: mean (x, w) = ({mx:.6g}, {mw:.6g}), std x {s:.6g}"
                     for n, mx, mw, s in zip(names, mean_x[-1], mean_w[-1], std_x[-1]))


def _report(paths) -> None:
    for path in paths:
        print(f"wrote {path}")


def solution_dataset(sol, config) -> xr.Dataset:
    """A :class:`solvers.TwoVariableSolution` as a Dataset with coordinates (t, population, x, w, channel)."""
    net, grid = sol.network, sol.grid
    mean_x, mean_w = sol.mean(), sol.mean_w()
    ds = xr.Dataset(
        {"p": (("t", "population", "x", "w"), sol.p), "mass": (("t", "population"), sol.mass()),
         **_moments(mean_x, sol.std(), mean_w, sol.std_w(), sol.activity)},
        coords={"t": sol.t, "population": net.population_names, "x": grid.x.centers,
                "w": grid.w.centers, "channel": net.channel_names},
        attrs={"gamma": net.gamma, "method": sol.method, "backend": sol.backend, "frame": sol.frame,
               "notes": "; ".join(sol.notes), "status": sol.status, "message": sol.message,
               **_scalar_stats(sol.stats), **_provenance(config)})
    ds["p"].encoding.update(DENSITY_ENCODING)
    return ds


def solve_command(args: argparse.Namespace, config, net, grid, progress: bool, max_steps: int) -> int:
    """``fokker-balance solve`` on a two-variable configuration (module docstring); exit code 0 if finite."""
    from solvers import solve
    out = output_dir(args, RESULTS / Path(args.config).stem)
    sol = solve(net, grid, config.initial_density(grid, net.P), progress=progress, max_steps=max_steps,
                **config.solver_options())
    ds = solution_dataset(sol, config)
    data = write_netcdf(ds, out / "solution.nc")
    mean_x, std_x, mean_w, std_w = (ds[name].values for name in ("mean", "std", "mean_w", "std_w"))
    figs = density_phase_plane(sol, out / "phase_plane")
    figs += phase_moments_figure(sol.t, mean_x, std_x, mean_w, std_w, net.population_names,
                                 out / "moments", f"Fokker-Planck solution, gamma = {net.gamma:g}")
    print(f"solved {net!r} on {grid!r} to t = {sol.t[-1]:g} "
          f"({sol.stats.get('steps', '?')} steps, {sol.stats.get('wall_time', float('nan')):.2f} s); "
          f"{_final(net.population_names, mean_x, mean_w, std_x)}")
    _report([data, *figs])
    return 0 if np.all(np.isfinite(sol.p)) else 1


def simulate_command(args: argparse.Namespace, config, net, grid, progress: bool, max_steps: int) -> int:
    """``fokker-balance simulate`` on a two-variable configuration (module docstring); exit code 0.

    The positions are kept at every output time for the phase-plane figure (2 · nt · P · n
    floats) but not written to ``particles.nc``.
    """
    from ...particles import simulate_particles
    opts = config["particles"]
    n, seed = opts["n"], opts["seed"]
    out = output_dir(args, RESULTS / Path(args.config).stem)
    print(f"simulating {n} neurons x {net.P} population(s) with (x, w), {config.t_eval.size} output times ...",
          flush=True)
    run = simulate_particles(net, n, (grid, config.initial_density(grid, net.P)), config.t_span,
                             opts["dt"], seed=seed, t_eval=config.t_eval, progress=progress, max_steps=max_steps)
    ds = xr.Dataset(
        _moments(run.mean, run.std, run.mean_w, run.std_w, run.activity),
        coords={"t": run.t, "population": net.population_names, "channel": net.channel_names},
        attrs={"gamma": net.gamma, "n": n, "seed": seed, "dt": opts["dt"], **_scalar_stats(run.stats),
               **_provenance(config)})
    data = write_netcdf(ds, out / "particles.nc")
    box = ((grid.x.lower, grid.x.upper), (grid.w.lower, grid.w.upper))
    figs = particle_phase_plane(run, box, out / "particles_phase_plane")
    print(f"simulated {n} neurons x {net.P} population(s) at gamma = {net.gamma:g} to t = {run.t[-1]:g} "
          f"({run.stats['steps']} steps, {run.stats['wall_time']:.2f} s); "
          f"{_final(net.population_names, run.mean, run.mean_w, run.std)}")
    _report([data, *figs])
    return 0
