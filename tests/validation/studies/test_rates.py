"""Rate-network studies (validation.studies.rates) and the ``fokker-balance rates`` command."""
import csv
import json

import numpy as np
import pytest

from validation.cli import build_parser, main
from validation.studies import rates as study


def read_csv(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_contrast_profile_matches_kappa_power():
    rows = study.contrast_profile(8, 0.5, 0.5, 0.5, 1.0, 0.96)
    c0 = 0.04 / 1.96
    for r in rows:
        if r["both_active"]:
            assert r["contrast"] == pytest.approx(2.0 ** r["layer"] * c0, abs=1e-10)
            assert r["kappa_measured"] == pytest.approx(2.0, abs=1e-10)
        else:
            assert r["contrast"] == pytest.approx(1.0, abs=1e-12)     # winner-take-all
    assert [r["both_active"] for r in rows].index(False) == 5            # κ⁶ c₀ > 1 at layer 6


def test_wilson_cowan_point_classes():
    lds = study.wilson_cowan_point(0.5, 3.0, 3.0, 0.5, 2.0, 0.5)
    isn = study.wilson_cowan_point(1.5, 3.0, 3.0, 0.5, 2.0, 0.5)
    osc = study.wilson_cowan_point(2.8, 3.0, 3.0, 0.5, 2.0, 0.5)
    assert lds["class_name"] == "LDS certified" and lds["lds_2x2"]
    assert isn["class_name"] == "stable, not LDS" and isn["isn"] and not isn["lds_2x2"]
    assert osc["class_name"] == "no stable equilibrium"


def test_fit_exponent_exact_power_law():
    N = np.array([10, 20, 40, 80, 10, 20, 40, 80], dtype=float)
    fit = study.fit_exponent(N, 3.0 * N ** -0.5)
    assert fit["exponent"] == pytest.approx(-0.5, abs=1e-12) and fit["stderr"] < 1e-6
    assert fit["prefactor"] == pytest.approx(3.0, rel=1e-10)


def test_contrast_and_motif_studies_write_outputs(tmp_path):
    s = study.contrast_column(tmp_path, study.QUICK, progress=False)
    assert all(v["max_abs_error_kappa_both_active"] < 1e-10 for v in s.values())
    m = study.motif_comparison(tmp_path, study.QUICK, progress=False)
    assert len(m["shared_attractors"]) == 1 and len(m["crossed_attractors"]) == 2
    assert m["shared_always_unique"]
    assert 0.9 < m["crossed_bistable_from_ratio"] < 1.1 and 0.9 < m["crossed_lds_lost_from_ratio"] < 1.1
    for name in ("contrast", "motifs"):
        for ext in ("png", "pdf"):
            assert (tmp_path / f"{name}.{ext}").stat().st_size > 1000
    assert len(read_csv(tmp_path / "motifs_scan.csv")) == 19
    assert not list(tmp_path.glob(".*"))                      # no temporary files left


def test_cli_registered_and_parses():
    args = build_parser().parse_args(["rates", "--quick", "--output", "x"])
    assert args.quick and args.output == "x"
    assert build_parser().parse_args(["rates"]).output == "results/rates"


@pytest.mark.slow
def test_cli_quick_end_to_end(tmp_path, capsys):
    assert main(["rates", "--quick", "--no-progress", "--output", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["a_wilson_cowan"]["isn_points_lds_certified"] == 0
    fits = summary["d_gamma_star"]["fits"]
    assert abs(fits["mean"]["exponent"]) < 0.2 and abs(fits["sqrt"]["exponent"] + 0.5) < 0.2
    assert summary["lds_benchmark"]["SCS"]["abs_diff_to_barrier"] < 1e-6
    for name in ("wilson_cowan", "contrast", "motifs", "gamma_star"):
        assert (tmp_path / f"{name}.png").exists() and (tmp_path / f"{name}.pdf").exists()
