"""Atomic writes: a crash never leaves a half-written file that looks complete.

Everything is written to a temporary file in the destination folder and moved
into place with ``os.replace`` (atomic on POSIX and Windows).

This module is the bottom layer of the package (it imports nothing from it): the
configuration (``dump``), the result store and the study outputs all write through it.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TMP_SUFFIX = ".tmp"


def atomic_write(path: str | Path, write: Callable[[str], object]) -> Path:
    """Call ``write(tmp_path)``, then move the temporary file onto ``path``; clean up on failure.

    The temporary file is named ``.<name>.<random>.tmp``; one can still be left behind when the
    process is killed (SIGKILL, power loss), which is why the result store removes them before it
    resumes (:func:`leftover_temporaries`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
        os.close(fd)
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    return path


def leftover_temporaries(folder: str | Path) -> list[Path]:
    """Temporary files of :func:`atomic_write` in ``folder`` (only stale ones when no writer is active)."""
    return sorted(p for p in Path(folder).glob(f".*{TMP_SUFFIX}") if p.is_file())


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write a text file atomically (UTF-8)."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
