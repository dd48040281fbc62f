"""Rate-network studies (a)–(d) and the LDS benchmark; each writes CSV and figures and returns summary numbers.

Layers, each importing only those above it: :mod:`.config` (:class:`RatesConfig`, ``FULL``,
``QUICK``), one module per study (:mod:`.wilson_cowan`, :mod:`.contrast`, :mod:`.motifs`,
:mod:`.gamma_star`), :mod:`.driver` (:func:`run_all`).
"""
from .config import FULL, QUICK, RatesConfig
from .contrast import contrast_column, contrast_profile
from .driver import STUDIES, run_all
from .gamma_star import fit_exponent, gamma_star_scaling, lds_benchmark
from .motifs import motif_comparison
from .wilson_cowan import wilson_cowan_plane, wilson_cowan_point

__all__ = ["RatesConfig", "FULL", "QUICK", "run_all", "STUDIES", "wilson_cowan_plane", "wilson_cowan_point",
           "contrast_column", "contrast_profile", "motif_comparison", "gamma_star_scaling", "fit_exponent",
           "lds_benchmark"]
