"""solve, simulate and balance on two-variable (FitzHugh–Nagumo) configurations, through validation.cli.main.

The configuration is examples/fhn_electrical.toml with a coarser grid, a short time span, few
particles (the w-grid is the shipped one) and gamma = 1 (``--gamma``): its voltage width σ/√(2γG) = 0.21 then spans the 5 cells that
the solver asks for (the shipped gamma = 10 is resolved by its 600 cells); every other
setting is the shipped one, and the commands must print no warning.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from validation import cli
from validation.store import read_netcdf

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
REDUCED = {"nx": "150", "t1": "2.0", "dt": "0.05", "n_out": "5", "n": "400"}
"""Small values of the grid, time and particle settings (every other key keeps the example's value)."""


def reduced(example: str, folder: Path) -> Path:
    """A copy of ``examples/<example>`` in ``folder`` with the REDUCED settings (one line each)."""
    text = (EXAMPLES / example).read_text()
    for key, value in REDUCED.items():
        text, count = re.subn(rf"^{key}\s*=\s*[^#\n]*?(\s*(#.*)?)$", rf"{key} = {value}\1", text, flags=re.M)
        assert count >= 1, f"{example} has no line {key} = ..."
    path = folder / example
    path.write_text(text)
    return path


def run(argv, capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def electrical(tmp_path) -> Path:
    return reduced("fhn_electrical.toml", tmp_path)


def test_solve_writes_the_density_moments_and_phase_plane(electrical, tmp_path, capsys):
    out = tmp_path / "solve"
    code, stdout, stderr = run(["solve", str(electrical), "--output", str(out), "--no-progress", "--gamma", "1"], capsys)
    assert code == 0
    assert "warning" not in stderr.lower()
    for name in ("solution.nc", "phase_plane.png", "phase_plane.pdf", "moments.png", "moments.pdf"):
        assert (out / name).stat().st_size > 0
        assert f"wrote {out / name}" in stdout
    ds = read_netcdf(out / "solution.nc")
    assert ds["p"].dims == ("t", "population", "x", "w")
    assert dict(ds["p"].sizes) == {"t": 5, "population": 1, "x": 150, "w": 240}
    for name in ("mean", "std", "mean_w", "std_w", "mass"):
        assert ds[name].dims == ("t", "population")
    assert ds["activity"].dims == ("t", "channel")
    assert "[network]" in ds.attrs["config"] and "numpy" in ds.attrs["versions"]
    # the stored moments are those of the stored density (first moments of p over the cells)
    h = float(ds.x[1] - ds.x[0]) * float(ds.w[1] - ds.w[0])
    p = ds["p"].values
    np.testing.assert_allclose(ds["mass"].values, p.sum(axis=(2, 3)) * h, rtol=1e-12)
    np.testing.assert_allclose(ds["mean_w"].values, (p * ds.w.values).sum(axis=(2, 3)) * h / ds["mass"].values,
                               rtol=1e-12)
    # the initial moments are those of the configured Gaussian N((-1, 0.5), diag(0.2^2, 0.2^2)),
    # to the midpoint-rule error of the cells (h_x = 0.04, h_w = 0.025: the variance gains h^2/12)
    np.testing.assert_allclose([ds["mean"][0, 0], ds["mean_w"][0, 0]], [-1.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(ds["std"][0, 0], np.sqrt(0.04 + 0.04**2 / 12), rtol=1e-4)
    np.testing.assert_allclose(ds["std_w"][0, 0], np.sqrt(0.04 + (4.0 / 240) ** 2 / 12), rtol=1e-4)
    assert ds.attrs["gamma"] == 1.0


def test_simulate_writes_moments_and_the_particle_phase_plane(electrical, tmp_path, capsys):
    out = tmp_path / "simulate"
    code, stdout, stderr = run(["simulate", str(electrical), "--output", str(out), "--gamma", "1"], capsys)
    assert code == 0
    assert "warning" not in stderr.lower()
    for name in ("particles.nc", "particles_phase_plane.png", "particles_phase_plane.pdf"):
        assert (out / name).stat().st_size > 0
    ds = read_netcdf(out / "particles.nc")
    assert set(ds.data_vars) == {"mean", "std", "mean_w", "std_w", "activity"}
    assert ds["mean_w"].dims == ("t", "population") and ds.sizes["t"] == 5 and ds.attrs["n"] == 400
    # initial sample of n = 400 from N(0.5, 0.2^2) in w (seed 0): within 4 standard errors
    # (0.2 / sqrt(400) = 0.01), a two-sided bound of confidence 1 - 6e-5
    assert abs(float(ds["mean_w"][0, 0]) - 0.5) < 4 * 0.01


def test_simulate_override_of_n_applies_to_two_variable_networks(electrical, tmp_path, capsys):
    out = tmp_path / "simulate_n"
    code, _, _ = run(["simulate", str(electrical), "--output", str(out), "--n", "50", "--seed", "3"], capsys)
    assert code == 0
    ds = read_netcdf(out / "particles.nc")
    assert ds.attrs["n"] == 50 and ds.attrs["seed"] == 3


def test_balance_prints_whether_each_point_is_isolated(tmp_path, capsys):
    code, stdout, _ = run(["balance", str(EXAMPLES / "fhn_electrical.toml")], capsys)
    assert code == 0
    header, _, row = stdout.strip().splitlines()[1:4]
    assert header.split()[-1] == "isolated"
    assert row.endswith("no, along (1)")             # one population coupled to itself: a continuum
    code, stdout, _ = run(["balance", str(EXAMPLES / "fhn_pair.toml")], capsys)
    assert code == 0
    assert stdout.strip().splitlines()[-1].split()[-1] == "yes"
