"""Running a study: a list of independent tasks, each a dict of keyword arguments.

``run_tasks(func, tasks)`` calls ``func(**task)`` for every task and returns the
results in task order. This in-process path is the reference; the distributed
path (dask.distributed) and the persistent store plug in behind the same call.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from tqdm.auto import tqdm


def run_tasks(func: Callable[..., dict], tasks: Sequence[dict], *, progress: bool = True,
              desc: str = "tasks") -> list[dict]:
    """Run ``func(**task)`` for each task, in order, with a progress bar; returns the list of results."""
    return [func(**task) for task in tqdm(tasks, desc=desc, disable=not progress, leave=False)]
