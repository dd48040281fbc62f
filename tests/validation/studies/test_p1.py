"""Tests of the P1 study (validation/studies/p1.py) and the ``validate`` command."""
import argparse
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from fokker import Grid
from validation.metrics import wasserstein1
from validation.studies import p1

SMALL = p1.quick_config(gammas=(10.0,), ns=(300, 3_000, 30_000), seeds=4, seeds_largest=4,
                        scan_gammas=(10.0, 1000.0), t_eval=(0.5,), dt=5e-3, pde_dt=5e-3,
                        cells_per_width=20.0)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("p1")
    return p1.run_p1(SMALL, out, progress=False), out


def test_p1_slope_in_small_configuration(small_run):
    """γ = 10 at t = 0.5 (stationary), n = 300 … 30000, 4 seeds: the slope of W1 in n is about −1/2."""
    res, _ = small_run
    row = res.slopes[(res.slopes.gamma == 10.0) & (res.slopes.t == 0.5)]
    assert len(row) == 1
    assert -0.65 <= row.slope.iloc[0] <= -0.35
    # in y = √γ (x − mean) sampling error alone: the same size at γ = 10 and 1000 (within a factor 2)
    scan = res.scan.set_index("gamma")
    assert 0.5 < scan.loc[1000.0, "w1_y"] / scan.loc[10.0, "w1_y"] < 2.0
    # the particle width matches the Fokker–Planck width to sampling accuracy
    assert scan.loc[1000.0, "sqrt_gamma_std"] == pytest.approx(scan.loc[1000.0, "sqrt_gamma_pde_std"], rel=0.02)


def test_p1_writes_tables_netcdf_and_figures(small_run):
    res, out = small_run
    folder = out / "p1"
    names = {p.name for p in folder.iterdir()}
    assert names == {"p1_runs.csv", "p1_slopes.csv", "p1_gamma.csv", "p1.nc", "p1_w1_vs_n.png",
                     "p1_w1_vs_n.pdf", "p1_gamma.png", "p1_gamma.pdf"}          # no temporary files left
    runs = pd.read_csv(folder / "p1_runs.csv")
    assert len(runs) == len(p1.particle_points(SMALL)) * len(SMALL.t_eval)
    assert (runs.w1_x > 0).all() and np.isfinite(runs.w1_y).all()
    with xr.open_dataset(folder / "p1.nc", engine="h5netcdf") as ds:
        assert {"w1_x", "w1_y", "ks", "slope", "slope_se"} <= set(ds.data_vars)
        assert ds.w1_x.sel(gamma=10.0, n=300, seed=0, t=0.5).item() == pytest.approx(
            runs.query("gamma == 10 and n == 300 and seed == 0").w1_x.iloc[0])
    assert "slope" in res.summary and "W1_y" in res.summary


def test_config_needs_two_n():
    with pytest.raises(ValueError, match="at least 2 distinct values"):
        p1.quick_config(ns=(1000,))


@pytest.mark.parametrize("gamma", [1.0, 100.0, 1e4])
def test_reference_grid_resolves_and_covers(gamma):
    cfg = p1.FULL
    grid = p1.reference_grid(gamma, cfg)
    width = 0.5 / math.sqrt(2 * (1 + gamma * 1.175836))
    assert width / grid.width >= cfg.cells_per_width * 0.999
    assert grid.lower <= min(0.270962 - 10 * width, cfg.mu0 - 6 * cfg.s0) + 1e-5
    assert grid.upper >= max(0.270962 + 10 * width, cfg.mu0 + 6 * cfg.s0) - 1e-5


def test_rescaled_is_the_change_of_variables():
    """With the same centring, W1 in y is √γ times W1 in x; q keeps unit mass."""
    grid = Grid(-1.0, 1.0, 400)
    p = grid.gaussian(0.1, 0.2)
    x = np.random.default_rng(0).normal(0.1, 0.2, 2000)
    gamma = 49.0
    grid_y, q, y = p1.rescaled(grid, p, x, gamma, x.mean())
    assert grid_y.integrate(q) == pytest.approx(1.0)
    assert wasserstein1(grid_y, q, y) == pytest.approx(7.0 * wasserstein1(grid, p, x), rel=1e-10)


def test_validate_command(monkeypatch, tmp_path, capsys):
    from validation.cli.commands import validate
    parser = argparse.ArgumentParser()
    validate.add_arguments(parser)
    assert parser.parse_args([]).output == "results" and not parser.parse_args([]).quick
    tiny = p1.quick_config(gammas=(10.0,), ns=(100, 1_000), seeds=2, seeds_largest=2, scan_gammas=(10.0,),
                           t_eval=(0.2,), dt=1e-2, pde_dt=1e-2, cells_per_width=10.0)
    monkeypatch.setattr(p1, "QUICK", tiny)
    assert validate.run(parser.parse_args(["--quick", "--output", str(tmp_path), "--no-progress"])) == 0
    printed = capsys.readouterr().out
    assert "fitted slope" in printed and (tmp_path / "p1" / "p1.nc").exists()
