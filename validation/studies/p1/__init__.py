"""Study P1: the finite-n network converges to the mean-field law as n → ∞ (W1 = O(n^(−1/2))).

Layers, each importing only those above it: :mod:`.config` (:class:`P1Config`, ``FULL``,
``QUICK``), :mod:`.tasks`, :mod:`.reduce`, :mod:`.outputs`, :mod:`.driver` (:func:`run_p1`).
"""
from .config import FULL, QUICK, P1Config, quick_config
from .driver import P1Result, run_p1
from .outputs import report_section, summary_table
from .reduce import reduce, summarise, to_dataset
from .tasks import particle_points, particle_task, pde_task, reference_grid, rescaled

__all__ = ["P1Config", "FULL", "QUICK", "quick_config", "P1Result", "run_p1", "report_section", "summary_table",
           "reduce", "summarise", "to_dataset", "particle_points", "particle_task", "pde_task", "reference_grid",
           "rescaled"]
