"""Study outputs: the CSV writer, the Markdown report writer and the one matplotlib set-up."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from validation.output import Section, markdown_table, write_csv, write_report

ROOT = Path(__file__).resolve().parents[3]


def test_markdown_report(tmp_path):
    table = markdown_table([{"a": 1.0, "b": "x"}, {"a": float("nan"), "b": "y"}])
    assert table.splitlines()[0] == "| a | b |" and "–" in table
    assert "\\|y\\|" in markdown_table([{"q": "|y|"}])
    (tmp_path / "f.png").write_bytes(b"")
    path = write_report(tmp_path / "report.md", "T", [Section("S", "text", [tmp_path / "f.png"], [table])])
    text = path.read_text()
    assert "![f](f.png)" in text and "## S" in text


def test_write_csv_of_rows_and_of_a_dataframe_are_the_same(tmp_path):
    rows = [{"gamma": 10.0, "n": 100, "w1": 1.0 / 3.0, "ok": True}, {"gamma": 1e8, "n": 1000, "w1": 2e-9, "ok": False}]
    a = write_csv(tmp_path / "a.csv", rows)
    b = write_csv(tmp_path / "b.csv", pd.DataFrame(rows))
    assert a.read_text() == b.read_text() == "gamma,n,w1,ok\n10,100,0.3333333333,True\n100000000,1000,2e-09,False\n"
    assert write_csv(tmp_path / "c.csv", rows, "%.3g").read_text().splitlines()[1] == "10,100,0.333,True"
    with pytest.raises(TypeError, match="DataFrame or a non-empty list of dicts"):
        write_csv(tmp_path / "d.csv", [])
    assert not list(tmp_path.glob(".*"))                    # no temporary files left


@pytest.mark.parametrize("env, backend", [(None, "agg"), ("pdf", "pdf")])
def test_pyplot_backend_is_agg_unless_mplbackend_is_set(env, backend):
    environ = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    if env:
        environ["MPLBACKEND"] = env
    code = "from validation.output import pyplot; print(pyplot().get_backend().lower())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == backend
