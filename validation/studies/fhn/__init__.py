"""The FitzHugh–Nagumo study (F2–F6, ``fhn_pair``, a density animation): the conjecture beyond the theorem.

Layers, each importing only those above it: :mod:`.config` (:class:`FhnConfig`, ``FULL``, ``QUICK``),
:mod:`.theory` (leading-order predictions), :mod:`.tasks`, :mod:`.signals` (periods, amplitudes,
growth rates), :mod:`.reduce`, :mod:`.figures`, :mod:`.outputs`, :mod:`.cache`, :mod:`.driver`
(:func:`run_fhn`).
"""
from .config import FULL, PARTS, QUICK, FhnConfig, quick_config
from .driver import FhnResult, run_fhn
from .outputs import report_section

__all__ = ["FhnConfig", "FULL", "QUICK", "PARTS", "quick_config", "FhnResult", "run_fhn", "report_section"]
