"""Populations, synaptic channels and the network.

For neuron i of population α

    dX_i = [ f_α(X_i) + γ Σ_k J_{αk} m_k(t) (E_k − X_i) + γ Σ_β G_{αβ} (x̄_β(t) − X_i) ] dt + σ_α dB_i,
    m_k(t) = ⟨S_k(X_j)⟩_{j ∈ src(k)}   (or a prescribed a_k(t) for an external channel),
    x̄_β(t) = ⟨X_j⟩_{j ∈ β}             (the mean voltage of population β),

with chemical weights J (P×K) and electrical (gap-junction) weights G (P×P, zero by
default). A two-variable population (e.g. FitzHugh–Nagumo) has f_α(X_i, W_i) and a
recovery equation dW_i = g_α(X_i, W_i) dt + σ_w,α dB'_i; coupling acts on the voltage.
Derived quantities (vectorised over populations):

    A_α = Σ_k J_{αk} m_k + Σ_β G_{αβ}              total conductance   (:meth:`Network.conductance`)
    B_α = Σ_k J_{αk} m_k E_k + Σ_β G_{αβ} x̄_β      reversal current    (:meth:`Network.reversal_current`)
    x*_α = B_α / A_α                              balance voltage     (:meth:`Network.balance_voltage`)

so the drift is v_α(x) = f_α(x) + γ (B_α − A_α x); written this way it never
divides by A_α, which may vanish when no input reaches a population. Without
electrical coupling the G terms are absent and the mean voltages are not needed.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from . import checks
from .activation import Sigmoid, derivative
from .intrinsic import Leak, as_intrinsic, variables_of


@dataclass(frozen=True)
class Population:
    """A population: its name, intrinsic dynamics (a building block or a callable), voltage noise σ > 0
    and recovery noise σ_w ≥ 0.

    ``sigma_w`` > 0 is allowed only for a two-variable intrinsic (``intrinsic.variables == 2``,
    e.g. :class:`fokker.FitzHughNagumo`); a one-variable population has no recovery variable.
    """

    name: str
    intrinsic: object = field(default_factory=Leak)
    sigma: float = 1.0
    sigma_w: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Population.name must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "intrinsic", as_intrinsic(self.intrinsic))
        variables_of(self.intrinsic)
        checks.positive(f"sigma of population {self.name!r}", self.sigma)
        checks.real(f"sigma_w of population {self.name!r}", self.sigma_w, low=0.0)
        if self.sigma_w > 0 and self.variables == 1:
            raise ValueError(f"sigma_w of population {self.name!r} must be 0 for the one-variable intrinsic "
                             f"{self.intrinsic!r} (recovery noise needs a two-variable intrinsic such as "
                             f"FitzHughNagumo), got {self.sigma_w}")

    @property
    def variables(self) -> int:
        """1 (voltage only) or 2 (voltage and recovery variable)."""
        return variables_of(self.intrinsic)

    @property
    def diffusion(self) -> float:
        """D = σ² / 2."""
        return 0.5 * self.sigma**2

    @property
    def diffusion_w(self) -> float:
        """D_w = σ_w² / 2 (recovery variable)."""
        return 0.5 * self.sigma_w**2


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
        """True for a channel with a prescribed activity a_k(t) (no source population)."""
        return self.source is None

    def external_activity(self, t: float) -> float:
        """a_k(t), checked to be finite and ≥ 0."""
        value = self.activity(t) if callable(self.activity) else self.activity
        return checks.real(f"activity of external channel {self.name!r} at t={t}", value, low=0.0)


class Network:
    """P populations, K channels, weights J (P×K, ≥ 0), coupling scale γ ≥ 0 (``math.inf`` allowed) and
    electrical weights G (P×P, ≥ 0; ``None`` means no gap junctions).

    A network needs some coupling: at least one channel, or electrical weights with a positive
    entry. Without channels (``channels=[]``, ``weights=[[]]``, ``[]`` or any (P, 0) array) every
    population must receive electrical input (a positive entry in its row of G). With channels,
    each population's input is checked where it is needed (balance points), as before.
    All populations must have the same number of variables (1, or 2 for FitzHugh–Nagumo).
    """

    def __init__(self, populations: Sequence[Population], channels: Sequence[Channel],
                 weights, gamma: float = 1.0, electrical=None) -> None:
        self.populations = tuple(populations)
        self.channels = tuple(channels)
        for kind, items, cls in (("populations", self.populations, Population),
                                 ("channels", self.channels, Channel)):
            if not items and kind == "populations":
                raise ValueError("a network needs at least one of populations")
            for item in items:
                if not isinstance(item, cls):
                    raise TypeError(f"{kind} must contain {cls.__name__} objects, got {type(item).__name__}")
            names = [item.name for item in items]
            if len(set(names)) != len(names):
                raise ValueError(f"{kind} names must be unique, got {names}")
        counts = {p.name: p.variables for p in self.populations}
        if len(set(counts.values())) > 1:
            raise ValueError(f"populations must all have the same number of variables, got {counts}")
        self.gamma = checks.real("gamma", gamma, low=0.0, allow_inf=True)
        P, K = len(self.populations), len(self.channels)
        try:
            shaped = np.asarray(weights, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"weights must be a P×K array of numbers: {exc}") from None
        if K == 0 and shaped.size == 0:
            shaped = shaped.reshape(P, 0)
        if shaped.shape != (P, K):
            raise ValueError(f"weights must have shape (P, K) = ({P}, {K}) "
                             f"(one row per population, one column per channel), got {shaped.shape}")
        self.weights = checks.finite_array("weights", shaped, nonnegative=True)
        self.weights.setflags(write=False)
        self._electrical = self._check_electrical(electrical, P)
        self.has_electrical = bool(np.any(self._electrical > 0))
        self._electrical_row_sums = self._electrical.sum(axis=1)
        self._electrical_row_sums.setflags(write=False)
        if K == 0:
            if not self.has_electrical:
                raise ValueError("a network needs at least one of channels, or electrical coupling "
                                 "(electrical weights with a positive entry)")
            silent = [p.name for p, row in zip(self.populations, self._electrical_row_sums) if row == 0]
            if silent:
                raise ValueError(f"populations {silent} receive no input: with no channels every row of "
                                 "electrical needs a positive entry")
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
        self._internal = np.flatnonzero(~self.is_external)
        self._internal_source = self.source_index[self._internal]
        self._has_external = bool(np.any(self.is_external))
        self._sigmoids = self._sigmoid_parameters()
        if K > 0:
            lo, hi = float(self.reversal.min()), float(self.reversal.max())
            span = max(hi - lo, 1.0)
            self.activation_table(np.linspace(lo - 2.0 * span, hi + 2.0 * span, 257))

    def _sigmoid_parameters(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(s_max, slope, threshold) of the internal channels when every one is a Sigmoid, else None:
        then activities and slopes at concentrated voltages take one vectorised expit call."""
        acts = [self.channels[k].activation for k in self._internal]
        if not all(type(a) is Sigmoid for a in acts):
            return None
        return tuple(np.array([getattr(a, name) for a in acts], dtype=float)
                     for name in ("s_max", "slope", "threshold"))

    @staticmethod
    def _check_electrical(electrical, P: int) -> np.ndarray:
        if electrical is None:
            G = np.zeros((P, P))
        else:
            try:
                G = np.asarray(electrical, dtype=float)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"electrical must be a P×P array of numbers (gap-junction weights): {exc}") from None
            if G.shape != (P, P):
                raise ValueError(f"electrical must have shape (P, P) = ({P}, {P}) (row α: the weights "
                                 f"G_αβ of the populations β that α is coupled to), got {G.shape}")
            G = checks.finite_array("electrical", G, nonnegative=True).copy()
        G.setflags(write=False)
        return G

    # -- structure -------------------------------------------------------------------
    @property
    def P(self) -> int:
        """Number of populations."""
        return len(self.populations)

    @property
    def K(self) -> int:
        """Number of channels (internal and external)."""
        return len(self.channels)

    @property
    def population_names(self) -> list[str]:
        """Population names, in order."""
        return [p.name for p in self.populations]

    @property
    def channel_names(self) -> list[str]:
        """Channel names, in order."""
        return [c.name for c in self.channels]

    @property
    def sigma(self) -> np.ndarray:
        """Voltage noise σ_α of each population, shape (P,)."""
        return np.array([p.sigma for p in self.populations])

    @property
    def diffusion(self) -> np.ndarray:
        """D_α = σ_α² / 2, shape (P,)."""
        return 0.5 * self.sigma**2

    @property
    def sigma_w(self) -> np.ndarray:
        """Recovery noise σ_w,α, shape (P,) (zeros for one-variable populations)."""
        return np.array([p.sigma_w for p in self.populations])

    @property
    def diffusion_w(self) -> np.ndarray:
        """D_w,α = σ_w,α² / 2, shape (P,)."""
        return 0.5 * self.sigma_w**2

    @property
    def variables(self) -> int:
        """Number of state variables per neuron, common to all populations: 1 (x) or 2 (x, w)."""
        return self.populations[0].variables

    @property
    def electrical(self) -> np.ndarray:
        """Gap-junction weights G (P, P), read-only; zeros when the network has none.

        G is also the dependence ∂B/∂x̄ of the reversal current on the mean voltages.
        """
        return self._electrical

    @property
    def electrical_row_sums(self) -> np.ndarray:
        """Σ_β G_αβ, shape (P,), read-only: the electrical part of the conductance A_α."""
        return self._electrical_row_sums

    def with_gamma(self, gamma: float) -> "Network":
        """A copy with another coupling scale γ (same populations, channels, weights and electrical weights)."""
        return Network(self.populations, self.channels, self.weights, gamma,
                       electrical=self._electrical if self.has_electrical else None)

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
            out[k] = derivative(self.channels[k].activation, x)
        return out

    def slope_at_voltages(self, voltages: np.ndarray) -> np.ndarray:
        """S_k'(x_src(k)) for concentrated populations at ``voltages`` (P,) or a batch (..., P); 0 for
        external channels; shape (K,) or (..., K)."""
        voltages = np.asarray(voltages, dtype=float)
        out = np.zeros(voltages.shape[:-1] + (self.K,))
        if self._sigmoids is not None:                               # all Sigmoid: one vectorised call
            s_max, slope, threshold = self._sigmoids
            e = expit(slope * (voltages[..., self._internal_source] - threshold))
            out[..., self._internal] = s_max * slope * e * (1.0 - e)
            return out
        for k in self._internal:                                     # a loop over channels
            out[..., k] = derivative(self.channels[k].activation, voltages[..., self.source_index[k]])
        return out

    def external_activities(self, t: float) -> np.ndarray:
        """a_k(t) for external channels, 0 for internal ones; shape (K,)."""
        if not self._has_external:
            return np.zeros(self.K)
        return np.array([ch.external_activity(t) if ch.is_external else 0.0 for ch in self.channels])

    def activity_from_samples(self, x: np.ndarray, t: float) -> np.ndarray:
        """Empirical m_k = mean_j S_k(X_j) over the source population's particles x (P, n)."""
        m = self.external_activities(t)
        for k in np.flatnonzero(~self.is_external):
            m[k] = float(np.mean(self.channels[k].activation(x[self.source_index[k]])))
        return m

    def activity_at_voltages(self, voltages: np.ndarray, t: float) -> np.ndarray:
        """m_k = S_k(x_src(k)) for concentrated populations at ``voltages`` (P,) or a batch (..., P), or
        a_k(t); shape (K,) or (..., K)."""
        voltages = np.asarray(voltages, dtype=float)
        m = self._external_for(voltages, t)
        if self._sigmoids is not None:                               # all Sigmoid: one vectorised call
            s_max, slope, threshold = self._sigmoids
            m[..., self._internal] = s_max * expit(slope * (voltages[..., self._internal_source] - threshold))
            return m
        for k in self._internal:                                     # a loop over channels
            m[..., k] = self.channels[k].activation(voltages[..., self.source_index[k]])
        return m

    def activity_and_slope_at_voltages(self, voltages: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(:meth:`activity_at_voltages`, :meth:`slope_at_voltages`) in one pass (one expit call when
        every internal activation is a Sigmoid); identical values, for (P,) or a batch (..., P)."""
        if self._sigmoids is None:
            return self.activity_at_voltages(voltages, t), self.slope_at_voltages(voltages)
        voltages = np.asarray(voltages, dtype=float)
        s_max, slope, threshold = self._sigmoids
        e = expit(slope * (voltages[..., self._internal_source] - threshold))
        m = self._external_for(voltages, t)
        m[..., self._internal] = s_max * e
        out = np.zeros(voltages.shape[:-1] + (self.K,))
        out[..., self._internal] = s_max * slope * e * (1.0 - e)
        return m, out

    def _external_for(self, voltages: np.ndarray, t: float) -> np.ndarray:
        """:meth:`external_activities` as a new array of shape voltages.shape[:-1] + (K,)."""
        m = self.external_activities(t)
        return m if voltages.ndim == 1 else np.broadcast_to(m, voltages.shape[:-1] + (self.K,)).copy()

    # -- coupling -----------------------------------------------------------------------
    def conductance(self, m: np.ndarray) -> np.ndarray:
        """A_α = Σ_k J_{αk} m_k + Σ_β G_{αβ}, shape (P,) (or (..., P) for m of shape (..., K))."""
        A = np.asarray(m) @ self.weights.T
        if self.has_electrical:
            A = A + self._electrical_row_sums
        return A

    def electrical_current(self, means: np.ndarray) -> np.ndarray:
        """Σ_β G_{αβ} x̄_β for mean voltages ``means`` of shape (P,) or (..., P); same shape."""
        means = np.asarray(means, dtype=float)
        if means.shape[-1:] != (self.P,):
            raise ValueError(f"means must have shape (P,) or (..., P) with P = {self.P} "
                             f"(one mean voltage per population), got {means.shape}")
        return means @ self._electrical.T

    def reversal_current(self, m: np.ndarray, means: np.ndarray | None = None) -> np.ndarray:
        """B_α = Σ_k J_{αk} m_k E_k + Σ_β G_{αβ} x̄_β, shape (P,) (or (..., P)).

        ``means``: the mean voltages x̄ (P,) or (..., P); required when the network has electrical
        coupling (ValueError otherwise), ignored when it has none.
        """
        B = (np.asarray(m) * self.reversal) @ self.weights.T
        if self.has_electrical:
            if means is None:
                raise ValueError("this network has electrical coupling: pass the mean voltages "
                                 f"means (shape (P,) or (..., P), P = {self.P})")
            B = B + self.electrical_current(means)
        return B

    def coupling(self, m: np.ndarray, means: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(A, B) of :meth:`conductance` and :meth:`reversal_current` in one call."""
        return self.conductance(m), self.reversal_current(m, means)

    def balance_voltage(self, m: np.ndarray, means: np.ndarray | None = None) -> np.ndarray:
        """x*_α = B_α / A_α; NaN where A_α = 0 (no input: x* is undefined and unused)."""
        A, B = self.coupling(m, means)
        return np.divide(B, A, out=np.full_like(A, np.nan, dtype=float), where=A > 0)

    def drift(self, alpha: int, x: np.ndarray, m: np.ndarray, means: np.ndarray | None = None,
              w: np.ndarray | None = None) -> np.ndarray:
        """v_α(x) = f_α(x) + γ (B_α − A_α x) for finite γ; f_α(x, w) for a two-variable population.

        ``means``: mean voltages (P,), needed with electrical coupling; ``w``: the recovery
        variable (broadcast against x), needed for a two-variable population.
        """
        if math.isinf(self.gamma):
            raise ValueError("the drift is infinite for gamma = inf; use the desingularised frame")
        A, B = self.coupling(m, means)
        pop = self.populations[alpha]
        if pop.variables == 2:
            if w is None:
                raise ValueError(f"population {pop.name!r} has two variables: pass the recovery variable w")
            f = pop.intrinsic(x, w)
        else:
            f = pop.intrinsic(x)
        return f + self.gamma * (B[alpha] - A[alpha] * np.asarray(x, dtype=float))

    # -- balance manifold -------------------------------------------------------------------
    def balance(self, t: float = 0.0, near: np.ndarray | None = None):
        """Every balance point at time t; see :func:`fokker.balance.balance_points` (``near``: where to
        represent a continuum of balance points)."""
        from .balance import balance_points
        return balance_points(self, t, near=near)

    def __repr__(self) -> str:
        extra = f", electrical={self._electrical.tolist()}" if self.has_electrical else ""
        return (f"Network(populations={self.population_names}, channels={self.channel_names}, "
                f"gamma={self.gamma:g}{extra})")
