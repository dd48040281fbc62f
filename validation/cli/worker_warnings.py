"""Dask worker preload: the worker processes a CLI command starts print warnings as one line.

``fokker-balance study`` adds this module to ``distributed.worker.preload`` while it runs, so
the workers of its local cluster print ``warning: <message> [<Category>]`` like the command
itself (:func:`validation.cli.show_warning_line`) instead of Python's file/line/source format.
"""
from __future__ import annotations

import warnings

PRELOAD = __name__


def dask_setup(worker: object) -> None:
    """Called by distributed in each new worker process: install the one-line warning format."""
    from . import show_warning_line
    warnings.showwarning = show_warning_line
