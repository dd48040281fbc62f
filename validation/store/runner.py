"""Running a study: a list of independent tasks, each a dict of keyword arguments.

``run_tasks(func, tasks)`` calls ``func(**task)`` for every task and returns the
results in task order. Where the calls run is chosen by ``scheduler``:

- ``None`` or ``"synchronous"``: in this process, one after the other (the reference
  path, used by the tests);
- ``"threads"``: a ``dask.distributed.LocalCluster`` of threads in this process;
- ``"processes"``: a ``LocalCluster`` of ``n_workers`` single-threaded worker
  processes (default: one per core);
- an address such as ``"tcp://10.0.0.5:8786"``: an existing Dask cluster (e.g. one
  started by dask-jobqueue on SLURM/PBS, or ``dask scheduler`` + ``dask worker``);
- a ``distributed.Client``: used as is.

Every path calls the same ``func`` on the same arguments, so the numbers do not
depend on the scheduler. With ``store`` (an object with ``is_done(task)``,
``write(task, result)`` and ``read(task)``, e.g. :class:`validation.store.StudyStore`)
finished tasks are skipped and every result is written by this (the client) process
as soon as it arrives, so an interrupted run resumes where it stopped. The first
failing task stops the run (remaining tasks are cancelled) and its exception is raised;
the results written before it are kept.

Memory: with ``task_bytes`` (a function task → estimated peak bytes, e.g.
:func:`validation.store.sweep.task_bytes` from ``solvers.cost``) the largest pending task is
checked against the memory of one worker before anything starts — the available memory
(``solvers.cost.available_memory``) in-process, that divided by the workers of a local
cluster (they run at once; an explicit ``memory_limit`` lowers it further) — and the run is
refused with a ValueError giving the estimate, the limit and the task. An existing cluster
(an address or a Client) is not checked: its workers' memory is not known here.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

from tqdm.auto import tqdm

from solvers.cost import available_memory, check_memory

from .schedulers import LOCAL_SCHEDULERS, default_workers


def _check_scheduler(scheduler: object) -> None:
    if scheduler is None or scheduler in LOCAL_SCHEDULERS:
        return
    if isinstance(scheduler, str):
        if "://" in scheduler or ":" in scheduler:
            return
        raise ValueError(f"scheduler must be one of {list(LOCAL_SCHEDULERS)}, a scheduler address "
                         f"like 'tcp://host:8786', or a distributed.Client; got {scheduler!r}")
    if type(scheduler).__name__ != "Client":
        raise TypeError(f"scheduler must be None, a string or a distributed.Client, got {type(scheduler).__name__}")


def _describe(task: dict) -> str:
    """The task's scalar arguments, e.g. "gamma=10, n=100000"."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in task.items()
                     if isinstance(v, (int, float, str))) or "no scalar arguments"


@contextmanager
def dask_client(scheduler: Any, n_workers: int | None = None, memory_limit: str | int | None = "auto"):
    """A ``distributed.Client`` for ``scheduler`` (see the module docstring); closes what it opened."""
    from distributed import Client, LocalCluster
    if type(scheduler).__name__ == "Client":
        yield scheduler
        return
    if scheduler in ("threads", "processes"):
        workers = default_workers() if n_workers is None else int(n_workers)
        if workers < 1:
            raise ValueError(f"n_workers must be >= 1, got {workers}")
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=scheduler == "processes",
                          dashboard_address=":0", memory_limit=memory_limit) as cluster, \
                Client(cluster) as client:
            yield client
        return
    with Client(scheduler, timeout="30s") as client:
        yield client


def worker_memory(scheduler: Any, n_workers: int | None, memory_limit: str | int | None) -> int | None:
    """Bytes one task may hold: the available memory in-process, shared by the workers of a local
    cluster (and at most an explicit ``memory_limit``); None for an existing cluster (not known)."""
    if scheduler in (None, "synchronous"):
        return available_memory()
    if scheduler not in ("threads", "processes"):
        return None
    workers = default_workers() if n_workers is None else max(1, int(n_workers))
    share = available_memory() // workers
    if memory_limit in (None, "auto", 0):
        return share
    if isinstance(memory_limit, str):
        from dask.utils import parse_bytes
        memory_limit = parse_bytes(memory_limit)
    return min(share, int(memory_limit))


def run_tasks(func: Callable[..., Any], tasks: Sequence[dict], *, progress: bool = True,
              desc: str = "tasks", scheduler: Any = None, n_workers: int | None = None,
              store: Any = None, memory_limit: str | int | None = "auto",
              task_bytes: Callable[[dict], float] | None = None) -> list:
    """Run ``func(**task)`` for each task and return the results in task order.

    scheduler: None / "synchronous" (in-process), "threads", "processes", an address, or a Client.
    n_workers: workers of a local cluster (default: one per core).
    store: skip tasks with ``store.is_done(task)`` (their results are ``store.read(task)``) and
        ``store.write(task, result)`` each new result as soon as it is finished.
    memory_limit: per-worker memory limit of a local cluster (dask's "auto" divides the RAM).
    task_bytes: estimated peak bytes of a task; the largest pending one is checked against
        :func:`worker_memory` before any task runs (ValueError; module docstring).
    """
    _check_scheduler(scheduler)
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    tasks = list(tasks)
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise TypeError(f"each task must be a dict of keyword arguments; task {i} is {type(task).__name__}")
    results: list = [None] * len(tasks)
    todo = []
    for i, task in enumerate(tasks):
        if store is not None and store.is_done(task):
            results[i] = store.read(task)
        else:
            todo.append(i)
    if task_bytes is not None and todo:
        limit = worker_memory(scheduler, n_workers, memory_limit)
        if limit is not None:
            need, largest = max((float(task_bytes(tasks[i])), i) for i in todo)
            where = "in this process" if scheduler in (None, "synchronous") else f"per worker ({scheduler})"
            check_memory(need, f"{desc}: task {largest} ({_describe(tasks[largest])})",
                         f"the limit is the memory available {where}; use fewer workers (n_workers), a smaller "
                         "grid, fewer output times or fewer neurons", limit)

    def finished(i: int, result: Any) -> None:
        if store is not None:
            store.write(tasks[i], result)
        results[i] = result

    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc, disable=not progress, leave=False)
    try:
        if not todo:
            pass
        elif scheduler in (None, "synchronous"):
            for i in todo:
                finished(i, func(**tasks[i]))
                bar.update()
        else:
            from distributed import as_completed
            with dask_client(scheduler, n_workers, memory_limit) as client:
                futures = {client.submit(func, **tasks[i], pure=False, key=f"{desc}-{i}-{os.urandom(4).hex()}"): i
                           for i in todo}
                try:
                    for future in as_completed(list(futures)):
                        i = futures.pop(future)              # drop our reference: the worker may free it
                        finished(i, future.result())
                        bar.update()
                finally:
                    if futures:
                        client.cancel(list(futures))
    finally:
        bar.close()
    return results
