"""Populations, synaptic channels and the network (model.md §1).

For neuron i of population α

    dX_i = [ f_α(X_i) + γ Σ_k J_{αk} m_k(t) (E_k − X_i) ] dt + σ_α dW_i,
    m_k(t) = ⟨S_k(X_j)⟩_{j ∈ src(k)}   (or a prescribed a_k(t) for an external channel).

Derived quantities (vectorised over populations):

    A_α = Σ_k J_{αk} m_k            total conductance      (:meth:`Network.conductance`)
    B_α = Σ_k J_{αk} m_k E_k        reversal current       (:meth:`Network.reversal_current`)
    x*_α = B_α / A_α                balance voltage        (:meth:`Network.balance_voltage`)

so the drift is v_α(x) = f_α(x) + γ (B_α − A_α x); written this way it never
divides by A_α, which may vanish when no input reaches a population.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import checks
from .intrinsic import Leak, as_intrinsic


@dataclass(frozen=True)
class Population:
    """A population: its name, intrinsic dynamics f (a building block or a callable) and noise σ > 0."""

    name: str
    intrinsic: object = field(default_factory=Leak)
    sigma: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Population.name must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "intrinsic", as_intrinsic(self.intrinsic))
        checks.positive(f"sigma of population {self.name!r}", self.sigma)

    @property
    def diffusion(self) -> float:
        """D = σ² / 2."""
        return 0.5 * self.sigma**2


@dataclass(frozen=True)
class Channel:
    """A synaptic channel with reversal potential E_k.

    Internal: ``source`` names the emitting population and ``activation`` is S_k(x) > 0.
    External: ``source=None`` and ``activity`` is a constant a_k ≥ 0 or a callable a_k(t) ≥ 0.
    """

    name: str
    reversal: float
    activation: Callable | None = None
    source: str | None = None
    activity: float | Callable | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Channel.name must be a non-empty string, got {self.name!r}")
        checks.real(f"reversal of channel {self.name!r}", self.reversal)
        if self.source is None:
            if self.activity is None:
                raise ValueError(f"external channel {self.name!r} (source=None) needs an activity: "
                                 "a number >= 0 or a callable a(t) >= 0")
            if not callable(self.activity):
                checks.real(f"activity of channel {self.name!r}", self.activity, low=0.0)
        else:
            if not isinstance(self.source, str):
                raise TypeError(f"source of channel {self.name!r} must be a population name or None, "
                                f"got {self.source!r}")
            if self.activation is None or not callable(self.activation):
                raise TypeError(f"internal channel {self.name!r} needs a callable activation S(x) > 0, "
                                f"got {self.activation!r}")
            if self.activity is not None:
                raise ValueError(f"channel {self.name!r} has a source population, so it cannot also "
                                 "have a prescribed activity (use source=None for an external channel)")

    @property
    def is_external(self) -> bool:
        return self.source is None

    def external_activity(self, t: float) -> float:
        """a_k(t), checked to be finite and ≥ 0."""
        value = self.activity(t) if callable(self.activity) else self.activity
        return checks.real(f"activity of external channel {self.name!r} at t={t}", value, low=0.0)


def _derivative(activation: Callable, x):
    """S'(x): the activation's own derivative, or a central difference for a plain callable."""
    if hasattr(activation, "derivative"):
        return activation.derivative(x)
    step = 1e-6 * (1.0 + np.abs(x))
    return (activation(x + step) - activation(x - step)) / (2.0 * step)


class Network:
    """P populations, K channels, weights J (P×K, ≥ 0) and coupling scale γ ≥ 0 (``math.inf`` allowed)."""

    def __init__(self, populations: Sequence[Population], channels: Sequence[Channel],
                 weights, gamma: float = 1.0) -> None:
        self.populations = tuple(populations)
        self.channels = tuple(channels)
        for kind, items, cls in (("populations", self.populations, Population),
                                 ("channels", self.channels, Channel)):
            if not items:
                raise ValueError(f"a network needs at least one of {kind}")
            for item in items:
                if not isinstance(item, cls):
                    raise TypeError(f"{kind} must contain {cls.__name__} objects, got {type(item).__name__}")
            names = [item.name for item in items]
            if len(set(names)) != len(names):
                raise ValueError(f"{kind} names must be unique, got {names}")
        self.gamma = checks.real("gamma", gamma, low=0.0, allow_inf=True)
        P, K = len(self.populations), len(self.channels)
        try:
            shaped = np.asarray(weights, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"weights must be a P×K array of numbers: {exc}") from None
        if shaped.shape != (P, K):
            raise ValueError(f"weights must have shape (P, K) = ({P}, {K}) "
                             f"(one row per population, one column per channel), got {shaped.shape}")
        self.weights = checks.finite_array("weights", shaped, nonnegative=True)
        self.weights.setflags(write=False)
        names = self.population_names
        for ch in self.channels:
            if ch.source is not None and ch.source not in names:
                raise ValueError(f"channel {ch.name!r} has unknown source population {ch.source!r}; "
                                 f"known populations: {list(names)}")
        self.source_index = np.array([-1 if ch.is_external else names.index(ch.source)
                                      for ch in self.channels], dtype=int)
        self.reversal = np.array([ch.reversal for ch in self.channels], dtype=float)
        self.is_external = self.source_index < 0
        self.source_matrix = np.zeros((self.K, self.P))           # [src(k) = β], rows of external k are 0
        self.source_matrix[np.flatnonzero(~self.is_external), self.source_index[~self.is_external]] = 1.0
        lo, hi = float(self.reversal.min()), float(self.reversal.max())
        span = max(hi - lo, 1.0)
        self.activation_table(np.linspace(lo - 2.0 * span, hi + 2.0 * span, 257))

    # -- structure -------------------------------------------------------------------
    @property
    def P(self) -> int:
        return len(self.populations)

    @property
    def K(self) -> int:
        return len(self.channels)

    @property
    def population_names(self) -> list[str]:
        return [p.name for p in self.populations]

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    @property
    def sigma(self) -> np.ndarray:
        return np.array([p.sigma for p in self.populations])

    @property
    def diffusion(self) -> np.ndarray:
        """D_α = σ_α² / 2, shape (P,)."""
        return 0.5 * self.sigma**2

    def with_gamma(self, gamma: float) -> "Network":
        """A copy with another coupling scale γ."""
        return Network(self.populations, self.channels, self.weights, gamma)

    # -- activities --------------------------------------------------------------------
    def activation_table(self, x: np.ndarray) -> np.ndarray:
        """S_k(x) for every internal channel, shape (K, len(x)); rows of external channels are 0.

        Raises ValueError if an activation is not finite and > 0 at some point of x.
        """
        x = np.asarray(x, dtype=float)
        table = np.zeros((self.K, x.size))
        for k, ch in enumerate(self.channels):
            if ch.is_external:
                continue
            values = np.broadcast_to(np.asarray(ch.activation(x), dtype=float), x.shape)
            bad = ~(np.isfinite(values) & (values > 0))
            if np.any(bad):
                i = int(np.argmax(bad))
                raise ValueError(f"activation of channel {ch.name!r} must be finite and > 0; "
                                 f"S({x[i]:.6g}) = {values[i]}")
            table[k] = values
        return table

    def activation_derivative(self, x: np.ndarray) -> np.ndarray:
        """S_k'(x) for internal channels, shape (K, len(x)) (central differences for plain callables)."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        out = np.zeros((self.K, x.size))
        for k in np.flatnonzero(~self.is_external):
            out[k] = _derivative(self.channels[k].activation, x)
        return out

    def slope_at_voltages(self, voltages: np.ndarray) -> np.ndarray:
        """S_k'(x_src(k)) for concentrated populations at ``voltages`` (P,); 0 for external channels; (K,)."""
        voltages = np.asarray(voltages, dtype=float)
        out = np.zeros(self.K)
        for k in np.flatnonzero(~self.is_external):                  # a loop over channels
            out[k] = float(_derivative(self.channels[k].activation, voltages[self.source_index[k]]))
        return out

    def external_activities(self, t: float) -> np.ndarray:
        """a_k(t) for external channels, 0 for internal ones; shape (K,)."""
        return np.array([ch.external_activity(t) if ch.is_external else 0.0 for ch in self.channels])

    def activity_from_samples(self, x: np.ndarray, t: float) -> np.ndarray:
        """Empirical m_k = mean_j S_k(X_j) over the source population's particles x (P, n)."""
        m = self.external_activities(t)
        for k in np.flatnonzero(~self.is_external):
            m[k] = float(np.mean(self.channels[k].activation(x[self.source_index[k]])))
        return m

    def activity_at_voltages(self, voltages: np.ndarray, t: float) -> np.ndarray:
        """m_k = S_k(x_src(k)) for concentrated populations at ``voltages`` (P,), or a_k(t)."""
        voltages = np.asarray(voltages, dtype=float)
        m = self.external_activities(t)
        for k in np.flatnonzero(~self.is_external):
            m[k] = float(self.channels[k].activation(voltages[self.source_index[k]]))
        return m

    # -- coupling -----------------------------------------------------------------------
    def conductance(self, m: np.ndarray) -> np.ndarray:
        """A_α = Σ_k J_{αk} m_k, shape (P,) (or (..., P) for m of shape (..., K))."""
        return np.asarray(m) @ self.weights.T

    def reversal_current(self, m: np.ndarray) -> np.ndarray:
        """B_α = Σ_k J_{αk} m_k E_k, shape (P,)."""
        return (np.asarray(m) * self.reversal) @ self.weights.T

    def balance_voltage(self, m: np.ndarray) -> np.ndarray:
        """x*_α = B_α / A_α; NaN where A_α = 0 (no input: x* is undefined and unused)."""
        A = self.conductance(m)
        B = self.reversal_current(m)
        return np.divide(B, A, out=np.full_like(A, np.nan, dtype=float), where=A > 0)

    def drift(self, alpha: int, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """v_α(x) = f_α(x) + γ (B_α − A_α x) for finite γ."""
        if math.isinf(self.gamma):
            raise ValueError("the drift is infinite for gamma = inf; use the desingularised frame")
        A = self.conductance(m)[alpha]
        B = self.reversal_current(m)[alpha]
        return self.populations[alpha].intrinsic(x) + self.gamma * (B - A * np.asarray(x, dtype=float))

    # -- balance manifold -------------------------------------------------------------------
    def balance(self, t: float = 0.0):
        """Every balance point at time t (model.md §3); see :func:`fokker.balance.balance_points`."""
        from .balance import balance_points
        return balance_points(self, t)

    def __repr__(self) -> str:
        return (f"Network(populations={self.population_names}, channels={self.channel_names}, "
                f"gamma={self.gamma:g})")
