"""``fokker-balance fhn``: the FitzHugh–Nagumo study (F2–F6, ``fhn_pair``, a density animation).

Runs :func:`validation.studies.fhn.run_fhn` (``--quick``: fewer γ, smaller n, shorter runs; what
``make demo`` runs), prints the summary table (fitted against predicted values) and writes CSV,
figures (PNG + PDF), the GIF animation and ``report.md`` under ``--output``. Finished tasks are
cached under ``<output>/cache``: an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

HELP = "run the FitzHugh-Nagumo study (F2-F6, fhn_pair, animation) with figures and a Markdown report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="the small configuration (what `make demo` runs)")
    parser.add_argument("--output", type=Path, default=Path("results/fhn"), metavar="DIR",
                        help="folder for the results and report.md (default: results/fhn)")
    parser.add_argument("--parts", default=None, metavar="LIST",
                        help="comma-separated parts to run (default: all; an unknown name lists them)")
    parser.add_argument("--scheduler", default=None,
                        help="where tasks run: synchronous (default), threads, processes, or a Dask address")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def parse_parts(text: str | None) -> tuple[str, ...] | None:
    """The ``--parts`` list (None: all); ValueError naming the unknown parts."""
    from ...studies.fhn.config import PARTS
    if text is None:
        return None
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = sorted(set(parts) - set(PARTS))
    if not parts or unknown:
        raise ValueError(f"--parts must be a comma-separated list of {list(PARTS)}, got {text!r}")
    return parts


def run_and_print(quick: bool, output: Path, progress: bool, scheduler: str | None = None,
                  parts: tuple[str, ...] | None = None):
    """Run the study (quick or full, optionally only ``parts``) into ``output``, print its summary; the result."""
    from dataclasses import replace

    import pandas as pd
    from ...studies import fhn
    cfg = fhn.QUICK if quick else fhn.FULL
    if parts is not None:
        cfg = replace(cfg, parts=parts)
    start = time.perf_counter()
    res = fhn.run_fhn(cfg, output, progress=progress, scheduler=scheduler)
    if len(res.summary):
        with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 70):
            print(res.summary[["part", "quantity", "fitted", "fitted_se", "predicted", "points"]]
                  .to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    print(f"\nwrote {len(res.files)} files under {output} in {time.perf_counter() - start:.1f} s; "
          f"report: {output / 'report.md'}")
    return res


def run(args: argparse.Namespace) -> int:
    run_and_print(args.quick, args.output, not args.no_progress, args.scheduler, parse_parts(args.parts))
    return 0
