"""``fokker-balance demo``: the default validation study (what ``make demo`` runs).

Runs the quick P1 study (particles against the Fokker–Planck solution, as ``validate``),
the quick theorem study (as ``theorem``) and the quick FitzHugh–Nagumo study (as ``fhn``)
through their Python entry points, then writes ``<output>/report.md`` with the P1 figures and
tables, a link to the theorem report and the FitzHugh–Nagumo summary with its main figures.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import fhn, theorem, validate

HELP = ("run the default validation: quick particle-vs-PDE study (P1), quick theorem study and quick "
        "FitzHugh-Nagumo study, with figures and a report under --output")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, default=Path("results"), help="output folder (default: results)")
    parser.add_argument("--full", action="store_true", help="run the full studies instead of the quick versions")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def run(args: argparse.Namespace) -> int:
    from ...output import Section, write_report
    from ...studies import fhn as fhn_study
    from ...studies import p1

    start = time.perf_counter()
    quick, progress = not args.full, not args.no_progress
    print("== P1: particles against the Fokker-Planck solution", flush=True)
    validate.run_and_print(quick, args.output, progress)
    print("== the convergence theorem", flush=True)
    theorem.run_and_print(quick, args.output / "theorem", progress)
    print("== FitzHugh-Nagumo networks", flush=True)
    fhn.run_and_print(quick, args.output / "fhn", progress)
    theorem_section = Section("The convergence theorem as γ → ∞ (P0, P2–P7)",
                              "Fitted slopes and limits against the predictions: "
                              "[theorem/report.md](theorem/report.md).")
    path = write_report(args.output / "report.md", "fokker-balance validation report",
                        [p1.report_section(args.output / "p1"), theorem_section,
                         fhn_study.report_section(args.output / "fhn")],
                        intro=f"{'Full' if args.full else 'Quick'} studies, "
                              f"{time.perf_counter() - start:.0f} s wall time.")
    print(f"report: {path}")
    return 0
