"""Atomic writes (validation.atomic): the permissions of the file written, and no temporary left."""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from validation.atomic import atomic_write, atomic_write_text, leftover_temporaries

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_of_an_ordinary_new_file(tmp_path, umask):
    """0o666 less the umask, as ``open(path, "w")`` gives (not mkstemp's owner-only 0o600)."""
    old = os.umask(umask)
    try:
        written = atomic_write_text(tmp_path / "a.txt", "x")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    assert mode(written) == 0o666 & ~umask == mode(tmp_path / "plain.txt")
    assert leftover_temporaries(tmp_path) == []


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, lambda tmp: Path(tmp).write_text("new"))
    assert target.read_text() == "new" and mode(target) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def fail(tmp: str) -> None:
        Path(tmp).write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, fail)
    assert target.read_text() == "old" and leftover_temporaries(tmp_path) == []
