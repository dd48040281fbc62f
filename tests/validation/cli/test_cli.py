"""The CLI commands solve, simulate, balance, study and report (through validation.cli.main)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from validation import cli
from validation.store import open_study

SMALL = Path(__file__).parents[1] / "data" / "small_study.toml"
ROOT = Path(__file__).resolve().parents[3]
MINE = ("solve", "simulate", "balance", "study", "report")


@pytest.fixture(autouse=True)
def commands(monkeypatch):
    """Only commands whose module exists (another subcommand may be mid-edit)."""
    present = {k: v for k, v in cli.COMMANDS.items() if importlib.util.find_spec(v) is not None}
    assert set(MINE) <= set(present)
    monkeypatch.setattr(cli, "COMMANDS", present)


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
        yield c


@pytest.fixture
def small(tmp_path):
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL.read_text())
    return cfg


@pytest.mark.parametrize("command", MINE)
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    assert "--output" in capsys.readouterr().out or command == "balance"


def test_balance_prints_the_table(capsys):
    assert cli.main(["balance", str(ROOT / "examples" / "solve_ei_single.toml")]) == 0
    out = capsys.readouterr().out
    assert "1 (1 stable)" in out and "0.270962" in out and "1.175836" in out and "yes" in out


def test_balance_of_a_bistable_network(tmp_path, capsys):
    cfg = tmp_path / "bi.toml"
    cfg.write_text('[network]\npreset = "ei_bistable"\n')
    assert cli.main(["balance", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "3 (2 stable)" in out and out.count(" no ") == 1


def test_solve_writes_data_and_figures(small, tmp_path, capsys):
    out = tmp_path / "solve"
    assert cli.main(["solve", str(small), "--output", str(out), "--no-progress"]) == 0
    for name in ("solution.nc", "density.png", "density.pdf", "moments.png", "moments.pdf"):
        assert (out / name).stat().st_size > 0
    ds = open_study(out / "solution.nc")
    assert ds["p"].dims == ("t", "population", "x") and ds.sizes["t"] == 5
    assert "[network]" in ds.attrs["config"]
    assert "wrote" in capsys.readouterr().out


def test_simulate_writes_data_and_figures(small, tmp_path):
    out = tmp_path / "sim"
    assert cli.main(["simulate", str(small), "--output", str(out), "--n", "400", "--seed", "2"]) == 0
    ds = open_study(out / "particles.nc")
    assert ds.attrs["n"] == 400 and ds.attrs["seed"] == 2
    assert (out / "particles.png").exists() and (out / "particles.pdf").exists()


def test_study_twice_then_report(small, tmp_path, capsys):
    out = tmp_path / "results"
    args = ["study", str(small), "--output", str(out), "--scheduler", "synchronous", "--no-progress"]
    assert cli.main(args) == 0
    assert "computed 4, skipped 0" in capsys.readouterr().out
    assert cli.main(args) == 0
    assert "computed 0, skipped 4" in capsys.readouterr().out
    assert cli.main(["report", str(out / "small")]) == 0
    report = (out / "small" / "report" / "report.md").read_text()
    assert "W1 vs n" in report and "| gamma=5, n=300 | E |" in report
    assert (out / "small" / "report" / "w1_vs_n.pdf").exists()


def test_study_on_an_attached_cluster(small, tmp_path, cluster, capsys):
    out = tmp_path / "results"
    assert cli.main(["study", str(small), "--output", str(out), "--scheduler", cluster.scheduler_address,
                     "--no-progress"]) == 0
    assert "computed 4, skipped 0" in capsys.readouterr().out
    assert open_study(out / "small" / "small.nc")["w1"].shape == (1, 2, 2, 5, 1)


def test_changed_config_needs_force(small, tmp_path, capsys):
    out = tmp_path / "results"
    base = ["study", str(small), "--output", str(out), "--scheduler", "synchronous", "--no-progress"]
    small.write_text(SMALL.read_text().replace("n = [300, 600]", "n = [300]"))
    assert cli.main(base) == 0
    small.write_text(SMALL.read_text().replace("n = [300, 600]", "n = [300]").replace("nx = 160", "nx = 200"))
    capsys.readouterr()
    assert cli.main(base) == 2
    err = capsys.readouterr().err.strip()
    assert "different configuration" in err and "--force" in err and len(err.splitlines()) == 1
    assert cli.main(base + ["--force"]) == 0
    meta = json.loads((out / "small" / "study.json").read_text())
    assert meta["config_hash"] == open_study(out / "small").attrs["config_hash"]


@pytest.mark.parametrize("command", ["solve", "simulate", "balance", "study"])
def test_config_error_is_one_line_and_exit_2(command, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[network]\ngamma = -3\n")
    assert cli.main([command, str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{bad}: network.gamma: must be a number >= 0" in err


def test_missing_results_folder_is_an_error(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "nothing")]) == 2
    assert "not a study folder" in capsys.readouterr().err


def test_traceback_flag_shows_the_traceback_of_a_user_error(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[network]\ngamma = -3\n")
    assert cli.main(["--traceback", "balance", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "ConfigError" in err
    assert err.strip().splitlines()[-1] == f"fokker-balance balance: error: {bad}: network.gamma: must be a number >= 0 (finite), got -3.0"


def _raise(exc: BaseException):
    def run():
        raise exc
    return run


@pytest.mark.parametrize("exc", [ValueError("gamma must be > 0"), FileNotFoundError(2, "No such file", "x.toml"),
                                 PermissionError(13, "Permission denied", "out/")])
def test_user_errors_are_one_line_exit_2(exc, capsys):
    assert cli.run_command("solve", _raise(exc)) == 2
    err = capsys.readouterr().err
    assert err == f"fokker-balance solve: error: {exc}\n"


@pytest.mark.parametrize("exc", [TypeError("f() takes 2 positional arguments"), AttributeError("no attribute 'p'"),
                                 KeyError("gamma")])
def test_programming_errors_print_the_traceback_exit_1(exc, capsys):
    assert cli.run_command("solve", _raise(exc)) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and type(exc).__name__ in err and "internal error" in err


def test_a_config_type_error_is_a_user_error(tmp_path, capsys):
    """A wrong type in a file is a ConfigError (a ValueError) naming the key path, not a TypeError."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\nnx = 'many'\n")
    assert cli.main(["balance", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == (f"fokker-balance balance: error: {bad}: grid.nx: must be an integer "
                                               ">= 3, got string 'many'")
