"""``fokker-balance rates``: the rate-network studies (a)–(d) of docs/theory/rates.md, figures + CSV."""
from __future__ import annotations

import argparse
import json

HELP = "E-I firing-rate networks: LDS certificates, contrast enhancement, motifs, gamma*(N) (figures + CSV)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="small grids and networks (under a minute)")
    parser.add_argument("--output", default="results/rates", help="output folder (default: results/rates)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--no-benchmark", action="store_true",
                        help="skip the LDS benchmark against cvxpy (n = 200 takes minutes with SCS)")


def run(args: argparse.Namespace) -> int:
    from ...studies import rates

    summary = rates.run_all(args.output, rates.QUICK if args.quick else rates.FULL, progress=not args.no_progress,
                            benchmark=not args.no_benchmark)
    print(json.dumps(summary, indent=2, default=float))
    print(f"figures, CSV and summary.json written to {args.output}")
    return 0
