"""validation: the particle network, metrics and fits, studies, the result store and the CLI of fokker-balance.

Subpackages by job (each imports only the ones listed before it, plus :mod:`validation.atomic`):
:mod:`.metrics` (distances, moments, line fits), :mod:`.particles` (the finite-n network),
:mod:`.config` (TOML configuration files), :mod:`.store` (result store, task runner, sweeps),
:mod:`.output` (figures, CSV, reports), :mod:`.studies` (P1, theorem, rates),
:mod:`.cli` (the ``fokker-balance`` command line).
"""
from .metrics import ks_distance, ks_distance_samples, l1_density_histogram, moments, wasserstein1, wasserstein1_samples
from .particles import ParticleRun, simulate_particles

__all__ = ["simulate_particles", "ParticleRun", "wasserstein1", "wasserstein1_samples", "ks_distance",
           "ks_distance_samples", "l1_density_histogram", "moments"]
