"""The local schedulers of :func:`validation.store.runner.run_tasks` and the default worker count
(a module of its own, without imports, so that the CLI's parser reads them without loading the runner)."""
from __future__ import annotations

import os

LOCAL_SCHEDULERS = ("synchronous", "threads", "processes")
"""Schedulers run on this machine: in-process, a local cluster of threads, or of processes."""


def default_workers() -> int:
    """One worker per available core."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                                   # not on Linux
        return os.cpu_count() or 1
