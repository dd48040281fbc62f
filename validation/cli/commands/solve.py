"""``fokker-balance solve CONFIG``: one Fokker–Planck solve, its data file and figures.

Writes ``solution.nc`` (densities p_α(t, x), activities, moments and balance
voltage x*_α(t), with the configuration and package versions in its attributes),
``density.png/.pdf`` (heat map of p_α over (t, x) with x*_α(t) and the balance
points x̄ overlaid) and ``moments.png/.pdf`` (mean and standard deviation over time).

The figures are drawn by a separate process (:mod:`validation.cli.figure_process`), started first
so that it imports matplotlib while this one imports the solvers and solves; it draws the moments
while this one finds the balance points, then the density while this one writes ``solution.nc``.
If it cannot be started, the figures are drawn in-process. Its failure is one error line and
exit code 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ...output.solution_figures import density_figure as density_figure_arrays
from ...output.solution_figures import moments_figure  # noqa: F401  (a public name of this module)
from ._common import RESULTS, add_config, add_output, add_run_options, check_cost, load_config, output_dir, \
    show_progress

HELP = "solve the mean-field Fokker-Planck equation of a configuration; write data and figures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    add_output(parser, "results/<config name>")
    parser.add_argument("--gamma", type=float, default=None, help="override network.gamma")
    add_run_options(parser)


def density_figure(sol, points, stem: Path) -> list[Path]:
    """Heat map of p_α over (t, x) with the balance voltage x*_α(t) and the balance points x̄ of a
    :class:`solvers.Solution` (:func:`validation.output.solution_figures.density_figure`)."""
    return density_figure_arrays(**_density_arrays(sol, points), stem=stem)


def _density_arrays(sol, points) -> dict:
    """The plain arrays of :func:`density_figure` (what a figure process is sent)."""
    net = sol.network
    return {"t": sol.t, "x": sol.grid.centers, "p": sol.p, "xstar": sol.balance_voltage,
            "points": np.array([bp.voltage for bp in points]).reshape(-1, net.P),
            "stable": [bp.stable for bp in points], "names": list(net.population_names), "gamma": net.gamma}


def run(args: argparse.Namespace) -> int:
    from ..figure_process import FigureProcess, FigureProcessError
    figures = FigureProcess.start()              # first: it imports matplotlib while this process solves
    try:
        return _run(args, figures)
    except FigureProcessError as exc:
        print(f"fokker-balance solve: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if figures is not None:
            figures.close()


def _run(args: argparse.Namespace, figures) -> int:
    """The solve command with ``figures``, a started FigureProcess, or None: draw in-process."""
    from ..figure_process import draw
    config = load_config(args)
    from solvers import solve
    net = config.network()
    max_steps = check_cost(args, config, net)
    progress = show_progress(args)
    grid = config.grid()
    if net.variables == 2:
        from . import two_variable
        return two_variable.solve_command(args, config, net, grid, progress, max_steps)
    out = output_dir(args, RESULTS / Path(args.config).stem)
    sol = solve(net, grid, config.initial_density(grid, net.P), progress=progress, max_steps=max_steps,
                **config.solver_options())
    mean, std = sol.mean(), sol.std()
    jobs = [("moments", {"t": sol.t, "mean": mean, "std": std, "xstar": sol.balance_voltage,
                         "names": list(net.population_names), "stem": out / "moments",
                         "title": f"Fokker-Planck solution, gamma = {net.gamma:g}"})]
    if figures is not None:
        figures.submit(jobs[-1:])                # drawn there while the balance points are found here
    try:
        points = net.balance(config.t_span[0])
    except ValueError:
        points = []
    jobs.append(("density", {**_density_arrays(sol, points), "stem": out / "density"}))
    if figures is not None:
        figures.submit(jobs[-1:])                # drawn there while the data file is written here
    from ...store import package_versions, write_netcdf      # xarray: imported after the solve is handed over
    from ...store.store import no_dask_import
    with no_dask_import():
        ds = sol.to_xarray()
        ds.attrs.update(config=config.to_toml(), config_hash=config.hash(), versions=json.dumps(package_versions()))
        data = write_netcdf(ds, out / "solution.nc")
    drawn = dict(zip([name for name, _ in jobs], figures.result() if figures is not None else draw(jobs)))
    final = ", ".join(f"{n}: mean {m:.6g}, std {s:.6g}" for n, m, s in
                      zip(net.population_names, mean[-1], std[-1]))
    print(f"solved {net!r} on {grid!r} to t = {sol.t[-1]:g} "
          f"({sol.stats.get('steps', '?')} steps, {sol.stats.get('wall_time', float('nan')):.2f} s); {final}")
    for path in [data, *drawn["density"], *drawn["moments"]]:
        print(f"wrote {path}")
    return 0 if np.all(np.isfinite(sol.p)) else 1
