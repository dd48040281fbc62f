"""``fokker-balance demo``: the studies run through their Python entry points and one report links them.

The quick configurations are replaced by tiny ones (one γ and two n for P1, only the bistable
part of the theorem study, only a small F3 of the FitzHugh–Nagumo study) so that the test takes seconds; the numbers are checked in the
studies' own tests.
"""
from __future__ import annotations

from validation import cli
from validation.studies import fhn, p1, theorem


def test_demo_runs_both_studies_and_writes_one_report(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(p1, "QUICK", p1.quick_config(
        gammas=(10.0,), ns=(100, 1_000), seeds=2, seeds_largest=2, scan_gammas=(10.0,), t_eval=(0.2,), dt=1e-2,
        pde_dt=1e-2, cells_per_width=10.0))
    monkeypatch.setattr(theorem, "QUICK", theorem.quick_config(parts=("bistable",), bistable_means=(-0.5, 0.5)))
    monkeypatch.setattr(fhn, "QUICK", fhn.quick_config(parts=("rest",), rest_gammas=(10.0, 100.0, 1e3), rest_n=100,
                                                       rest_dt=0.1, rest_t_end=10.0, rest_average_from=5.0))
    assert cli.main(["demo", "--output", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "== P1" in out and "== the convergence theorem" in out and "fitted slope" in out
    report = (tmp_path / "report.md").read_text()
    assert "![p1_w1_vs_n](p1/p1_w1_vs_n.png)" in report and "[theorem/report.md](theorem/report.md)" in report
    assert (tmp_path / "p1" / "p1_slopes.csv").exists() and (tmp_path / "theorem" / "report.md").exists()
    assert (tmp_path / "theorem" / "theorem_bistable.png").exists()
    assert "== FitzHugh-Nagumo" in out and "[fhn/report.md](fhn/report.md)" in report
    assert (tmp_path / "fhn" / "fhn_summary.csv").exists() and (tmp_path / "fhn" / "fhn_rest.png").exists()
