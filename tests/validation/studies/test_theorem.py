"""The theorem study (validation.studies.theorem): helpers exactly, and a small run end to end.

The small run is deterministic (fixed seeds; the particle part only checks that it runs and
writes files). Tolerances: fitted slopes of O(1/γ) errors on γ ≥ 100 are within 0.02 of the
prediction (measured: within 3e-4); the limit of √γ·std is exact to the coupling tolerance
because the scheme keeps the discrete variance of the limit profile; √γ·W1 has an O(h²)
discretisation floor (h the y-cell width), so it is checked to h².

P7 on a fixed window: an O(log γ/γ) error would have the local log–log slope −1 + 1/ln γ, at least
0.07 above −1 for γ ≤ 1e6, so the fitted slope is checked to 0.03 of −1 (a measured O(1/γ) error fits
to about 1e-3 even on the coarse grid below), and the form with the smaller residuals must be O(1/γ).
"""
from __future__ import annotations


import numpy as np
import pytest

from fokker import Grid
from validation.studies import theorem
from validation.studies.theorem import fits as theorem_fits
from validation.studies.theorem import tasks as theorem_tasks

SMALL = theorem.TheoremConfig(
    presets=("ei_single",), gammas=(1.0, 100.0, 1e3, 1e4, 1e6, 1e8), y_half=10.0, y_cells=500, steps=200,
    collapse_gammas=(100.0, 1e4, 1e8), collapse_cells=800, collapse_zoom=3.0, collapse_outputs=100,
    driven_gammas=(100.0, 1e4, 1e8), driven_dt=0.02, driven_periods=2, driven_outputs=50,
    particle_gammas=(1.0, 1e4), particle_ns=(1_000, 10_000), particle_seeds=1, particle_steps=50,
    bistable_means=(-0.5, 0.5),
    hopf_presets=("ei_single",), hopf_gammas=(100.0, 1e4, 1e6), hopf_cells_per_width=1.0, hopf_max_cell=4e-3,
    hopf_check_cells_per_width=None)


def test_abs_moment_is_exact():
    grid = Grid(-3.0, 5.0, 8)                                 # unit cells
    q = np.zeros((1, 8))
    q[0, 3] = 1.0                                             # uniform on [0, 1]
    assert theorem_tasks.abs_moment(grid, q, np.array([0.0]))[0] == pytest.approx(0.5)
    assert theorem_tasks.abs_moment(grid, q, np.array([0.25]))[0] == pytest.approx((0.25 ** 2 + 0.75 ** 2) / 2)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("theorem")
    return theorem.run_theorem(SMALL, out, progress=False), out


def test_p2_p3_p4_slopes_and_limits(small_run):
    res, _ = small_run
    s = res.summary.set_index("quantity")
    for q in ("|√γ·std − limit| vs γ", "|√γ·W1(p, δ_x̄) − limit| vs γ", "|μ − x̄| vs γ",
              "L1(q_γ centred at μ, limit) vs γ"):
        assert s.loc[q, "fitted"] == pytest.approx(-1.0, abs=0.02), q
    assert s.loc["L1(q_γ centred at x̄, limit) vs γ", "fitted"] == pytest.approx(-0.5, abs=0.02)
    std_lim = s.loc["lim √γ·std = σ/√(2Ā) (fit L + C/γ)"]
    assert std_lim.fitted == pytest.approx(std_lim.predicted, rel=1e-7)
    w1_lim = s.loc["lim √γ·W1 = σ/√(πĀ) (fit L + C/γ)"]
    h = 2 * SMALL.y_half / SMALL.y_cells
    assert abs(w1_lim.fitted - w1_lim.predicted) < h ** 2
    st = res.stationary.set_index("gamma")
    assert st.loc[100.0, "sqrt_gamma_std"] == pytest.approx(0.325840, abs=2e-6)   # docs/theory/convergence.md reference


