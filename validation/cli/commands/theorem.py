"""``fokker-balance theorem``: the convergence-theorem study (docs/theory/convergence.md: P0, P2–P7, bistable).

Runs :func:`validation.studies.theorem.run_theorem` (``--quick``: fewer γ, n ≤ 1e5, coarser
grids; under a minute on 2 cores), prints the summary table (fitted versus predicted slopes
and limits) and writes CSV, figures (PNG + PDF) and ``report.md`` under ``--output``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

HELP = "run the convergence-theorem study (P0, P2-P7, bistable) with figures and a Markdown report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="the small configuration (what `make demo` runs)")
    parser.add_argument("--output", type=Path, default=Path("results/theorem"), metavar="DIR",
                        help="folder for the results and report.md (default: results/theorem)")
    parser.add_argument("--scheduler", default=None,
                        help="where tasks run: synchronous (default), threads, processes, or a Dask address")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def run_and_print(quick: bool, output: Path, progress: bool, scheduler: str | None = None):
    """Run the theorem study (quick or full) into ``output`` and print its summary table; the result."""
    import pandas as pd
    from ...studies import theorem
    start = time.perf_counter()
    res = theorem.run_theorem(theorem.QUICK if quick else theorem.FULL, output, progress=progress,
                              scheduler=scheduler)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        print(res.summary[["part", "preset", "population", "quantity", "fitted", "fitted_se", "predicted"]]
              .to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    print(f"\nwrote {len(res.files)} files under {output} in {time.perf_counter() - start:.1f} s; "
          f"report: {output / 'report.md'}")
    return res


def run(args: argparse.Namespace) -> int:
    run_and_print(args.quick, args.output, not args.no_progress, args.scheduler)
    return 0
