"""``fokker-balance solve CONFIG``: one Fokker–Planck solve, its data file and figures.

Writes ``solution.nc`` (densities p_α(t, x), activities, moments and balance
voltage x*_α(t), with the configuration and package versions in its attributes),
``density.png/.pdf`` (heat map of p_α over (t, x) with x*_α(t) and the balance
points x̄ overlaid) and ``moments.png/.pdf`` (mean and standard deviation over time).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ...output import heat_map, plain_log_scale, pyplot, save_figure
from ...store import package_versions, write_netcdf
from . import two_variable
from ._common import RESULTS, add_config, add_output, add_run_options, check_cost, load_config, output_dir, \
    show_progress

HELP = "solve the mean-field Fokker-Planck equation of a configuration; write data and figures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    add_output(parser, "results/<config name>")
    parser.add_argument("--gamma", type=float, default=None, help="override network.gamma")
    add_run_options(parser)


def density_figure(sol, points, stem: Path) -> list[Path]:
    """Heat map of p_α over (t, x) with the balance voltage x*_α(t) and the balance points x̄.

    Labels are plain text (no mathtext: its parser costs more to set up than drawing the figure).
    """
    plt = pyplot()
    net, grid = sol.network, sol.grid
    fig, axes = plt.subplots(net.P, 1, figsize=(7, 3.2 * net.P), squeeze=False, sharex=True)
    xstar = sol.balance_voltage
    for a, ax in enumerate(axes[:, 0]):
        mesh = heat_map(ax, sol.t, grid.centers, sol.p[:, a, :].T, cmap="magma")
        fig.colorbar(mesh, ax=ax, label=f"density p_{net.population_names[a]}(t, x)")
        ax.plot(sol.t, xstar[:, a], color="cyan", lw=1.2, label="balance voltage x*(t)")
        for i, bp in enumerate(points):
            ax.axhline(bp.voltage[a], color="white", ls=":" if bp.stable else "--", lw=0.8,
                       label="balance points" if i == 0 else None)
        ax.set_ylabel("x")
        ax.set_title(f"population {net.population_names[a]} (gamma = {net.gamma:g})")
        ax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("t")
    return save_figure(fig, stem)


def moments_figure(t, mean, std, xstar, names, stem: Path, title: str) -> list[Path]:
    """Mean (with the balance voltage x*) and standard deviation over time, per population."""
    plt = pyplot()
    fig, (ax_m, ax_s) = plt.subplots(1, 2, figsize=(10, 3.6))
    for a, name in enumerate(names):
        line, = ax_m.plot(t, mean[:, a], label=f"mean {name}")
        ax_m.plot(t, xstar[:, a], ls="--", color=line.get_color(), label=f"x* {name}")
        ax_s.plot(t, std[:, a], label=f"std {name}")
    ax_m.set_xlabel("t")
    ax_m.set_ylabel("voltage")
    ax_s.set_xlabel("t")
    ax_s.set_ylabel("standard deviation")
    plain_log_scale(ax_s, "y")
    for ax in (ax_m, ax_s):
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return save_figure(fig, stem)


def run(args: argparse.Namespace) -> int:
    config = load_config(args)
    from solvers import solve
    net = config.network()
    max_steps = check_cost(args, config, net)
    progress = show_progress(args)
    grid = config.grid()
    if net.variables == 2:
        return two_variable.solve_command(args, config, net, grid, progress, max_steps)
    out = output_dir(args, RESULTS / Path(args.config).stem)
    sol = solve(net, grid, config.initial_density(grid, net.P), progress=progress, max_steps=max_steps,
                **config.solver_options())
    ds = sol.to_xarray()
    ds.attrs.update(config=config.to_toml(), config_hash=config.hash(), versions=json.dumps(package_versions()))
    data = write_netcdf(ds, out / "solution.nc")
    try:
        points = net.balance(config.t_span[0])
    except ValueError:
        points = []
    figs = density_figure(sol, points, out / "density")
    figs += moments_figure(sol.t, sol.mean(), sol.std(), sol.balance_voltage, net.population_names,
                           out / "moments", f"Fokker-Planck solution, gamma = {net.gamma:g}")
    final = ", ".join(f"{n}: mean {m:.6g}, std {s:.6g}" for n, m, s in
                      zip(net.population_names, sol.mean()[-1], sol.std()[-1]))
    print(f"solved {net!r} on {grid!r} to t = {sol.t[-1]:g} "
          f"({sol.stats.get('steps', '?')} steps, {sol.stats.get('wall_time', float('nan')):.2f} s); {final}")
    for path in [data, *figs]:
        print(f"wrote {path}")
    return 0 if np.all(np.isfinite(sol.p)) else 1
