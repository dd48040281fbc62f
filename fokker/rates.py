"""Firing-rate networks with Dale's law (docs/theory/rates.md).

The model is

    T ẋ = −x + Φ(W x + u),   x ∈ ℝⁿ (rates),  T = diag(τ) > 0,

with Φ acting entrywise; each φ is nondecreasing with slope in [0, 1]:
ReLU [z]₊ (default), clipped ReLU min(max(z, 0), 1), or a user callable.
For E–I networks the first ``n_excitatory`` neurons are excitatory and

    W = [[W_EE, −W_EI], [W_IE, −W_II]],   all four blocks ≥ 0 entrywise

(Dale's law: every column of W has one sign). The strong-coupling family is
W = γJ, u = γu₀ (:meth:`RateNetwork.scaled`). Nothing here integrates in time;
see ``solvers.rates``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import checks

ACTIVATIONS = ("relu", "clipped")


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _clipped(z: np.ndarray) -> np.ndarray:
    return np.clip(z, 0.0, 1.0)


def _check_callable_activation(phi: Callable) -> None:
    """Check numerically that φ is finite, nondecreasing and 1-Lipschitz on [−50, 50]."""
    z = np.linspace(-50.0, 50.0, 4001)
    try:
        v = np.asarray(phi(z), dtype=float)
    except Exception as exc:  # noqa: BLE001 - report whatever the user's callable raised
        raise TypeError(f"activation callable must accept a numpy array: {exc}") from None
    if v.shape != z.shape or not np.all(np.isfinite(v)):
        raise ValueError("activation callable must map an array to a finite array of the same shape")
    slope = np.diff(v) / np.diff(z)
    if np.any(slope < -1e-12) or np.any(slope > 1.0 + 1e-9):
        k = int(np.argmax((slope < -1e-12) | (slope > 1.0 + 1e-9)))
        raise ValueError(f"activation must be nondecreasing with slope in [0, 1]; slope {slope[k]:.4g} "
                         f"near z = {z[k]:.3g}")


@dataclass(frozen=True, eq=False)
class RateNetwork:
    """T ẋ = −x + Φ(W x + u).

    Parameters
    ----------
    W : (n, n) coupling matrix (asymmetric in general).
    u : (n,) input.
    activation : "relu" (default), "clipped" (min(max(z,0),1)) or a callable φ,
        nondecreasing with slope in [0, 1], applied entrywise.
    time_constants : (n,) τ_i > 0, or None for τ = 1.
    n_excitatory : if given, neurons 0..n_E−1 are excitatory and the rest
        inhibitory, and Dale's law is checked column by column.
    labels : optional names of the neurons.
    """

    W: np.ndarray
    u: np.ndarray
    activation: str | Callable = "relu"
    time_constants: np.ndarray | None = None
    n_excitatory: int | None = None
    labels: tuple[str, ...] | None = None
    _phi: Callable = field(init=False, repr=False)

    def __post_init__(self) -> None:
        W = checks.finite_array("W", self.W)
        if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0:
            raise ValueError(f"W must be a non-empty square matrix, got shape {W.shape}")
        n = W.shape[0]
        u = checks.finite_array("u", self.u)
        if u.shape != (n,):
            raise ValueError(f"u must have shape ({n},) to match W, got {u.shape}")
        if isinstance(self.activation, str):
            if self.activation not in ACTIVATIONS:
                raise ValueError(f"activation must be one of {ACTIVATIONS} or a callable, got {self.activation!r}")
            phi = _relu if self.activation == "relu" else _clipped
        elif callable(self.activation):
            _check_callable_activation(self.activation)
            phi = self.activation
        else:
            raise TypeError(f"activation must be 'relu', 'clipped' or a callable, got {type(self.activation).__name__}")
        tau = np.ones(n) if self.time_constants is None else checks.finite_array(
            "time_constants", self.time_constants, shape=(n,))
        if np.any(tau <= 0):
            k = int(np.argmin(tau))
            raise ValueError(f"time_constants must be > 0; time_constants[{k}] = {tau[k]}")
        if self.n_excitatory is not None:
            nE = checks.integer("n_excitatory", self.n_excitatory, low=0)
            if nE > n:
                raise ValueError(f"n_excitatory must be <= n = {n}, got {nE}")
            _check_dale(W, nE)
        if self.labels is not None:
            labels = tuple(str(s) for s in self.labels)
            if len(labels) != n:
                raise ValueError(f"labels must name all {n} neurons, got {len(labels)}")
            object.__setattr__(self, "labels", labels)
        W.setflags(write=False)
        u.setflags(write=False)
        tau.setflags(write=False)
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "u", u)
        object.__setattr__(self, "time_constants", tau)
        object.__setattr__(self, "_phi", phi)

    # ------------------------------------------------------------------ basics
    @property
    def n(self) -> int:
        """Number of neurons."""
        return self.W.shape[0]

    @property
    def tau(self) -> np.ndarray:
        """Time constants τ (ones by default)."""
        return self.time_constants

    @property
    def piecewise_linear(self) -> bool:
        """True for ReLU and clipped ReLU (equilibria can be enumerated exactly)."""
        return isinstance(self.activation, str)

    @property
    def saturation(self) -> float:
        """Upper rate bound h of a piecewise-linear φ (inf for ReLU, 1 for clipped); nan for a callable."""
        if not self.piecewise_linear:
            return float("nan")
        return float("inf") if self.activation == "relu" else 1.0

    def phi(self, z: np.ndarray) -> np.ndarray:
        """Φ(z), entrywise."""
        return self._phi(np.asarray(z, dtype=float))

    def dphi(self, z: np.ndarray) -> np.ndarray:
        """φ'(z) (right-continuous convention 0 at the kinks for ReLU/clipped; central differences for a callable)."""
        z = np.asarray(z, dtype=float)
        if self.activation == "relu":
            return (z > 0).astype(float)
        if self.activation == "clipped":
            return ((z > 0) & (z < 1)).astype(float)
        h = 1e-6 * np.maximum(1.0, np.abs(z))
        return (self._phi(z + h) - self._phi(z - h)) / (2 * h)

    def drive(self, x: np.ndarray) -> np.ndarray:
        """Total input W x + u (x may be (n,) or (m, n))."""
        return np.asarray(x, dtype=float) @ self.W.T + self.u

    def rhs(self, x: np.ndarray) -> np.ndarray:
        """ẋ = T⁻¹(−x + Φ(W x + u)); x may be (n,) or (m, n)."""
        x = np.asarray(x, dtype=float)
        return (-x + self.phi(self.drive(x))) / self.tau

    @property
    def excitatory(self) -> np.ndarray:
        """Indices of excitatory neurons (empty if the network carries no E/I labels)."""
        return np.arange(self.n_excitatory or 0)

    @property
    def inhibitory(self) -> np.ndarray:
        """Indices of inhibitory neurons (empty if the network carries no E/I labels)."""
        return np.arange(self.n_excitatory, self.n) if self.n_excitatory is not None else np.arange(0)

    def index(self, label: str) -> int:
        """Position of the neuron called ``label``."""
        if self.labels is None or label not in self.labels:
            raise ValueError(f"no neuron labelled {label!r}; labels are {self.labels}")
        return self.labels.index(label)

    def scaled(self, gamma: float) -> "RateNetwork":
        """Strong-coupling family member W = γJ, u = γu₀ with (J, u₀) = (self.W, self.u)."""
        g = checks.positive("gamma", gamma)
        return RateNetwork(g * self.W, g * self.u, activation=self.activation,
                           time_constants=self.time_constants, n_excitatory=self.n_excitatory,
                           labels=self.labels)

    def with_input(self, u: Sequence[float] | np.ndarray) -> "RateNetwork":
        """The same network with another input u."""
        return RateNetwork(self.W, u, activation=self.activation, time_constants=self.time_constants,
                           n_excitatory=self.n_excitatory, labels=self.labels)

    # ------------------------------------------------------------------ builders
    @classmethod
    def excitatory_inhibitory(cls, W_EE, W_EI, W_IE, W_II, u_E, u_I, *, activation: str | Callable = "relu",
                              time_constants=None, labels=None) -> "RateNetwork":
        """Dale network W = [[W_EE, −W_EI], [W_IE, −W_II]] from four nonnegative blocks.

        Shapes: W_EE (n_E, n_E), W_EI (n_E, n_I), W_IE (n_I, n_E), W_II (n_I, n_I),
        u_E (n_E,), u_I (n_I,). Any negative block entry raises, naming it.
        """
        W_EE = np.atleast_2d(checks.finite_array("W_EE", W_EE))
        W_II = np.atleast_2d(checks.finite_array("W_II", W_II))
        nE, nI = W_EE.shape[0], W_II.shape[0]
        W_EE = _block("W_EE", W_EE, (nE, nE))
        W_II = _block("W_II", W_II, (nI, nI))
        W_EI = _block("W_EI", W_EI, (nE, nI))
        W_IE = _block("W_IE", W_IE, (nI, nE))
        for name, block in (("W_EE", W_EE), ("W_EI", W_EI), ("W_IE", W_IE), ("W_II", W_II)):
            if np.any(block < 0):
                i, j = (int(k) for k in np.argwhere(block < 0)[0])
                raise ValueError(f"Dale's law: {name}[{i}, {j}] = {block[i, j]} < 0; the four blocks are "
                                 "magnitudes (the minus signs of W_EI and W_II are added by the builder) and must be >= 0")
        u_E = np.atleast_1d(checks.finite_array("u_E", u_E))
        u_I = np.atleast_1d(checks.finite_array("u_I", u_I))
        if u_E.shape != (nE,):
            raise ValueError(f"u_E must have shape ({nE},), got {u_E.shape}")
        if u_I.shape != (nI,):
            raise ValueError(f"u_I must have shape ({nI},), got {u_I.shape}")
        W = np.block([[W_EE, -W_EI], [W_IE, -W_II]]) + 0.0  # + 0.0 turns -0.0 into 0.0
        return cls(W, np.concatenate([u_E, u_I]), activation=activation, time_constants=time_constants,
                   n_excitatory=nE, labels=labels)

    def blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The nonnegative Dale blocks (W_EE, W_EI, W_IE, W_II) of an E–I network."""
        if self.n_excitatory is None:
            raise ValueError("blocks() needs an E–I network (n_excitatory given)")
        e = self.n_excitatory
        W = self.W
        return W[:e, :e].copy(), -W[:e, e:], W[e:, :e].copy(), -W[e:, e:]


def _block(name: str, value, shape: tuple[int, int]) -> np.ndarray:
    """A finite (rows, cols) block; scalars and 1-D sequences of the right size are reshaped."""
    arr = checks.finite_array(name, value)
    if arr.shape != shape and arr.ndim < 2 and arr.size == shape[0] * shape[1]:
        arr = arr.reshape(shape)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (rows: receiving, columns: sending), got {arr.shape}")
    return arr


def _check_dale(W: np.ndarray, n_excitatory: int) -> None:
    """Columns 0..n_E−1 of W must be ≥ 0 (excitatory), the others ≤ 0; name the first offending entry."""
    exc = W[:, :n_excitatory]
    inh = W[:, n_excitatory:]
    if np.any(exc < 0):
        i, j = (int(k) for k in np.argwhere(exc < 0)[0])
        raise ValueError(f"Dale's law: W[{i}, {j}] = {W[i, j]} < 0 but neuron {j} is excitatory "
                         f"(columns 0..{n_excitatory - 1} must be >= 0)")
    if np.any(inh > 0):
        i, j = (int(k) for k in np.argwhere(inh > 0)[0])
        j += n_excitatory
        raise ValueError(f"Dale's law: W[{i}, {j}] = {W[i, j]} > 0 but neuron {j} is inhibitory "
                         f"(columns {n_excitatory}..{W.shape[0] - 1} must be <= 0)")


# ---------------------------------------------------------------------- presets
def wilson_cowan(w_EE: float, w_EI: float, w_IE: float, w_II: float, u_E: float, u_I: float, *,
                 activation: str | Callable = "relu", time_constants=None) -> RateNetwork:
    """One E and one I unit: W = [[w_EE, −w_EI], [w_IE, −w_II]], u = (u_E, u_I); all w ≥ 0."""
    vals = {k: checks.real(k, v) for k, v in
            (("w_EE", w_EE), ("w_EI", w_EI), ("w_IE", w_IE), ("w_II", w_II), ("u_E", u_E), ("u_I", u_I))}
    for k in ("w_EE", "w_EI", "w_IE", "w_II"):
        if vals[k] < 0:
            raise ValueError(f"Dale's law: {k} = {vals[k]} < 0; Wilson–Cowan weights are magnitudes and must be >= 0")
    return RateNetwork.excitatory_inhibitory([[vals["w_EE"]]], [[vals["w_EI"]]], [[vals["w_IE"]]], [[vals["w_II"]]],
                                             [vals["u_E"]], [vals["u_I"]], activation=activation,
                                             time_constants=time_constants, labels=("E", "I"))


def _motif_weights(a: float, b: float, c: float) -> tuple[float, float, float]:
    a = checks.real("a", a, low=0.0)
    b = checks.real("b", b, low=0.0)
    c = checks.real("c", c, low=0.0)
    return a, b, c


def shared_interneuron(a: float, b: float, c: float, u1: float, u2: float, *,
                       activation: str | Callable = "relu") -> RateNetwork:
    """E₁, E₂ with self-excitation a, one shared I: E→I weight c, I→E weight b, input (u₁, u₂, 0).

    While both E are active, (x₁−x₂)/(x₁+x₂) = κ (u₁−u₂)/(u₁+u₂), κ = (1 − a + 2bc)/(1 − a).
    """
    a, b, c = _motif_weights(a, b, c)
    return RateNetwork.excitatory_inhibitory(a * np.eye(2), [[b], [b]], [[c, c]], [[0.0]],
                                             [checks.real("u1", u1), checks.real("u2", u2)], [0.0],
                                             activation=activation, labels=("E1", "E2", "I"))


def contrast_gain(a: float, b: float, c: float) -> float:
    """κ = (1 − a + 2bc)/(1 − a) of the shared-interneuron motif (needs a < 1)."""
    a, b, c = _motif_weights(a, b, c)
    if a >= 1:
        raise ValueError(f"contrast_gain needs a < 1, got a = {a}")
    return (1 - a + 2 * b * c) / (1 - a)


def crossed_inhibition(a: float, b: float, c: float, u1: float, u2: float, *,
                       activation: str | Callable = "relu") -> RateNetwork:
    """E₁→I₁→E₂ and E₂→I₂→E₁ (E→I weight c, I→E weight b), self-excitation a, input (u₁, u₂, 0, 0).

    Neurons are ordered (E1, E2, I1, I2). LDS of I − W fails when bc > 1 − a, where the
    motif becomes bistable for equal inputs.
    """
    a, b, c = _motif_weights(a, b, c)
    W_EI = np.array([[0.0, b], [b, 0.0]])   # E1 <- I2, E2 <- I1
    W_IE = np.array([[c, 0.0], [0.0, c]])   # I1 <- E1, I2 <- E2
    return RateNetwork.excitatory_inhibitory(a * np.eye(2), W_EI, W_IE, np.zeros((2, 2)),
                                             [checks.real("u1", u1), checks.real("u2", u2)], [0.0, 0.0],
                                             activation=activation, labels=("E1", "E2", "I1", "I2"))


def stacked_column(n_layers: int, a: float, b: float, c: float, u1: float, u2: float, *,
                   feedforward: float = 1.0, activation: str | Callable = "relu") -> RateNetwork:
    """L shared-interneuron motifs in series: layer ℓ+1's E_k receives ``feedforward`` · x_{E_k}(ℓ).

    Only layer 0 receives the external input (u₁, u₂). Neurons are ordered E first
    (E1[0], E2[0], E1[1], E2[1], …) then I (I[0], I[1], …), so the network is a Dale network.
    """
    L = checks.integer("n_layers", n_layers, low=1)
    a, b, c = _motif_weights(a, b, c)
    f = checks.real("feedforward", feedforward, low=0.0)
    nE = 2 * L
    W_EE = a * np.eye(nE) + f * np.eye(nE, k=-2)
    W_EI = np.kron(np.eye(L), [[b], [b]])
    W_IE = np.kron(np.eye(L), [[c, c]])
    u_E = np.zeros(nE)
    u_E[:2] = [checks.real("u1", u1), checks.real("u2", u2)]
    labels = tuple(f"E{k}[{l}]" for l in range(L) for k in (1, 2)) + tuple(f"I[{l}]" for l in range(L))
    return RateNetwork.excitatory_inhibitory(W_EE, W_EI, W_IE, np.zeros((L, L)), u_E, np.zeros(L),
                                             activation=activation, labels=labels)


def random_dale(n: int, *, frac_excitatory: float = 0.8, scaling: str = "sqrt", weights=(1.0, 1.0, 1.0, 1.0),
                u_E: float = 1.0, u_I: float = 1.0, seed: int | None = None, autapses: bool = False,
                activation: str | Callable = "relu") -> RateNetwork:
    """Dense random Dale network J with |J_ij| = w_ab ξ_ij s_N, ξ ~ Exp(1), s_N = 1/N ("mean") or 1/√N ("sqrt").

    ``weights`` = (w_EE, w_EI, w_IE, w_II) scales the four blocks. Without autapses the diagonal is 0.
    """
    N = checks.integer("n", n, low=2)
    fe = checks.real("frac_excitatory", frac_excitatory, low=0.0, high=1.0)
    if scaling not in ("mean", "sqrt"):
        raise ValueError(f"scaling must be 'mean' (1/N) or 'sqrt' (1/sqrt N), got {scaling!r}")
    w = checks.finite_array("weights", weights, shape=(4,), nonnegative=True)
    nE = int(round(fe * N))
    nI = N - nE
    s = 1.0 / N if scaling == "mean" else 1.0 / np.sqrt(N)
    rng = np.random.default_rng(seed)
    xi = rng.exponential(1.0, size=(N, N)) * s
    if not autapses:
        np.fill_diagonal(xi, 0.0)
    return RateNetwork.excitatory_inhibitory(w[0] * xi[:nE, :nE], w[1] * xi[:nE, nE:], w[2] * xi[nE:, :nE],
                                             w[3] * xi[nE:, nE:], np.full(nE, u_E), np.full(nI, u_I),
                                             activation=activation)
