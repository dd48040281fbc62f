"""Synaptic activation functions S_k(x) > 0 (docs/theory/network.md)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from . import checks


@dataclass(frozen=True)
class Sigmoid:
    """S(x) = s_max / (1 + exp(-slope (x - threshold))).

    ``slope = 0`` gives the constant s_max / 2 (the linear, exactly solvable model).
    """

    s_max: float = 1.0
    slope: float = 1.0
    threshold: float = 0.0

    def __post_init__(self) -> None:
        checks.positive("Sigmoid.s_max", self.s_max)
        checks.real("Sigmoid.slope", self.slope)
        checks.real("Sigmoid.threshold", self.threshold)

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        return self.s_max * expit(self.slope * (np.asarray(x, dtype=float) - self.threshold))

    def derivative(self, x: np.ndarray | float) -> np.ndarray:
        """S'(x) = slope S (1 - S / s_max)."""
        e = expit(self.slope * (np.asarray(x, dtype=float) - self.threshold))
        return self.s_max * self.slope * e * (1.0 - e)


def derivative(activation: Callable, x):
    """S'(x): the activation's own derivative, or a central difference for a plain callable."""
    if hasattr(activation, "derivative"):
        return activation.derivative(x)
    step = 1e-6 * (1.0 + np.abs(x))
    return (activation(x + step) - activation(x - step)) / (2.0 * step)
