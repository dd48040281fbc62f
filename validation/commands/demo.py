"""``fokker-balance demo``: the default validation study (what ``make demo`` runs)."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = ("run the default validation: quick particle-vs-PDE study (P1) and quick theorem study, "
        "with figures and a report under --output")

PARTS = (("p1", "validate", "Particles against the Fokker–Planck solution (P1)"),
         ("theorem", "theorem", "The convergence theorem as γ → ∞ (P0, P2–P7)"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, default=Path("results"), help="output folder (default: results)")
    parser.add_argument("--full", action="store_true", help="run the full studies instead of the quick versions")


def run(args: argparse.Namespace) -> int:
    from validation.cli import main
    from validation.atomic import atomic_write_text

    lines = ["# fokker-balance validation report", ""]
    for folder, command, title in PARTS:
        out = args.output / folder
        argv = [command, "--output", str(out)] + ([] if args.full else ["--quick"])
        print(f"== {title}: fokker-balance {' '.join(argv)}", flush=True)
        code = main(argv)
        if code:
            return code
        lines.append(f"- [{title}]({folder}/report.md)" if (out / "report.md").exists()
                     else f"- {title}: results in `{folder}/`")
    atomic_write_text(args.output / "report.md", "\n".join(lines) + "\n")
    print(f"report: {args.output / 'report.md'}")
    return 0