def test_other_parts(small_run):
    res, _ = small_run
    s = res.summary.set_index(["part", "quantity"])
    assert np.allclose(s.loc[("P5", "max lag |μ(t) − x̄(t)| vs γ"), "fitted"], -1.0, atol=0.02)
    p0 = s.loc[("P0", "d(γ t_c)/d ln γ")]
    assert abs(p0.fitted / p0.predicted - 1.0) < 0.1       # coarse layer grid (800 cells): within 10 %
    bi = res.bistable.set_index("mean0")
    assert bi.loc[-0.5, "root"] < 0 < bi.loc[0.5, "root"]
    assert bi.root_stable.all()
    assert (bi.root == bi.limit_ode_root).all()
    basin = res.summary[res.summary.part == "bistable"].iloc[0]
    assert basin.fitted == 0.0 and basin.fitted_se == 0.5 and basin.predicted == pytest.approx(0.0848, abs=1e-3)
    runs = sum(theorem_fits.particle_seeds(SMALL, n) for n in SMALL.particle_ns) * len(SMALL.particle_gammas)
    assert len(res.particles) == runs == 8 and np.all(res.particles.w1_y > 0)


def test_files_written(small_run):
    res, out = small_run
    names = {p.name for p in res.files}
    for stem in ("theorem_p0", "theorem_p2", "theorem_p3", "theorem_p4", "theorem_p5", "theorem_p6",
                 "theorem_p7", "theorem_p7_fixed", "theorem_bistable"):
        assert f"{stem}.png" in names and f"{stem}.pdf" in names
        assert (out / f"{stem}.png").stat().st_size > 0
    assert {"theorem_summary.csv", "theorem_stationary.csv", "theorem_p7_fixed.csv", "theorem_p7_fixed_fits.csv",
            "report.md"} <= names
    report = (out / "report.md").read_text()
    assert "theorem_p2.png" in report and "| part |" in report
    assert not list(out.glob(".*.tmp"))


def test_peak_is_exact_on_a_parabola():
    x = np.linspace(-1.0, 1.0, 41)
    u = np.stack([-(x - 0.3123) ** 2 + 2.0, -3.0 * (x + 0.05) ** 2])
    assert np.allclose(theorem_tasks.peak(u), [2.0, 0.0], atol=1e-14, rtol=0)
    _, position = theorem_tasks.vertex(u)                    # fractional node index of the maximum
    assert np.allclose(-1.0 + 0.05 * position, [0.3123, -0.05], atol=1e-13, rtol=0)


def test_p7_fixed_window_is_order_one_over_gamma(small_run):
    res, _ = small_run
    fits = res.hopf_fits.set_index("quantity")
    window = fits.loc["sup_window"]
    assert window.slope == pytest.approx(-1.0, abs=0.03)
    assert window.slope_lo95 < window.slope < window.slope_hi95
    assert window.form == "O(1/γ)" and window.rms_resid_inverse < 0.1 * window.rms_resid_log
    assert fits.loc["sup_grid", "slope"] == pytest.approx(-1.0, abs=0.03)
    # the shrinking window |x − x̄| ≲ R γ^(−1/2): the O(1/γ) shift of the maximum contributes
    # γ⁻¹·R γ^(−1/2), a slope near −3/2 (the earlier measurement)
    assert -1.7 < fits.loc["sup_region", "slope"] < -1.3
    rows = res.summary[(res.summary.part == "P7") & (res.summary.kind == "slope")]
    assert len(rows) == 4          # the desingularised shrinking-window row and the three solve_log windows
    assert res.hopf.settle.max() < 1e-3 * res.hopf.sup_window.min()


def test_p7_task_is_deterministic():
    first, second = (theorem_tasks.hopf_window_task("ei_single", 1e4, SMALL) for _ in range(2))
    assert first.keys() == second.keys()
    for key, value in first.items():
        if key != "wall_time":
            assert np.array_equal(np.asarray(value), np.asarray(second[key])), key


def test_cli_registration():
    from validation.cli import build_parser
    args = build_parser().parse_args(["theorem", "--quick", "--output", "x"])
    assert args.quick and str(args.output) == "x"


def test_unknown_part_is_refused():
    with pytest.raises(ValueError, match="unknown parts"):
        theorem.run_theorem(theorem.quick_config(parts=("nope",)), None, progress=False)
