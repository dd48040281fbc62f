"""Rate-network studies (docs/theory/rates.md), each a list of tasks + a reducer + a figure.

(a) ``wilson_cowan_plane``: over (w_EE, w_IE), where I − W is LDS, where the Jacobian is
    stable without LDS (inhibition-stabilised), where there is multistability or no stable state.
(b) ``contrast_column``: relative contrast per layer of a stacked column against κ^ℓ.
(c) ``motif_comparison``: shared vs crossed inhibition from many random initial states, and
    the number of stable equilibria against bc/(1 − a).
(d) ``gamma_star_scaling``: γ*(N) of random Dale networks under 1/N and 1/√N weights, with
    fitted exponents; plus ``lds_benchmark``: the barrier LDS search against cvxpy.
Every study writes ``<name>.csv``, ``<name>.png`` and ``<name>.pdf`` into ``output`` atomically
and returns a dict of summary numbers.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

from ...atomic import atomic_write_text
from .config import FULL, RatesConfig
from .contrast import contrast_column
from .gamma_star import gamma_star_scaling, lds_benchmark
from .motifs import motif_comparison
from .wilson_cowan import wilson_cowan_plane

STUDIES = {"a_wilson_cowan": wilson_cowan_plane, "b_contrast": contrast_column,
           "c_motifs": motif_comparison, "d_gamma_star": gamma_star_scaling}


def run_all(output: str | Path = "results/rates", cfg: RatesConfig = FULL, *, progress: bool = True,
            benchmark: bool = True) -> dict:
    """Run studies (a)–(d) (and the LDS benchmark) and write ``summary.json`` next to their files."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"configuration": asdict(cfg)}
    for name, study in STUDIES.items():
        start = time.perf_counter()
        summary[name] = study(out, cfg, progress=progress)
        summary[name]["wall_time_s"] = round(time.perf_counter() - start, 2)
    if benchmark:
        summary["lds_benchmark"] = lds_benchmark(out, cfg)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2, default=float))
    return summary
