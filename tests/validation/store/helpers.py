"""Shared by the store tests: the small study, exact comparison and a `study` subprocess."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import xarray as xr

DATA = Path(__file__).parents[1] / "data"
SMALL = DATA / "small_study.toml"
SLOW_SWEEP = "n = [300, 600, 1200, 2400, 4800, 9600]"
"""The small study's n axis made long enough (12 points) to be stopped part-way."""

STUDY_CODE = ("import sys, importlib.util; from validation import cli; "
              "cli.COMMANDS = {k: v for k, v in cli.COMMANDS.items() if importlib.util.find_spec(v)}; "
              "sys.exit(cli.main(['study', sys.argv[1], '--output', sys.argv[2], '--scheduler', 'synchronous', "
              "'--no-progress']))")
"""`fokker-balance study CONFIG --output DIR` in process (commands whose module exists only)."""


def assert_same_numbers(a: xr.Dataset, b: xr.Dataset) -> None:
    """Same variables with identical values, coordinates and variable attributes."""
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        xr.testing.assert_identical(a[name], b[name])


def start_study(config: Path, output: Path, **popen) -> subprocess.Popen:
    """A `study` subprocess in its own session (so signals sent to it reach nobody else)."""
    return subprocess.Popen([sys.executable, "-c", STUDY_CODE, str(config), str(output)],
                            start_new_session=True, **popen)
