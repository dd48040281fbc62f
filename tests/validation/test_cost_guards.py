"""Cost guards of the particle runs, the study runner and the command line (solvers.cost)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fokker import presets
from solvers import cost
from validation import cli, simulate_particles
from validation.store import runner
from tests.refusals import MiB, refused

ROOT = Path(__file__).resolve().parents[2]
NET = presets.ei_single(5.0)


def test_a_huge_particle_run_is_refused_before_sampling():
    refused(lambda: simulate_particles(NET, 10 ** 10, lambda rng, n: rng.normal(size=n), (0.0, 1.0), 0.01,
                                       summary_only=True), "n=10,000,000,000", "GiB", "smaller n")
    refused(lambda: simulate_particles(NET, 10 ** 7, lambda rng, n: rng.normal(size=n), (0.0, 1.0), 0.01,
                                       t_eval=np.linspace(0.0, 1.0, 10_000)), "10,000 output times t_eval",
            "summary_only=True")


def test_particle_steps_are_capped_and_max_steps_raises_the_cap():
    start = lambda rng, n: rng.normal(size=n)                              # noqa: E731
    refused(lambda: simulate_particles(NET, 10, start, (0.0, 100.0), 1e-12), "1e+14 steps", "dt=1e-12")
    refused(lambda: simulate_particles(NET, 10, start, (0.0, 1.0), 0.01, max_steps=99), "100 steps")
    run = simulate_particles(NET, 10, start, (0.0, 1.0), 0.01, max_steps=100, seed=1)
    assert run.stats["steps"] == 100


def test_progress_draws_a_bar_and_is_off_by_default(capsys):
    start = lambda rng, n: rng.normal(size=n)                              # noqa: E731
    quiet = simulate_particles(NET, 50, start, (0.0, 0.5), 0.01, seed=4)
    assert capsys.readouterr().err == ""
    loud = simulate_particles(NET, 50, start, (0.0, 0.5), 0.01, seed=4, progress=True)
    err = capsys.readouterr().err
    assert "particles (n=50)" in err and "/0.5 [" in err                    # tqdm: t=done/total [elapsed<remaining]
    np.testing.assert_array_equal(quiet.x, loud.x)
    with pytest.raises(TypeError, match="progress"):
        simulate_particles(NET, 50, start, (0.0, 0.5), 0.01, progress="yes")


def test_the_runner_checks_the_largest_task_before_any_runs():
    calls = []
    tasks = [dict(size=1), dict(size=10 ** 15)]
    with pytest.raises(ValueError, match=r"task 1 \(size=1000000000000000\)"):
        runner.run_tasks(lambda size: calls.append(size), tasks, progress=False, task_bytes=lambda t: t["size"])
    assert calls == []
    assert runner.run_tasks(lambda size: size, tasks[:1], progress=False, task_bytes=lambda t: t["size"]) == [1]


def test_the_memory_of_a_worker_is_shared_by_the_workers(monkeypatch):
    monkeypatch.setattr(runner, "available_memory", lambda: 8 * 2 ** 30)
    assert runner.worker_memory(None, None, "auto") == 8 * 2 ** 30
    assert runner.worker_memory("processes", 4, "auto") == 2 * 2 ** 30
    assert runner.worker_memory("threads", 2, "1GiB") == 2 ** 30
    assert runner.worker_memory("tcp://host:8786", 2, "auto") is None


def test_study_tasks_are_estimated_from_the_configuration():
    from validation.config import load
    from validation.store.sweep import study_tasks, task_bytes
    config = load(ROOT / "examples" / "study_pde_gamma.toml")
    task = study_tasks(config)[0]
    spec = config["grid"]
    assert task_bytes(task) == cost.density_bytes(config.network().P, spec["nx"], config.t_eval.size)


def big(tmp_path, **changes) -> Path:
    text = (ROOT / "examples" / "network_driven_pair.toml").read_text()
    for old, new in changes.items():
        text = text.replace(old, new)
    path = tmp_path / "big.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("changes, argv, words", [
    ({"nx = 650": "nx = 10000000", "n_out = 301": "n_out = 10000"}, ["solve"], ["grid.nx", "time.n_out", "GiB"]),
    ({"dt = 0.005": "dt = 1e-12", "t1 = 3.0": "t1 = 100.0"}, ["solve"], ["time.dt=1e-12", "1e+14 steps"]),
    ({}, ["solve", "--max-steps", "100"], ["600 steps", "max_steps=100", "--max-steps"]),
    ({}, ["simulate", "--n", "10000000000"], ["particles.n (--n)=10,000,000,000", "GiB"]),
])
def test_the_cli_refuses_with_one_line_and_exit_2(tmp_path, capsys, changes, argv, words):
    config = big(tmp_path, **changes)
    code = cli.main([argv[0], str(config), "--output", str(tmp_path / "out"), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"fokker-balance {argv[0]}: error: "), err
    for word in words:
        assert word in err, (word, err)
    assert not (tmp_path / "out").exists()                                 # refused before any output


def test_a_memory_error_is_one_line(capsys):
    def boom():
        raise MemoryError()
    assert cli.run_command("solve", boom) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of memory" in err
