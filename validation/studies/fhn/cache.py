"""A resumable cache of the study's task results: one ``.npz`` file per finished task.

:class:`TaskCache` has the ``is_done(task)`` / ``write(task, result)`` / ``read(task)`` interface that
:func:`validation.store.runner.run_tasks` resumes with. A task's file name is the SHA-256 digest of the
task function's name and its arguments (numbers, strings, tuples, the configuration dataclass, and
arrays by their bytes), so a changed configuration never reuses an old result. Results are flat dicts
of numbers, strings and arrays; every file is written atomically, so an interrupted run leaves either a
finished result or none.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ...atomic import atomic_write


def _canonical(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}{value.dtype}:{hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_canonical(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ",".join(_canonical(v) for v in value) + ")"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return repr(value)


class TaskCache:
    """Finished results of one task function under ``folder/<name>/`` (module docstring)."""

    def __init__(self, folder: str | Path, name: str) -> None:
        self.folder = Path(folder) / name
        self.name = name

    def path(self, task: dict) -> Path:
        digest = hashlib.sha256(f"{self.name}|{_canonical(task)}".encode()).hexdigest()[:32]
        return self.folder / f"{digest}.npz"

    def is_done(self, task: dict) -> bool:
        return self.path(task).is_file()

    def write(self, task: dict, result: dict) -> Path:
        if not isinstance(result, dict):
            raise TypeError(f"a cached result must be a dict, got {type(result).__name__}")
        arrays = {k: np.asarray(v) for k, v in result.items()}

        def save(tmp: str) -> None:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
        return atomic_write(self.path(task), save)

    def read(self, task: dict) -> dict:
        with np.load(self.path(task), allow_pickle=False) as data:
            return {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}
