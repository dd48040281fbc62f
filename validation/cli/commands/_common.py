"""Helpers shared by the CLI subcommands: config and output arguments."""
from __future__ import annotations

import argparse
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
