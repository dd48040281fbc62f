"""validation: particles, metrics, studies, figures and the CLI of fokker-balance."""
from .particles import simulate_particles
from .metrics import wasserstein1, wasserstein1_samples, ks_distance, ks_distance_samples, l1_density_histogram, moments
