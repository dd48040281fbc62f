"""Diagnostics for people: one-line CLI warnings (for the CLI process only), shipped examples
that solve without warnings, raster heat maps in PDFs."""
from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from validation import cli
from validation.config import load
from validation.output import heat_map, pyplot, save_figure

DATA = Path(__file__).parents[1] / "data"
ROOT = Path(__file__).resolve().parents[3]


def test_a_cli_warning_is_one_line_without_source(tmp_path):
    """`solve` on a grid that cuts off the initial density warns once: one `warning: ` line."""
    cfg = tmp_path / "narrow.toml"
    cfg.write_text((DATA / "small_study.toml").read_text().replace("lower = -2.0", "lower = -0.6"))
    proc = subprocess.run([sys.executable, "-m", "validation", "solve", str(cfg), "--output", str(tmp_path / "out"),
                           "--no-progress"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("warning: population 'E': an end cell holds mass ")
    assert lines[0].endswith("widen the grid [TruncationWarning]")
    assert ".py:" not in proc.stderr and "warn(" not in proc.stderr


def test_the_warning_format_is_for_the_cli_only(capsys):
    original = warnings.showwarning
    with cli.one_line_warnings():
        warnings.warn("first line\n  second line", RuntimeWarning)
    assert warnings.showwarning is original                       # library users keep Python's format
    assert capsys.readouterr().err == "warning: first line second line [RuntimeWarning]\n"
    assert cli.format_warning("a\tb", UserWarning, "x.py", 3, "code") == "warning: a b [UserWarning]\n"


@pytest.mark.parametrize("name", ["solve_ei_single.toml", "network_driven_pair.toml"])
def test_the_shipped_solve_examples_run_without_warnings(name):
    from solvers import solve
    config = load(ROOT / "examples" / name)
    net, grid = config.network(), config.grid()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sol = solve(net, grid, config.initial_density(grid, net.P), **config.solver_options())
    np.testing.assert_allclose(grid.integrate(sol.p[-1]), 1.0, rtol=0, atol=1e-10)   # mass conserved


def test_heat_maps_are_one_image_in_the_pdf(tmp_path):
    """A 200 x 300 heat map: an image on even grids, a rasterised mesh otherwise; the PDF stays small
    (one embedded raster instead of 60 000 vector cells) and equals the values drawn."""
    plt = pyplot()
    x = np.linspace(0.0, 1.0, 200)
    y = np.linspace(-1.0, 1.0, 300)
    values = np.outer(np.cos(3 * y), np.sin(2 * x))
    fig, (a, b) = plt.subplots(1, 2)
    image = heat_map(a, x, y, values)
    mesh = heat_map(b, x ** 2, y, values)                        # uneven x: pcolormesh
    assert image.get_array().shape == values.shape and np.array_equal(image.get_array(), values)
    assert mesh.get_rasterized() and mesh.get_array().size == values.size
    lo, hi = image.get_extent()[:2]
    assert (lo, hi) == pytest.approx((x[0] - (x[1] - x[0]) / 2, x[-1] + (x[1] - x[0]) / 2))
    pdf, png = save_figure(fig, tmp_path / "heat", formats=("pdf", "png"))
    assert pdf.stat().st_size < 400_000 and png.stat().st_size > 0
    with pytest.raises(ValueError, match=r"values must have shape \(len\(y\), len\(x\)\) = \(300, 200\)"):
        heat_map(a, x, y, values.T)


def test_warnings_of_local_dask_workers_are_one_line_too(tmp_path):
    """`study` on its default LocalCluster of worker processes: a warning raised in a worker is one line."""
    cfg = tmp_path / "pde.toml"
    cfg.write_text('[network]\npreset = "ei_single"\n[grid]\nlower = -0.3\nupper = 1.5\nnx = 200\n'
                   '[initial]\nmean = 0.27\nstd = 0.3\n[time]\nt1 = 0.1\ndt = 0.02\nn_out = 3\n'
                   '[study]\nname = "pde"\nkind = "pde"\nmeasure = ["mean"]\n[study.sweep]\ngamma = [2.0]\n')
    proc = subprocess.run([sys.executable, "-m", "validation", "study", str(cfg), "--output", str(tmp_path / "out"),
                           "--workers", "1", "--no-progress"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    warned = [ln for ln in proc.stderr.splitlines() if "TruncationWarning" in ln]
    assert warned and all(ln.startswith("warning: population 'E': an end cell holds mass") for ln in warned)
    assert ".py:" not in proc.stderr, proc.stderr


def test_plain_log_scale_labels_numbers_without_mathtext():
    from validation.output import plain_log_scale
    plt = pyplot()
    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [0.05, 0.25])
    plain_log_scale(ax, "y")
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.yaxis.get_majorticklabels() + ax.yaxis.get_minorticklabels() if t.get_text()]
    assert ax.get_yscale() == "log" and "0.1" in labels
    assert all("$" not in text and float(text) > 0 for text in labels)
    plt.close(fig)
    with pytest.raises(ValueError, match="which must be 'x' or 'y'"):
        plain_log_scale(ax, "z")


def test_the_solve_figures_keep_their_content_inside_so_the_png_is_drawn_once(tmp_path, monkeypatch):
    """Both figures of `solve` lie inside their edges: save_figure crops the PNG from its Agg drawing and
    calls savefig for the PDF only (a label reaching past an edge would cost one more drawing)."""
    from matplotlib.figure import Figure
    from validation.output.solution_figures import density_figure, moments_figure
    formats = []
    plain = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, fname, **kw: (formats.append(kw["format"]),
                                                                        plain(self, fname, **kw)))
    t = np.linspace(0.0, 3.0, 31)
    x = np.linspace(-1.0, 1.0, 50)
    mean, std = np.stack([np.sin(t), np.cos(t)], axis=1), np.full((31, 2), 0.05) + 0.01 * t[:, None]
    moments_figure(t, mean, std, mean, ["E", "I"], tmp_path / "moments", "Fokker-Planck solution, gamma = 20")
    p = np.exp(-((x[None, None, :] - mean[:, :, None]) / 0.1) ** 2)
    density_figure(t, x, p, mean, np.array([[0.1, 0.2]]), [True], ["E", "I"], 20.0, tmp_path / "density")
    assert formats == ["pdf", "pdf"]
