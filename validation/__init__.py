"""validation: the particle network, metrics and fits, studies, the result store and the CLI of fokker-balance.

Subpackages by job (each imports only the ones listed before it, plus :mod:`validation.atomic`):
:mod:`.metrics` (distances, moments, line fits), :mod:`.particles` (the finite-n network),
:mod:`.config` (TOML configuration files), :mod:`.store` (result store, task runner, sweeps),
:mod:`.output` (figures, CSV, reports), :mod:`.studies` (P1, theorem, rates),
:mod:`.cli` (the ``fokker-balance`` command line).

The names below are imported from their subpackage on first use (PEP 562), so that importing a
light part of the package (the CLI, the figures) does not load the solvers and scipy.
"""
from __future__ import annotations

import importlib

_SOURCES = {"simulate_particles": ".particles", "ParticleRun": ".particles", "wasserstein1": ".metrics",
            "wasserstein1_samples": ".metrics", "ks_distance": ".metrics", "ks_distance_samples": ".metrics",
            "l1_density_histogram": ".metrics", "moments": ".metrics"}
"""Public name → the subpackage that defines it."""

__all__ = ["simulate_particles", "ParticleRun", "wasserstein1", "wasserstein1_samples", "ks_distance",
           "ks_distance_samples", "l1_density_histogram", "moments"]


def __getattr__(name: str) -> object:
    """The public name ``name``, imported from its subpackage on first use (then cached here)."""
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_SOURCES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
