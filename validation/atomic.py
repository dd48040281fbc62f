"""Atomic writes: a crash never leaves a half-written file that looks complete.

Everything is written to a temporary file in the destination folder and moved
into place with ``os.replace`` (atomic on POSIX and Windows).

This module is the bottom layer of the package (it imports nothing from it): the
configuration (``dump``), the result store and the study outputs all write through it.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

TMP_SUFFIX = ".tmp"


def atomic_write(path: str | Path, write: Callable[[str], object]) -> Path:
    """Call ``write(tmp_path)``, then move the temporary file onto ``path``; clean up on failure.

    The file gets the permissions of the file it replaces, else those of a new file (0o666 less
    the umask). The temporary file is named ``.<name>.<random>.tmp``; one can still be left
    behind when the process is killed (SIGKILL, power loss), which is why the result store
    removes them before it resumes (:func:`leftover_temporaries`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        tmp = _create_temporary(path)
        write(tmp)
        with contextlib.suppress(FileNotFoundError):
            shutil.copymode(path, tmp)                # an existing file keeps its permissions
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    return path


def _create_temporary(path: Path) -> str:
    """Create the empty temporary file of ``path`` (exclusive, a random name) and return its name.

    It is created with mode 0o666 less the umask, as an ordinary ``open(path, "w")`` creates a
    file (``tempfile.mkstemp`` would make every result readable by its owner only).
    """
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return str(tmp)
    raise FileExistsError(f"no free temporary name for {path} after 100 tries")


def leftover_temporaries(folder: str | Path) -> list[Path]:
    """Temporary files of :func:`atomic_write` in ``folder`` (only stale ones when no writer is active)."""
    return sorted(p for p in Path(folder).glob(f".*{TMP_SUFFIX}") if p.is_file())


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write a text file atomically (UTF-8)."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
