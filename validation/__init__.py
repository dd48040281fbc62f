"""validation: particles, metrics, studies, figures and the CLI of fokker-balance."""
from .metrics import ks_distance, ks_distance_samples, l1_density_histogram, moments, wasserstein1, wasserstein1_samples
from .particles import ParticleRun, simulate_particles

__all__ = ["simulate_particles", "ParticleRun", "wasserstein1", "wasserstein1_samples", "ks_distance",
           "ks_distance_samples", "l1_density_histogram", "moments"]
