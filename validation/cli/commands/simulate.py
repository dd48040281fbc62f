"""``fokker-balance simulate CONFIG``: the finite-n network (particles) of a configuration.

Writes ``particles.nc`` (per-population mean and standard deviation, empirical
activities and balance voltage over time, with the configuration, seed and package
versions in the attributes) and
``particles.png/.pdf`` (moments over time).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ...output.solution_figures import moments_figure
from ._common import RESULTS, add_config, add_output, add_run_options, check_cost, load_config, output_dir, \
    show_progress

HELP = "simulate the finite-n particle network of a configuration; write data and figures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    add_output(parser, "results/<config name>")
    parser.add_argument("--gamma", type=float, default=None, help="override network.gamma")
    parser.add_argument("--n", type=int, default=None, help="override particles.n (neurons per population)")
    parser.add_argument("--seed", type=int, default=None, help="override particles.seed")
    add_run_options(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args)
    import xarray as xr

    from ...particles import simulate_particles
    from ...store import package_versions, write_netcdf
    from . import two_variable
    net = config.network()
    overrides = {k: v for k, v in (("n", args.n), ("seed", args.seed)) if v is not None}
    if overrides:
        config = config.replace("particles", **overrides)
    max_steps = check_cost(args, config, net, particles=True)
    progress = show_progress(args)
    grid = config.grid()
    opts = config["particles"]
    n, seed = opts["n"], opts["seed"]
    if net.variables == 2:
        return two_variable.simulate_command(args, config, net, grid, progress, max_steps)
    out = output_dir(args, RESULTS / Path(args.config).stem)
    print(f"simulating {n} neurons x {net.P} population(s), {config.t_eval.size} output times ...", flush=True)
    run_ = simulate_particles(net, n, (grid, config.initial_density(grid, net.P)), config.t_span,
                              opts["dt"], seed=seed, t_eval=config.t_eval, summary_only=True, progress=progress,
                              max_steps=max_steps)
    ds = xr.Dataset(
        {"mean": (("t", "population"), run_.mean), "std": (("t", "population"), run_.std),
         "activity": (("t", "channel"), run_.activity),
         "balance_voltage": (("t", "population"), run_.balance_voltage)},
        coords={"t": run_.t, "population": net.population_names, "channel": net.channel_names},
        attrs={"gamma": net.gamma, "n": n, "seed": seed, "dt": opts["dt"], "config": config.to_toml(),
               "config_hash": config.hash(), "versions": json.dumps(package_versions()),
               **{f"stats_{k}": v for k, v in run_.stats.items() if np.isscalar(v)}})
    data = write_netcdf(ds, out / "particles.nc")
    figs = moments_figure(run_.t, run_.mean, run_.std, run_.balance_voltage, net.population_names,
                          out / "particles", f"particles: n = {n}, gamma = {net.gamma:g}, seed = {seed}")
    print(f"simulated {n} neurons x {net.P} population(s) at gamma = {net.gamma:g} to t = {run_.t[-1]:g} "
          f"({run_.stats['steps']} steps, {run_.stats['wall_time']:.2f} s, "
          f"{run_.stats['particle_steps_per_second']:.3g} particle steps/s)")
    for path in [data, *figs]:
        print(f"wrote {path}")
    return 0
