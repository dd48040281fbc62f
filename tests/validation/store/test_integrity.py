"""Store integrity: damaged task files are found, moved aside and recomputed; one writer per
study folder (the lock); SIGTERM and Ctrl-C keep the finished points and the study resumes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from validation.config import load
from validation.store import (DamagedResultWarning, StaleLockWarning, StudyLock, StudyLockedError, StudyStore,
                              file_digest, sweep)
from validation.atomic import leftover_temporaries
from validation.store.lock import LockHolder

from .helpers import DATA, SLOW_SWEEP, SMALL, assert_same_numbers, start_study


def cut_in_half(path) -> None:
    """What a partial copy or a full disk leaves: the first half of the file."""
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


# -- damaged task files --------------------------------------------------------------------------
def test_a_truncated_task_file_is_reported_moved_aside_and_recomputed(config, reference, tmp_path):
    first = sweep.run_study(config, tmp_path, progress=False)
    store = StudyStore(tmp_path / "small", config)
    tasks = sweep.study_tasks(config)
    for task in tasks:                                                # every finished point has its digest
        assert store.digest_path(store.path(task)).read_text() == file_digest(store.path(task))
    victim = store.path(tasks[2])
    size = victim.stat().st_size
    cut_in_half(victim)
    with pytest.warns(DamagedResultWarning, match=f"damaged task file .*{victim.name}: its SHA-256 digest "
                                                  "does not match; moved to .*damaged"):
        resumed = sweep.run_study(config, tmp_path, progress=False)
    assert (resumed.computed, resumed.skipped) == (1, 3)
    (aside,) = resumed.damaged
    assert aside.name == victim.name and aside.parent.parent == tmp_path / "small" / "damaged"
    assert aside.stat().st_size == size // 2                           # kept as found, for inspection
    assert store.digest_path(victim).read_text() == file_digest(victim)   # the recomputed file has a new digest
    assert_same_numbers(resumed.dataset, reference)                    # equals a clean run exactly
    assert_same_numbers(first.dataset, reference)


def test_a_damaged_file_of_the_old_format_is_found_by_opening_it(tmp_path):
    """data/resume_study/ has no digests: its files are verified by opening them, get digests,
    and a truncated one is recomputed; the result equals a clean run of the same configuration."""
    folder = tmp_path / "old" / "resume_study"
    shutil.copytree(DATA / "resume_study", folder)
    config = load(DATA / "resume_study.toml")
    store = StudyStore(folder, config)
    good, bad = (store.path(t) for t in sweep.study_tasks(config))
    cut_in_half(bad)
    with pytest.warns(DamagedResultWarning, match=f"{bad.name}: it cannot be read"):
        resumed = sweep.run_study(config, tmp_path / "old", progress=False)
    assert (resumed.computed, resumed.skipped) == (1, 1)
    assert [p.name for p in resumed.damaged] == [bad.name]
    assert store.digest_path(good).read_text() == file_digest(good)     # digests added from then on
    assert store.digest_path(bad).read_text() == file_digest(bad)
    clean = sweep.run_study(config, tmp_path / "clean", progress=False)
    # the healthy point was computed by the code that wrote the fixture: equal to round-off
    for name in clean.dataset.data_vars:
        np.testing.assert_allclose(resumed.dataset[name].values, clean.dataset[name].values, rtol=1e-12, atol=0)


def test_reading_a_damaged_folder_names_the_file(config, tmp_path):
    sweep.run_study(config, tmp_path, progress=False)
    store = StudyStore(tmp_path / "small", config)
    victim = store.path(sweep.study_tasks(config)[0])
    cut_in_half(victim)
    with pytest.raises(ValueError, match=f"task file .*{victim.name} is damaged .*rerun the study"):
        store.dataset()


# -- the lock ------------------------------------------------------------------------------------
def test_a_second_study_on_a_locked_folder_exits_2_naming_the_holder(tmp_path):
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL.read_text())
    with StudyLock(tmp_path / "out" / "small") as lock:
        proc = start_study(cfg, tmp_path / "out", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate(timeout=120)
        assert lock.path.exists()
    assert proc.returncode == 2
    (line,) = [ln for ln in err.splitlines() if ln.startswith("fokker-balance study: error:")]
    assert f"is in use by another study: process {os.getpid()} on host {socket.gethostname()}, started " in line
    assert lock.holder.started in line
    assert not (tmp_path / "out" / "small" / "tasks").exists()            # nothing was computed
    assert not lock.path.exists()                                          # released on leaving the block


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(root, **fields) -> None:
    root.mkdir(parents=True, exist_ok=True)
    holder = {**LockHolder.this_process().__dict__, **fields}
    (root / "study.lock").write_text(json.dumps(holder))


def test_a_lock_left_by_a_dead_process_is_taken_over(config, tmp_path):
    pid = dead_pid()
    write_lock(tmp_path / "small", pid=pid, process_start=None)
    with pytest.warns(StaleLockWarning, match=f"left by process {pid} on host {socket.gethostname()}"):
        result = sweep.run_study(config, tmp_path, progress=False)
    assert result.computed == 4
    assert not (tmp_path / "small" / "study.lock").exists()


@pytest.mark.parametrize("fields, held", [
    ({"process_start": "1"}, False),                        # this pid, but another process's start tick
    ({"boot_id": "0-before-the-last-restart"}, False),      # written before the machine restarted
    ({"host": "another-host", "pid": 1}, True),             # another host: cannot be checked, respected
    ({}, True),                                             # this very process
])
def test_lock_holder_liveness(tmp_path, fields, held):
    if sys.platform != "linux" and ("process_start" in fields or "boot_id" in fields):
        pytest.skip("start ticks and boot ids are read from /proc")
    write_lock(tmp_path, **fields)
    lock = StudyLock(tmp_path)
    if held:
        with pytest.raises(StudyLockedError, match="is in use by another study: process"):
            lock.acquire()
    else:
        with pytest.warns(StaleLockWarning):
            lock.acquire()
        assert lock.read_holder() == lock.holder
        lock.release()
        assert not lock.path.exists()


def test_an_unreadable_lock_file_is_taken_over(tmp_path):
    tmp_path.joinpath("study.lock").write_text("{not json")
    with pytest.warns(StaleLockWarning, match="an unreadable lock file"):
        with StudyLock(tmp_path):
            pass


# -- signals -------------------------------------------------------------------------------------
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signalled_study_keeps_its_points_and_resumes(tmp_path, signum, code):
    """Also when the study inherited SIGINT ignored (a background job of a shell, as CI may run it)."""
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL.read_text().replace("n = [300, 600]", SLOW_SWEEP))
    out = tmp_path / "out"
    proc = start_study(cfg, out, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    tasks_dir = out / "small" / "tasks"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tasks_dir.glob("*.nc.sha256")) and proc.poll() is None:
        time.sleep(0.02)
    finished_first = proc.poll() is not None
    os.kill(proc.pid, signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (err, finished_first, len(list(tasks_dir.glob("*.nc"))))
    assert err.splitlines()[-1] == ("terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted")
    done = len(list(tasks_dir.glob("*.nc")))
    assert 1 <= done < 12, "the subprocess finished before the signal"
    assert not (out / "small" / "study.lock").exists()                     # released while unwinding
    config = load(cfg)
    resumed = sweep.run_study(config, out, progress=False)
    assert (resumed.computed, resumed.skipped) == (12 - done, done)
    assert resumed.damaged == []
    assert leftover_temporaries(tasks_dir) == []
