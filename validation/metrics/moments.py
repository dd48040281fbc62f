"""Sample moments with standard errors (mean, variance, standard deviation)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fokker import checks


@dataclass(frozen=True)
class Moments:
    """Sample moments with standard errors (SE of the variance from the fourth central moment)."""

    n: int
    mean: float
    mean_se: float
    var: float
    var_se: float
    std: float
    std_se: float


def moments(samples) -> Moments:
    """Mean, variance (unbiased) and standard deviation with their standard errors.

    SE(mean) = s / √n; SE(var) = sqrt((μ4 − s⁴) / n) (large-n); SE(std) = SE(var) / (2 s).
    """
    x = checks.finite_array("samples", samples).ravel()
    n = x.size
    if n < 2:
        raise ValueError(f"moments need at least 2 samples, got {n}")
    mean = float(x.mean())
    d = x - mean
    var = float(d @ d / (n - 1))
    mu4 = float(np.mean(d**4))
    var_se = float(np.sqrt(max(mu4 - var**2, 0.0) / n))
    std = float(np.sqrt(var))
    return Moments(n=n, mean=mean, mean_se=float(np.sqrt(var / n)), var=var, var_se=var_se, std=std,
                   std_se=var_se / (2.0 * std) if std > 0 else 0.0)
