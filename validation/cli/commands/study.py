"""``fokker-balance study CONFIG``: run (or resume) the sweep of a configuration's ``[study]``.

Every study point is one task on Dask: by default a LocalCluster with one
single-threaded worker process per core; ``--scheduler ADDRESS`` attaches to an
existing cluster; ``--scheduler synchronous`` runs in this process. Each finished
point is stored at once under ``<output>/<study name>/tasks/``; rerunning skips
finished points; a changed configuration is refused unless ``--force``. At the end
the points are merged into ``<output>/<study name>/<study name>.nc``.

Before resuming, every stored point is verified (its SHA-256 digest, or opening it for
folders written before digests existed): a damaged file is named in a warning, moved into
``damaged/<UTC time>/`` and recomputed. One process at a time writes a study folder: a
second ``study`` on a folder in use exits with 2 naming the holder (process id, host,
start time); a lock left by a process that no longer runs is taken over with a warning.
Ctrl-C (exit 130) and SIGTERM (exit 143) keep the finished points; rerun to resume.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ...store.schedulers import LOCAL_SCHEDULERS, default_workers
from ._common import RESULTS, add_config

HELP = "run a parameter sweep (gamma x n x seed) on Dask with persistent, resumable results"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    parser.add_argument("--output", metavar="DIR", default=str(RESULTS),
                        help="parent folder of the study folder <DIR>/<study name> (default: results)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default="processes",
                        help=f"one of {list(LOCAL_SCHEDULERS)} or the address of a running Dask scheduler, "
                        "e.g. tcp://10.0.0.5:8786 (default: processes, a LocalCluster)")
    parser.add_argument("--workers", type=int, default=None,
                        help=f"workers of a local cluster (default: one per core, here {default_workers()})")
    parser.add_argument("--force", action="store_true",
                        help="discard stored results of a different configuration instead of refusing")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args: argparse.Namespace) -> int:
    from ...config import load
    config = load(args.config)
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    from ...store.sweep import run_study, study_tasks
    total = len(study_tasks(config))
    print(f"study {config['study']['name']!r}: {total} points "
          f"({' x '.join(f'{k} {len(v)}' for k, v in config.sweep_axes().items())}), scheduler {args.scheduler}"
          + (f", {args.workers} workers" if args.workers else ""))
    import dask
    from ..worker_warnings import PRELOAD
    preload = [*dask.config.get("distributed.worker.preload", default=[]), PRELOAD]
    with dask.config.set({"distributed.worker.preload": preload}):       # workers started here warn in one line
        result = run_study(config, Path(args.output), scheduler=args.scheduler, n_workers=args.workers,
                           force=args.force, progress=not args.no_progress)
    print(f"computed {result.computed}, skipped {result.skipped} finished points, "
          f"wall time {result.wall_time:.2f} s")
    print(f"wrote {result.path}")
    return 0
