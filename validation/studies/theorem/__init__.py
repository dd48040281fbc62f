"""The convergence-theorem study as γ → ∞ (P0, P2–P7 and a bistable network), measured.

Layers, each importing only those above it: :mod:`.config` (:class:`TheoremConfig`, ``FULL``,
``QUICK``), :mod:`.tasks`, :mod:`.fits`, :mod:`.hopf_outputs` (P7 on fixed windows), :mod:`.outputs`,
:mod:`.driver` (:func:`run_theorem`).
"""
from .config import FULL, QUICK, TheoremConfig, quick_config
from .driver import TheoremResult, run_theorem

__all__ = ["TheoremConfig", "FULL", "QUICK", "quick_config", "TheoremResult", "run_theorem"]
