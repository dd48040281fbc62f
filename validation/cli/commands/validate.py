"""``fokker-balance validate``: the P1 study (particles against the Fokker–Planck solver).

Runs :func:`validation.studies.p1.run_p1` (``--quick``: n up to 1e5, 3 seeds, a coarser
reference grid; under 2 minutes on 2 cores), prints the summary table (fitted slopes of
W1 in n per γ and time; particles against Fokker–Planck across γ in x and in
y = √γ (x − mean)) and writes CSV, NetCDF and figures under ``<output>/p1``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

HELP = "run the P1 validation study (particle network vs Fokker-Planck, W1 against n and gamma)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="the small configuration (n <= 1e5; what `make demo` and CI run)")
    parser.add_argument("--output", default="results", metavar="DIR",
                        help="folder for the results (default: results/); files go to DIR/p1/")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def run_and_print(quick: bool, output: str | Path, progress: bool):
    """Run the P1 study (quick or full) into ``output``, print its summary and files; the result."""
    from ...studies import p1
    start = time.perf_counter()
    result = p1.run_p1(p1.QUICK if quick else p1.FULL, output, progress=progress)
    print(result.summary)
    print()
    print(f"wrote {len(result.files)} files under {result.files[0].parent} "
          f"in {time.perf_counter() - start:.1f} s:")
    for path in result.files:
        print(f"  {path}")
    return result


def run(args: argparse.Namespace) -> int:
    run_and_print(args.quick, args.output, not args.no_progress)
    return 0
