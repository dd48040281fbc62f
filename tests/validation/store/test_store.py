"""The persistent study store: atomic per-point files, resume, refusal of a changed configuration,
and the memory-budget chunking of particle runs."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from validation.store import sweep
from validation.config import load, loads
from validation.store.runner import run_tasks
from validation.store import StaleLockWarning, StoreError, StudyStore, open_study, read_netcdf

from .helpers import SLOW_SWEEP, SMALL, assert_same_numbers, start_study


def test_dataset_layout_and_attributes(reference, config):
    ds = reference
    assert ds["w1"].dims == ("gamma", "n", "seed", "t", "population")
    assert ds["activity"].dims == ("gamma", "n", "seed", "t", "channel")
    assert ds["n"].values.tolist() == [300, 600] and ds["seed"].values.tolist() == [0, 1]
    assert np.all(np.isfinite(ds["w1"].values)) and np.all(ds["w1"].values > 0)
    assert loads(ds.attrs["config"]).data == config.data           # the full config is stored
    assert ds.attrs["config_hash"] == config.hash()
    assert json.loads(ds.attrs["seeds"]) == [0, 1]
    assert "numpy" in json.loads(ds.attrs["versions"])


def test_second_run_does_no_work(config, tmp_path):
    calls = []

    def task(config, gamma, n, seed):
        calls.append((n, seed))
        return sweep.run_point(config, gamma, n, seed)

    tasks = sweep.study_tasks(config)
    store = StudyStore(tmp_path / "small", config)
    first = run_tasks(task, tasks, progress=False, store=store)
    assert len(calls) == 4
    stamps = {p: p.stat().st_mtime_ns for p in store.tasks_dir.glob("*.nc")}
    second = run_tasks(task, tasks, progress=False, store=StudyStore(tmp_path / "small", config))
    assert len(calls) == 4                                           # nothing recomputed
    assert {p: p.stat().st_mtime_ns for p in store.tasks_dir.glob("*.nc")} == stamps
    for a, b in zip(first, second):
        assert_same_numbers(a, b)
        assert a.attrs == b.attrs
    result = sweep.run_study(config, tmp_path, progress=False)
    assert (result.computed, result.skipped) == (0, 4)


def test_interrupted_study_resumes_to_the_same_result(config, reference, tmp_path):
    def failing(config, gamma, n, seed):
        if (n, seed) == (600, 0):
            raise RuntimeError("killed mid-way")
        return sweep.run_point(config, gamma, n, seed)

    tasks = sweep.study_tasks(config)
    with pytest.raises(RuntimeError, match="killed mid-way"):
        run_tasks(failing, tasks, progress=False, store=StudyStore(tmp_path / "small", config))
    store = StudyStore(tmp_path / "small", config)
    assert [store.is_done(t) for t in tasks] == [True, True, False, False]
    assert not list(store.tasks_dir.glob("*.tmp"))
    resumed = sweep.run_study(config, tmp_path, progress=False)
    assert (resumed.computed, resumed.skipped) == (2, 2)
    assert_same_numbers(resumed.dataset, reference)
    assert_same_numbers(open_study(tmp_path / "small"), reference)   # merged on read from the folder
    assert_same_numbers(open_study(resumed.path), reference)


def test_killed_process_resumes_to_the_same_result(reference, tmp_path):
    """SIGKILL a `study` subprocess after its first stored point, then resume."""
    slow = SMALL.read_text().replace("n = [300, 600]", SLOW_SWEEP)
    cfg = tmp_path / "small.toml"
    cfg.write_text(slow)
    out = tmp_path / "out"
    proc = start_study(cfg, out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tasks_dir = out / "small" / "tasks"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(tasks_dir.glob("*.nc"))) < 2 and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(tasks_dir.glob("*.nc")))
    assert 2 <= done < 12, "the subprocess finished before it could be killed"
    config = load(cfg)
    with pytest.warns(StaleLockWarning, match=f"left by process {proc.pid} on host .* no longer runs"):
        resumed = sweep.run_study(config, out, progress=False)         # the killed process left its lock
    assert not (out / "small" / "study.lock").exists()
    assert resumed.skipped == done and resumed.computed == 12 - done
    sub = resumed.dataset.sel(n=[300, 600])
    assert_same_numbers(sub, reference)


def test_changed_configuration_is_refused_unless_forced(config, tmp_path):
    sweep.run_study(loads(SMALL.read_text().replace("n = [300, 600]", "n = [300]"), "a.toml"),
                    tmp_path, progress=False)
    changed = loads(SMALL.read_text().replace("n = [300, 600]", "n = [300]").replace("gamma = 5.0", "gamma = 6.0"),
                    "b.toml")
    with pytest.raises(StoreError, match="different configuration.*--force"):
        sweep.run_study(changed, tmp_path, progress=False)
    forced = sweep.run_study(changed, tmp_path, progress=False, force=True)
    assert forced.computed == 2 and float(forced.dataset["gamma"][0]) == 6.0


def test_extending_the_sweep_only_computes_new_points(config, reference, tmp_path):
    fewer = loads(SMALL.read_text().replace("seed = [0, 1]", "seed = [0]"), "few.toml")
    assert sweep.run_study(fewer, tmp_path, progress=False).computed == 2
    full = sweep.run_study(config, tmp_path, progress=False)
    assert (full.computed, full.skipped) == (2, 2)
    assert_same_numbers(full.dataset, reference)


def test_failed_write_leaves_no_file(config, tmp_path, monkeypatch):
    store = StudyStore(tmp_path / "s", config)
    task = sweep.study_tasks(config)[0]
    ds = xr.Dataset({"a": ("t", np.arange(3.0))})

    def broken(self, path, **kwargs):
        Path(path).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        store.write(task, ds)
    assert list(store.tasks_dir.iterdir()) == []
    monkeypatch.undo()
    store.write(task, ds)
    assert store.is_done(task)
    assert read_netcdf(store.path(task))["a"].dims == ("gamma", "n", "seed", "t")
    assert store.read(task)["a"].dims == ("t",)


def test_store_rejects_non_datasets_and_incomplete_tasks(config, tmp_path):
    store = StudyStore(tmp_path / "s", config)
    with pytest.raises(TypeError, match="xarray.Dataset"):
        store.write({"gamma": 1.0, "n": 3, "seed": 0}, {"a": 1})
    with pytest.raises(ValueError, match=r"lacks the study coordinates \['seed'\]"):
        store.key({"gamma": 1.0, "n": 3})
    with pytest.raises(StoreError, match="no finished study points"):
        store.dataset()


# -- memory budget -------------------------------------------------------------------------------
def test_chunk_times_respects_the_budget():
    t = np.linspace(0.0, 1.0, 11)
    assert len(sweep.chunk_times(t, 1, 1000, 64, True)) == 1
    assert len(sweep.chunk_times(t, 2, 10**7, 512, False)) == 1          # no positions kept
    n, P, budget = 100_000, 2, 16.0                                      # 1.6 MB per snapshot
    chunks = sweep.chunk_times(t, P, n, budget, True)
    per = max(c.size for c in chunks)
    assert 8.0 * (2 * P * n + 4 * n) + 8.0 * P * n * per <= budget * 2**20
    assert np.array_equal(np.unique(np.concatenate(chunks)), t)          # every time, boundaries shared
    assert all(a[-1] == b[0] for a, b in zip(chunks, chunks[1:]))
    with pytest.raises(ValueError, match="particles.memory_budget_mb = 1 is too small .* at least"):
        sweep.chunk_times(t, 1, 10**6, 1, True)


def test_chunked_particle_run_is_deterministic_and_starts_like_one_chunk(config):
    from validation.particles import simulate_particles
    n = 20_000                                       # one snapshot 0.15 MB, fixed cost 0.92 MB
    tight = loads(SMALL.read_text().replace("memory_budget_mb = 64", "memory_budget_mb = 1.4"), "tight.toml")
    assert len(sweep.chunk_times(tight.t_eval, 1, n, 1.4, True)) > 1
    a = sweep.run_point(tight, 5.0, n, 3)
    b = sweep.run_point(tight, 5.0, n, 3)
    assert_same_numbers(a, b)
    assert a.attrs["chunks"] > 1
    one = sweep.run_point(config, 5.0, n, 3)                               # one chunk
    grid = config.grid()
    direct = simulate_particles(config.network(5.0), n, (grid, config.initial_density(grid, 1)),
                                config.t_span, config["particles"]["dt"], seed=3, t_eval=config.t_eval,
                                threads=1)
    np.testing.assert_array_equal(one["mean"].values, direct.mean)
    first = sweep.chunk_times(tight.t_eval, 1, n, 1.4, True)[0].size
    np.testing.assert_array_equal(a["mean"].values[:first], one["mean"].values[:first])
    # later chunks use other random streams: same law, different numbers (W1 stays small)
    assert np.all(a["w1"].values < 0.05)


def test_pde_study_stores_densities_over_gamma(tmp_path):
    config = loads('[network]\npreset = "ei_single"\n[grid]\nlower = -1.0\nupper = 1.5\nnx = 200\n'
                   '[initial]\nmean = 0.27\nstd = 0.1\n[time]\nt1 = 0.2\ndt = 0.02\nn_out = 3\n'
                   '[study]\nname = "pde"\nkind = "pde"\nmeasure = ["mean", "std", "balance_voltage", "density"]\n'
                   '[study.sweep]\ngamma = [2.0, 4.0]\n', "pde.toml")
    ds = sweep.run_study(config, tmp_path, progress=False).dataset
    assert ds["density"].dims == ("gamma", "t", "population", "x")
    assert "n" not in ds.dims and "seed" not in ds.dims
    from solvers import solve
    net, grid = config.network(4.0), config.grid()
    direct = solve(net, grid, config.initial_density(grid, 1), **config.solver_options())
    np.testing.assert_array_equal(ds["density"].sel(gamma=4.0).values, direct.p)


def test_a_folder_written_before_the_package_restructuring_is_resumed(tmp_path):
    """data/resume_study/ was written by the code before validation/ was split into subpackages:
    the current code finds every point done (same task keys and identity) and recomputes nothing."""
    fixture = Path(__file__).parents[1] / "data"
    import shutil
    folder = tmp_path / "resume_study"
    shutil.copytree(fixture / "resume_study", folder)
    before = {p.name: p.read_bytes() for p in (folder / "tasks").glob("*.nc")}
    old = read_netcdf(fixture / "resume_study" / "resume_study.nc")
    config = load(fixture / "resume_study.toml")
    assert json.loads((folder / "study.json").read_text())["identity"] == config.identity()
    result = sweep.run_study(config, tmp_path, progress=False)
    assert (result.computed, result.skipped) == (0, 2)
    assert {p.name: p.read_bytes() for p in (folder / "tasks").glob("*.nc")} == before
    assert_same_numbers(result.dataset, old)
    assert (folder / "config.toml").read_text() == (fixture / "resume_study" / "config.toml").read_text()
