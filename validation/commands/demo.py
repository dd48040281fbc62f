"""``fokker-balance demo``: the default validation study (what ``make demo`` runs).

Runs the quick P1 study (particles against the Fokker–Planck solution, ``validate``)
and the quick theorem study (``theorem``), then writes ``<output>/report.md`` with
the P1 figures and tables and a link to the theorem report.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

HELP = ("run the default validation: quick particle-vs-PDE study (P1) and quick theorem study, "
        "with figures and a report under --output")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, default=Path("results"), help="output folder (default: results)")
    parser.add_argument("--full", action="store_true", help="run the full studies instead of the quick versions")


def _p1_section(folder: Path):
    import pandas as pd

    from validation.report import Section, markdown_table
    slopes = pd.read_csv(folder / "p1_slopes.csv")
    scan = pd.read_csv(folder / "p1_gamma.csv")
    return Section(
        "P1: particles against the Fokker–Planck solution",
        "W1 distance between the empirical law of n particles and the mean-field density at fixed γ "
        "(theory: slope −1/2 in n), and across γ at the largest n in x and in y = √γ (x − mean) "
        f"(data: `{folder.name}/`).",
        figures=[folder / "p1_w1_vs_n.png", folder / "p1_gamma.png"],
        tables=[markdown_table(slopes), markdown_table(scan)])


def run(args: argparse.Namespace) -> int:
    from validation.cli import main
    from validation.report import Section, write_report

    start = time.perf_counter()
    quick = [] if args.full else ["--quick"]
    for argv in (["validate", "--output", str(args.output)] + quick,
                 ["theorem", "--output", str(args.output / "theorem")] + quick):
        print(f"== fokker-balance {' '.join(argv)}", flush=True)
        code = main(argv)
        if code:
            return code
    theorem = Section("The convergence theorem as γ → ∞ (P0, P2–P7)",
                      "Fitted slopes and limits against the predictions of model.md §5: "
                      "[theorem/report.md](theorem/report.md).")
    path = write_report(args.output / "report.md", "fokker-balance validation report",
                        [_p1_section(args.output / "p1"), theorem],
                        intro=f"{'Full' if args.full else 'Quick'} studies, "
                              f"{time.perf_counter() - start:.0f} s wall time.")
    print(f"report: {path}")
    return 0
