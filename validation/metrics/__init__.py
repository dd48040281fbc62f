"""Metrics and fits: distances between laws, sample moments, and least-squares line fits.

- :mod:`.distances`: W1, Kolmogorov–Smirnov and L1 between a grid density and samples
  (or two sample sets);
- :mod:`.moments`: sample moments with standard errors;
- :mod:`.fits`: the one least-squares line fit (and its power-law and 1/γ-limit forms)
  used by every study, with one policy for NaN and infinite values.
"""
from .distances import ks_distance, ks_distance_samples, l1_density_histogram, wasserstein1, wasserstein1_samples
from .fits import LineFit, PowerFit, fit_inverse_limit, fit_line, fit_power, try_fit_power
from .moments import Moments, moments

__all__ = ["wasserstein1", "wasserstein1_samples", "ks_distance", "ks_distance_samples", "l1_density_histogram",
           "Moments", "moments", "LineFit", "PowerFit", "fit_line", "fit_power", "try_fit_power", "fit_inverse_limit"]
