"""The figure process of ``fokker-balance solve``: the same files as drawing in-process, failures reported
in one line, no orphan child and no partial file after SIGTERM, and in-process drawing when it cannot start."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from validation import cli
from validation.atomic import leftover_temporaries
from validation.cli import figure_process
from validation.cli.figure_process import FigureProcess, FigureProcessError, draw

ROOT = Path(__file__).resolve().parents[3]
SMALL = Path(__file__).parents[1] / "data" / "small_study.toml"


def jobs(out: Path) -> list[tuple[str, dict]]:
    t = np.linspace(0.0, 3.0, 61)
    x = np.linspace(-1.0, 1.0, 80)
    p = np.exp(-((x[None, None, :] - 0.2 * np.sin(t)[:, None, None]) ** 2) / 0.1) * np.ones((1, 2, 1))
    xstar = np.stack([np.sin(t), np.cos(t)], axis=1) * 0.3
    return [("moments", {"t": t, "mean": xstar, "std": 0.1 + 0.01 * xstar, "xstar": xstar, "names": ["E", "I"],
                         "stem": out / "moments", "title": "moments"}),
            ("density", {"t": t, "x": x, "p": p, "xstar": xstar, "points": np.array([[0.1, 0.2], [0.3, -0.1]]),
                         "stable": [True, False], "names": ["E", "I"], "gamma": 20.0, "stem": out / "density"})]


def pdf_pages(path: Path) -> list[bytes]:
    """The MediaBox entries of a PDF (its page sizes)."""
    return re.findall(rb"/MediaBox \[[^\]]*\]", path.read_bytes())


def test_the_child_draws_the_files_drawn_in_process(tmp_path):
    """Identical PNG pixels, identical PDF page boxes and sizes within the creation-date metadata."""
    here, there = tmp_path / "here", tmp_path / "there"
    expected = draw(jobs(here))
    with FigureProcess.start() as child:
        child.submit(jobs(there)[:1])
        child.submit(jobs(there)[1:])
        got = child.result()
    assert [[Path(p).name for p in files] for files in got] == [[Path(p).name for p in files] for files in expected]
    assert [p.name for files in got for p in files] == ["moments.png", "moments.pdf", "density.png", "density.pdf"]
    for files_here, files_there in zip(expected, got):
        for a, b in zip(files_here, files_there):
            if a.suffix == ".png":
                np.testing.assert_array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))
            else:
                assert pdf_pages(a) == pdf_pages(b) and len(pdf_pages(a)) == 1
                assert abs(a.stat().st_size - b.stat().st_size) <= 16             # only the dates differ
    assert leftover_temporaries(there) == []


def test_an_error_in_the_child_is_one_line(tmp_path):
    bad = jobs(tmp_path)[1:]
    bad[0][1]["stable"] = [True]                          # two balance points, one stability flag
    with FigureProcess.start() as child:
        child.submit(bad)
        with pytest.raises(FigureProcessError, match=r"^figure process: ValueError: stable must have one entry"):
            child.result()
    assert not (tmp_path / "density.png").exists()


def test_a_child_that_dies_is_reported(tmp_path):
    with FigureProcess.start() as child:
        child._process.kill()
        child.submit(jobs(tmp_path))
        with pytest.raises(FigureProcessError, match="exited with code -9 without drawing the figures"):
            child.result()


def test_solve_reports_a_failed_figure_in_one_line_and_keeps_the_data(tmp_path, capsys):
    """A figure that cannot be written (its name is taken by a folder): exit 1, one error line, solution.nc written."""
    out = tmp_path / "out"
    (out / "density.png").mkdir(parents=True)
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL.read_text())
    assert cli.main(["solve", str(cfg), "--output", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fokker-balance solve: error: figure process: IsADirectoryError")
    assert (out / "solution.nc").stat().st_size > 0
    assert leftover_temporaries(out) == []


def test_solve_draws_in_process_when_the_child_cannot_start(tmp_path, monkeypatch, capsys):
    def no_process(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(figure_process.subprocess, "Popen", no_process)
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL.read_text())
    out = tmp_path / "out"
    assert cli.main(["solve", str(cfg), "--output", str(out), "--no-progress"]) == 0
    for name in ("solution.nc", "density.png", "density.pdf", "moments.png", "moments.pdf"):
        assert (out / name).stat().st_size > 0
    printed = [line.split("/")[-1] for line in capsys.readouterr().out.splitlines() if line.startswith("wrote")]
    assert printed == ["solution.nc", "density.png", "density.pdf", "moments.png", "moments.pdf"]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_sigterm_leaves_no_child_and_no_partial_file(tmp_path):
    """SIGTERM while the child runs: exit 143 and the child is gone with the parent."""
    cfg = tmp_path / "slow.toml"
    cfg.write_text(SMALL.read_text().replace("t1 = 0.2", "t1 = 200.0").replace("n_out = 5", "n_out = 11"))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "validation", "solve", str(cfg), "--output", str(out),
                             "--no-progress", "--max-steps", "100000"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not children(proc.pid) and proc.poll() is None:
        time.sleep(0.01)
    child = children(proc.pid)
    assert child, "the figure process was not started"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.splitlines()[-1] == "terminated (SIGTERM)"
    assert not Path(f"/proc/{child[0]}").exists() or "zombie" in Path(f"/proc/{child[0]}/status").read_text()
    assert not out.exists() or leftover_temporaries(out) == []
