"""Sizes of the rate-network studies (:class:`RatesConfig`) and their full and quick configurations."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RatesConfig:
    """Grid sizes, repetitions and tolerances of studies (a)–(d) and the LDS benchmark."""

    wc_cells: int = 49                              # (a) cells per axis of the (w_EE, w_IE) plane
    contrast_layers: int = 12                       # (b) layers of the column
    motif_starts: int = 200                         # (c) random initial states per motif
    motif_ratios: int = 46                          # (c) values of bc/(1 − a) scanned
    gamma_sizes: tuple[int, ...] = (16, 32, 64, 128, 256)   # (d) network sizes N
    gamma_seeds: int = 4                            # (d) networks per (N, scaling)
    gamma_rtol: float = 5e-3                        # (d) relative tolerance of γ*
    benchmark_n: int = 200                          # neurons of the LDS benchmark network


FULL = RatesConfig()
QUICK = RatesConfig(wc_cells=17, contrast_layers=8, motif_starts=40, motif_ratios=19, gamma_sizes=(10, 20, 40, 80),
                    gamma_seeds=2, gamma_rtol=2e-2, benchmark_n=40)
