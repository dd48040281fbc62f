"""Timing of the P7 fixed-window task of the theorem study (the measurement itself lives in the study).

For each γ, ``validation.studies.theorem.tasks.hopf_window_task`` (``solve_log`` to the stationary
state, sup of |u_γ − max u_γ + Ā (x − x̄)²/σ²| on |x − x̄| ≤ 0.5, on the whole grid and on the
shrinking window p > 1e-250·max p) is timed, and the study's fits are printed. The full
measurement with figure and report: ``fokker-balance theorem`` (part ``hopf``).

Usage: python benchmarks/p7_fixed_window.py [--preset ei_single] [--gammas 1e2 1e3 ...] [--cells-per-width 2]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

from validation.studies.theorem import FULL
from validation.studies.theorem.fits import hopf_fits, hopf_rows
from validation.studies.theorem.tasks import hopf_window_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="ei_single")
    parser.add_argument("--gammas", type=float, nargs="+", default=list(FULL.hopf_gammas))
    parser.add_argument("--cells-per-width", type=float, default=FULL.hopf_cells_per_width)
    args = parser.parse_args()
    cfg = replace(FULL, hopf_presets=(args.preset,), hopf_gammas=tuple(args.gammas),
                  hopf_cells_per_width=args.cells_per_width)
    results = []
    print(f"{'gamma':>8} {'nx':>7} {'wall s':>7}")
    for gamma in cfg.hopf_gammas:
        start = time.perf_counter()
        results.append(hopf_window_task(args.preset, gamma, cfg))
        print(f"{gamma:8.0e} {results[-1]['nx']:7d} {time.perf_counter() - start:7.2f}")
    table = hopf_rows(results, cfg)
    print(table[["population", "gamma", "gamma_sup_window", "gamma_sup_grid", "gamma_sup_region", "settle"]]
          .to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    print(hopf_fits(table, cfg)[["population", "quantity", "slope", "slope_se", "c1", "c1_se", "form"]]
          .to_string(index=False, float_format=lambda v: f"{v:.6g}"))


if __name__ == "__main__":
    main()
