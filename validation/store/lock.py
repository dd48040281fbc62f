"""One writer per study folder: the lock file ``<study folder>/study.lock``.

:class:`StudyLock` creates the lock file atomically (it is written under a temporary
name and hard-linked to ``study.lock``, which fails when the name exists), so the lock
is either absent or complete. It records the holder: process id, host, start time
(UTC), command line and, on Linux, the boot id and the process's start tick, so a
recycled process id is not mistaken for the holder.

A second writer finds the lock held and gets :class:`StudyLockedError` (a
:class:`StoreError`, i.e. a user error: ``fokker-balance study`` exits 2 naming the
holder). A lock whose holder is gone — a process on this host that no longer runs,
or a lock file that cannot be read — is taken over with a :class:`StaleLockWarning`.
A lock held from another host cannot be checked and is always respected.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fokker.checks import warn

from .store import StoreError

LOCK_NAME = "study.lock"


class StudyLockedError(StoreError):
    """The study folder is in use by another live process (named in the message)."""


class StaleLockWarning(UserWarning):
    """A lock left by a process that no longer runs was taken over."""


def _read_first_line(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().strip()
    except OSError:
        return None


def _boot_id() -> str | None:
    return _read_first_line("/proc/sys/kernel/random/boot_id")


def _process_start(pid: int) -> str | None:
    """The start tick of process ``pid`` since boot (Linux ``/proc/<pid>/stat`` field 22), if known."""
    stat = _read_first_line(f"/proc/{pid}/stat")
    if not stat:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]          # fields after "(comm)" start at field 3


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:                               # exists, owned by another user
        return True
    return True


def _command_line() -> str:
    """This process's command line, with the program's name (not its path) first."""
    if not sys.argv or not sys.argv[0]:
        return ""
    program = Path(sys.argv[0])
    name = f"python -m {program.parent.name}" if program.name == "__main__.py" else program.name
    return " ".join([name, *sys.argv[1:]])


@dataclass(frozen=True)
class LockHolder:
    """The process that holds (or held) a study lock."""

    pid: int
    host: str
    started: str
    command: str
    boot_id: str | None = None
    process_start: str | None = None

    @classmethod
    def this_process(cls) -> "LockHolder":
        """The record of the calling process, started now."""
        return cls(pid=os.getpid(), host=socket.gethostname(),
                   started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   command=_command_line(),
                   boot_id=_boot_id(), process_start=_process_start(os.getpid()))

    def describe(self) -> str:
        """``process <pid> on host <host>, started <UTC time> (<command line>)``."""
        return f"process {self.pid} on host {self.host}, started {self.started} ({self.command or 'no command line'})"

    def is_alive(self) -> bool:
        """False only when the holder certainly no longer runs (same host, gone or recycled pid)."""
        if self.host != socket.gethostname():
            return True
        if self.boot_id and _boot_id() and self.boot_id != _boot_id():
            return False                                       # the machine was restarted since
        if not _pid_running(self.pid):
            return False
        start = _process_start(self.pid)
        return not (self.process_start and start and start != self.process_start)


class StudyLock:
    """Exclusive use of a study folder by this process; a context manager (see the module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.path = self.root / LOCK_NAME
        self.holder = LockHolder.this_process()
        self._held = False

    def read_holder(self) -> LockHolder | None:
        """The holder recorded in the lock file; None when there is none or it cannot be read."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return LockHolder(**{k: data.get(k) for k in LockHolder.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            return None

    def _try_create(self) -> bool:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{LOCK_NAME}.{os.getpid()}.{os.urandom(4).hex()}"
        tmp.write_text(json.dumps(self.holder.__dict__, indent=2), encoding="utf-8")
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink()

    def acquire(self) -> "StudyLock":
        """Take the lock, or raise :class:`StudyLockedError` naming the live holder."""
        for _ in range(3):
            if self._try_create():
                self._held = True
                return self
            if not self.path.exists():
                continue                                         # released meanwhile: try again
            holder = self.read_holder()
            if holder is not None and holder.is_alive():
                raise StudyLockedError(
                    f"{self.root} is in use by another study: {holder.describe()}; wait for it to finish, "
                    f"or delete {self.path} if that process no longer runs")
            stale = self.path.with_name(f".{LOCK_NAME}.stale.{os.getpid()}")
            try:
                os.rename(self.path, stale)                      # only one of several takers succeeds
            except FileNotFoundError:
                continue
            stale.unlink()
            what = holder.describe() if holder is not None else "an unreadable lock file"
            warn(f"took over the lock of {self.root}, left by {what}, which no longer runs", StaleLockWarning)
        raise StudyLockedError(f"could not take the lock {self.path}: other processes keep taking it")

    def release(self) -> None:
        """Remove the lock file if this process holds it."""
        if self._held:
            holder = self.read_holder()
            if holder is not None and holder.pid == self.holder.pid and holder.started == self.holder.started:
                self.path.unlink()
            self._held = False

    def __enter__(self) -> "StudyLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
