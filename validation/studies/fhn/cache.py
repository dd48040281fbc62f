"""A resumable cache of the study's task results: one ``.npz`` file per finished task.

:class:`TaskCache` has the ``is_done(task)`` / ``write(task, result)`` / ``read(task)`` interface that
:func:`validation.store.runner.run_tasks` resumes with. A task's file name is the SHA-256 digest of the
task function's name and its arguments (numbers, strings, tuples, the configuration dataclass, and
arrays by their bytes), so a changed configuration never reuses an old result. Results are flat dicts
of numbers, strings and arrays; every file is written atomically, so an interrupted run leaves either a
finished result or none. A file that cannot be read back whole (a truncated copy, a full disk: the zip
format checks every member's CRC on reading) is not trusted: :meth:`TaskCache.is_done` moves it into
``damaged/`` beside the cache with a ``DamagedResultWarning`` naming it, and the task is recomputed.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from fokker.checks import warn

from ...atomic import atomic_write
from ...store.store import DamagedResultWarning


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
        self._loaded: dict[Path, dict] = {}

    def path(self, task: dict) -> Path:
        digest = hashlib.sha256(f"{self.name}|{_canonical(task)}".encode()).hexdigest()[:32]
        return self.folder / f"{digest}.npz"

    def is_done(self, task: dict) -> bool:
        """Whether the task's result is on disk and reads back whole (a damaged file is moved aside)."""
        path = self.path(task)
        if path in self._loaded:
            return True
        if not path.is_file():
            return False
        try:
            with np.load(path, allow_pickle=False) as data:
                self._loaded[path] = {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}
            return True
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            aside = self.folder.parent / "damaged" / self.name
            aside.mkdir(parents=True, exist_ok=True)
            target = aside / path.name
            os.replace(path, target)
            warn(f"damaged task file {path}: {type(exc).__name__}: {exc}; moved to {target}, the task will be "
                 "recomputed", DamagedResultWarning)
            return False

    def write(self, task: dict, result: dict) -> Path:
        if not isinstance(result, dict):
            raise TypeError(f"a cached result must be a dict, got {type(result).__name__}")
        arrays = {k: np.asarray(v) for k, v in result.items()}

        def save(tmp: str) -> None:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
        return atomic_write(self.path(task), save)

    def read(self, task: dict) -> dict:
        """The stored result of ``task`` (after :meth:`is_done` returned True)."""
        path = self.path(task)
        if path not in self._loaded and not self.is_done(task):
            raise FileNotFoundError(f"no readable result for this task in {self.folder}")
        return self._loaded.pop(path)
