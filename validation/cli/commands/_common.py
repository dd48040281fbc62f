"""Helpers shared by the CLI subcommands: config and output arguments."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

RESULTS = Path("results")


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="TOML configuration file (see the README, section Configuration files)")


def add_output(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("--output", metavar="DIR", default=None,
                        help=f"folder for the results (default: {default})")


def output_dir(args: argparse.Namespace, default: Path) -> Path:
    """The --output folder (or the default), created."""
    out = Path(args.output) if args.output else default
    out.mkdir(parents=True, exist_ok=True)
    return out


def load_config(args: argparse.Namespace):
    """The CONFIG file of ``args``, with ``--gamma`` applied when given."""
    from ...config import load
    config = load(args.config)
    if getattr(args, "gamma", None) is not None:
        config = config.replace("network", gamma=args.gamma)
    return config


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """--no-progress and --max-steps (the step cap of ``solvers.cost``; not imported here, so that
    ``--help`` stays fast)."""
    parser.add_argument("--no-progress", action="store_true",
                        help="hide the progress bar (shown only when stderr is a terminal)")
    parser.add_argument("--max-steps", type=int, default=None, metavar="N",
                        help="refuse runs of more than N time steps (default: the library's cap, 1,000,000)")


def show_progress(args: argparse.Namespace) -> bool:
    """Whether to draw a progress bar: not with --no-progress, and only on a terminal (``args.no_progress``
    is set accordingly, for the subcommands that read it)."""
    args.no_progress = args.no_progress or not sys.stderr.isatty()
    return not args.no_progress


def check_cost(args: argparse.Namespace, config, net, particles: bool = False) -> int:
    """The cost guards of ``solvers.cost`` from the configuration's numbers, before the grid, the
    density or the particles are built (ValueError naming the estimate and the limit); returns the
    step cap (--max-steps, or the library's default)."""
    from solvers import cost
    max_steps = cost.DEFAULT_MAX_STEPS if args.max_steps is None else cost.max_steps_value(args.max_steps)
    spec = config["grid"]
    t0, t_eval = config.t_span[0], config.t_eval
    names = {"t_eval": "time.n_out", "t_span": "time.t0..t1"}
    if particles:
        opts = config["particles"]
        cost.check_particle_run(net.P, opts["n"], net.variables, t0, t_eval, opts["dt"],
                                summary_only=net.variables == 1, max_steps=max_steps,
                                names={**names, "n": "particles.n (--n)", "dt": "particles.dt"})
    else:
        two = "w" in spec
        cells = spec["nx"] * (spec["w"]["cells"] if two else 1)
        cost.check_density_run(net.P, cells, t0, t_eval, config["time"]["dt"], None, float("inf"), max_steps,
                               {**names, "grid": "grid.nx × grid.w.cells" if two else "grid.nx", "dt": "time.dt"})
    return max_steps
