"""validation: the particle network, metrics and fits, studies, the result store and the CLI of fokker-balance.

Subpackages by job (each imports only the ones listed before it, plus :mod:`validation.atomic`
and :mod:`validation.lazy`):
:mod:`.metrics` (distances, moments, line fits), :mod:`.particles` (the finite-n network),
:mod:`.config` (TOML configuration files), :mod:`.store` (result store, task runner, sweeps),
:mod:`.output` (figures, CSV, reports), :mod:`.studies` (P1, theorem, rates),
:mod:`.cli` (the ``fokker-balance`` command line).

The names below are imported from their subpackage on first use (:mod:`validation.lazy`), so that
importing a light part of the package (the CLI, the figures) does not load the solvers and scipy.
"""
from .lazy import lazy_exports

__all__ = ["simulate_particles", "ParticleRun", "wasserstein1", "wasserstein1_samples", "ks_distance",
           "ks_distance_samples", "l1_density_histogram", "moments"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "simulate_particles": ".particles", "ParticleRun": ".particles", "wasserstein1": ".metrics",
    "wasserstein1_samples": ".metrics", "ks_distance": ".metrics", "ks_distance_samples": ".metrics",
    "l1_density_histogram": ".metrics", "moments": ".metrics"}, __all__)
