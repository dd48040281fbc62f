"""The FitzHugh–Nagumo study end to end: one part through the CLI, and resuming a partly finished run.

The runs are tiny (a few hundred neurons, short horizons) and deterministic (fixed seeds); they check
files, caching and that the reducers run on real traces, not the physics (the report's numbers do).
"""
from __future__ import annotations

import pandas as pd
import pytest

from validation.cli import main
from validation.studies import fhn
from validation.studies.fhn import driver

TINY = fhn.quick_config(parts=("rest",), rest_gammas=(10.0, 100.0, 1e3), rest_n=200, rest_dt=0.1, rest_t_end=20.0,
                        rest_average_from=10.0)


def test_cli_quick_part_writes_report_csv_and_figures(tmp_path, capsys):
    out = tmp_path / "fhn"
    assert main(["fhn", "--quick", "--parts", "rest", "--output", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "slope of the offset" in printed and "report:" in printed
    for name in ("report.md", "fhn_rest.csv", "fhn_summary.csv", "fhn_rest.png", "fhn_rest.pdf"):
        assert (out / name).stat().st_size > 0, name
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "F3" in report and "![fhn_rest](fhn_rest.png)" in report
    summary = pd.read_csv(out / "fhn_summary.csv")
    assert set(summary.part) == {"F3"}


def test_cli_refuses_unknown_parts(tmp_path, capsys):
    assert main(["fhn", "--quick", "--parts", "rest,nonsense", "--output", str(tmp_path)]) == 2
    assert "--parts must be" in capsys.readouterr().err


def test_resume_recomputes_only_the_missing_tasks(tmp_path, monkeypatch):
    first = fhn.run_fhn(TINY, tmp_path, progress=False)
    cached = sorted((tmp_path / "cache" / "particle_trace").glob("*.npz"))
    assert len(cached) == len(TINY.rest_gammas) + 1                # every γ and the reference run
    cached[1].unlink()                                               # as if interrupted before that task
    calls = []
    original = driver.particle_trace

    def counting(**task):
        calls.append(task["gamma"])
        return original(**task)
    counting.__name__ = original.__name__                            # the cache folder is named after it
    monkeypatch.setattr(driver, "particle_trace", counting)
    second = fhn.run_fhn(TINY, tmp_path, progress=False)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first.rest.drop(columns="wall_time"), second.rest.drop(columns="wall_time"))
    pd.testing.assert_frame_equal(first.summary, second.summary)


def test_a_damaged_cached_result_is_moved_aside_and_recomputed(tmp_path, monkeypatch):
    from validation.store.store import DamagedResultWarning

    first = fhn.run_fhn(TINY, tmp_path, progress=False)
    cached = sorted((tmp_path / "cache" / "particle_trace").glob("*.npz"))
    data = cached[0].read_bytes()
    cached[0].write_bytes(data[: len(data) // 2])                    # a truncated copy
    calls = []
    original = driver.particle_trace

    def counting(**task):
        calls.append(task["gamma"])
        return original(**task)
    counting.__name__ = original.__name__
    monkeypatch.setattr(driver, "particle_trace", counting)
    with pytest.warns(DamagedResultWarning, match="damaged task file"):
        second = fhn.run_fhn(TINY, tmp_path, progress=False)
    assert len(calls) == 1
    assert len(list((tmp_path / "cache" / "damaged" / "particle_trace").glob("*.npz"))) == 1
    pd.testing.assert_frame_equal(first.rest.drop(columns="wall_time"), second.rest.drop(columns="wall_time"))


def test_unknown_part_is_refused():
    with pytest.raises(ValueError, match="unknown parts"):
        fhn.run_fhn(fhn.quick_config(parts=("nonsense",)), None, progress=False)
