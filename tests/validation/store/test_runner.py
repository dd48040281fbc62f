"""run_tasks: the in-process path and the dask.distributed paths give identical numbers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from validation.store import sweep
from validation.config import load
from validation.store.runner import default_workers, run_tasks

SMALL = Path(__file__).parents[1] / "data" / "small_study.toml"


@pytest.fixture(scope="module")
def cluster():
    """One in-process LocalCluster (2 single-threaded workers) shared by the module."""
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
        yield c


@pytest.fixture(scope="module")
def config():
    return load(SMALL)


def square(x: float, offset: float = 0.0) -> dict:
    return {"value": x * x + offset}


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ArithmeticError("task 3 failed")
    return x


TASKS = [{"x": float(i), "offset": 0.5} for i in range(6)]


def test_in_process_path_is_the_plain_loop():
    assert run_tasks(square, TASKS, progress=False) == [square(**t) for t in TASKS]
    assert run_tasks(square, TASKS, progress=False, scheduler="synchronous") == [square(**t) for t in TASKS]
    assert run_tasks(square, [], progress=False) == []


def test_attached_cluster_by_address_keeps_task_order(cluster):
    out = run_tasks(square, TASKS, progress=False, scheduler=cluster.scheduler_address)
    assert out == [square(**t) for t in TASKS]


def test_client_object_is_used_as_is(cluster):
    from distributed import Client
    with Client(cluster) as client:
        assert run_tasks(square, TASKS, progress=False, scheduler=client) == [square(**t) for t in TASKS]
        assert client.status == "running"                     # not closed by run_tasks


def test_dask_and_in_process_study_give_identical_numbers(cluster, config):
    tasks = sweep.study_tasks(config)
    local = run_tasks(sweep.run_point, tasks, progress=False)
    remote = run_tasks(sweep.run_point, tasks, progress=False, scheduler=cluster.scheduler_address)
    for a, b in zip(local, remote):
        for name in a.data_vars:
            np.testing.assert_array_equal(a[name].values, b[name].values)


def test_run_study_on_an_attached_cluster_equals_in_process(cluster, config, tmp_path):
    a = sweep.run_study(config, tmp_path / "a", progress=False).dataset
    b = sweep.run_study(config, tmp_path / "b", scheduler=cluster.scheduler_address, progress=False)
    assert (b.computed, b.skipped) == (4, 0)
    for name in a.data_vars:
        xr.testing.assert_identical(a[name], b.dataset[name])


def test_a_failing_task_raises_its_own_exception(cluster):
    tasks = [{"x": i} for i in range(5)]
    with pytest.raises(ArithmeticError, match="task 3 failed"):
        run_tasks(fail_on_three, tasks, progress=False)
    with pytest.raises(ArithmeticError, match="task 3 failed"):
        run_tasks(fail_on_three, tasks, progress=False, scheduler=cluster.scheduler_address)


def test_local_thread_cluster_path():
    out = run_tasks(square, TASKS[:3], progress=False, scheduler="threads", n_workers=2)
    assert out == [square(**t) for t in TASKS[:3]]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="scheduler must be one of"):
        run_tasks(square, TASKS, scheduler="fast")
    with pytest.raises(TypeError, match="scheduler must be None, a string or a distributed.Client"):
        run_tasks(square, TASKS, scheduler=3)
    with pytest.raises(TypeError, match="task 1 is list"):
        run_tasks(square, [{"x": 1.0}, [2.0]])
    with pytest.raises(TypeError, match="func must be callable"):
        run_tasks(None, TASKS)
    with pytest.raises(ValueError, match="n_workers must be >= 1"):
        run_tasks(square, TASKS, scheduler="threads", n_workers=0)
    assert default_workers() >= 1
