"""Balance points: the γ → ∞ fixed points of the concentrated network.

With concentrated populations (S̄_k = S_k(x̄_src(k)), or a_k(t) if external; mean
voltages x̄_β) the balance voltages solve the net-current equations

    F_α(x̄) = Σ_k J_{αk} S̄_k(x̄) (E_k − x̄_α) + Σ_β G_{αβ} (x̄_β − x̄_α) = 0,   α = 1..P,

i.e. x̄_α = (Σ_k J_{αk} S̄_k E_k + Σ_β G_{αβ} x̄_β) / (Σ_k J_{αk} S̄_k + Σ_β G_{αβ}): the
chemical currents cancel each other and the electrical ones. The intrinsic dynamics
is O(1) and does not enter at leading order, so two-variable (FitzHugh–Nagumo)
populations have the balance voltages of their voltage equation. Each x̄_α is a
convex combination of reversal potentials and neighbouring balance voltages, so
every root lies in the box [min E, max E] (per population for chemical coupling,
over the whole network with electrical coupling). On the fast time τ = γ t the
concentrated network follows dx/dτ = F(x), so a root is *stable* when every
eigenvalue of the Jacobian ∂F/∂x = (chemical gain) − diag(A) + G (A includes the row
sums of G) has a negative real part (for P = 1: F decreases through it).

Continua. A *neutral class* is a set of populations that no channel reaches and
whose electrical coupling stays inside the set (a closed strongly connected class of
the graph α → β for G_αβ > 0; a single population coupled only to itself counts).
On it F vanishes for every common voltage c of the class, so the balance points
form a continuum (e.g. electrical coupling alone: the whole diagonal
x_1 = … = x_P), the Jacobian has one zero eigenvalue per class, and no equation
pins the position along it. :func:`balance_points` then fixes each class's common
voltage c_j to the mean of ``near`` over the class (default 0), solves for the
other populations, and returns those points with ``isolated=False`` and
``neutral``, an orthonormal basis of the tangent of the continuum there.

P = 1: every sign change of F on a fine sample of the box is refined by Brent's
method (and tangential double roots by minimising F²), so all roots in the
bracket are returned. P > 1: from a lattice of starting points in the box, the fixed-point gap
g(x) = x*(x) − x (bounded and O(1)-scaled in the box) is driven to zero by Levenberg–Marquardt
iterations z ← z − (JᵀJ + μ I)⁻¹ Jᵀ g with the analytic Jacobian J = ∂x*/∂x − I, each start with
three initial dampings μ (:data:`LM_INITIAL_DAMPING`), all at
once (one batched linear solve per iteration; μ per start, relative to the mean of diag JᵀJ, divided
by 3 after a step that lowers |g| and multiplied by 4 after one that does not, so that the steps
become Newton's near a root);
the limits that satisfy the net-current equations to :data:`RESIDUAL_TOL` are deduplicated.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from . import checks

RESIDUAL_TOL = 1e-10
"""A candidate is a balance point when max_α |F_α(x̄)| is at most this."""

LM_MAX_ITERATIONS = 200
LM_GAP_TOL = 1e-15
"""Levenberg–Marquardt iterations of :func:`_roots_system`: at most this many, and a start stops once
max |g| ≤ LM_GAP_TOL, its step is below round-off of z, or μ exceeds 1e12 (no descent left)."""

LM_INITIAL_DAMPING = (1e-3, 1.0, 100.0)
"""Every start is iterated once from each of these μ (nearly Newton's steps; balanced; nearly gradient
steps): different paths from one start reach different roots, so their union misses fewer roots than
any one of them (or than scipy's hybrid Powell method from the same starts, on the tested networks)."""

MU_MIN = 1e-12
"""Smallest damping μ (relative to the mean of diag JᵀJ): Newton's step to 1e-12, and a definite system
at a double root."""


@dataclass(frozen=True)
class BalancePoint:
    """One balance point.

    voltage: x̄ (P,); conductance: Ā = Σ_k J S̄_k + Σ_β G_αβ (P,); activity: S̄ (K,);
    eigenvalues: the eigenvalues of ∂F/∂x (P,); residual: max_α |F_α(x̄)|;
    isolated: False when x̄ lies on a continuum of balance points (neutral classes);
    neutral: (P, d) orthonormal basis of the continuum's tangent at x̄ (d = 0 when isolated);
    stable: every eigenvalue has negative real part — for a point on a continuum, every
    eigenvalue except the d zero ones of the neutral directions (the continuum attracts).
    For a point on a continuum, ``voltage`` is the point of its branch whose common voltage
    on each neutral class equals the mean of the ``near`` given to :func:`balance_points`.
    """

    voltage: np.ndarray
    conductance: np.ndarray
    activity: np.ndarray
    stable: bool
    eigenvalues: np.ndarray
    residual: float
    isolated: bool = True
    neutral: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.neutral is None:
            object.__setattr__(self, "neutral", np.zeros((np.size(self.voltage), 0)))


def net_current(net, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """F_α(x) = B_α − A_α x_α with populations concentrated at x (activities S_k(x_src), mean voltages x);
    shape (P,)."""
    x = np.asarray(x, dtype=float)
    m = net.activity_at_voltages(x, t)
    return net.reversal_current(m, x) - net.conductance(m) * x


def _activity_gain(net, slope: np.ndarray, around: np.ndarray) -> np.ndarray:
    """Σ_k J_{αk} (E_k − around_α) S_k'(x_β) [src(k) = β] from the slopes S_k'(x_src(k)) (K,) or
    (..., K) and ``around`` (P,) or (..., P); shape (P, P) or (..., P, P)."""
    coeff = net.weights * (net.reversal - around[..., :, None]) * slope[..., None, :]
    return coeff @ net.source_matrix                            # (..., P, K) @ (K, P)


def net_current_jacobian(net, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """∂F_α/∂x_β = Σ_k J_{αk} (E_k − x_α) S_k'(x_β) [src(k) = β] + G_αβ − δ_{αβ} A_α; shape (P, P)
    (A_α includes Σ_β G_αβ)."""
    x = np.asarray(x, dtype=float)
    A = net.conductance(net.activity_at_voltages(x, t))
    jac = _activity_gain(net, net.slope_at_voltages(x), x) - np.diag(A)
    return jac + net.electrical if net.has_electrical else jac


def fast_growth_rate(net, x: np.ndarray, t: float = 0.0) -> float:
    """Largest real part of the eigenvalues of ∂F/∂x at x: the rate (per unit of τ = γ t) at which the
    concentrated network leaves x along its least stable direction (negative where all are stable)."""
    if net.P == 1:                # the 1×1 Jacobian itself: no matrices, no eigenvalue solver
        x = np.asarray(x, dtype=float)
        x0 = float(x[0])
        m, slope = net.activity_and_slope_at_voltages(x, t)
        J = net.weights[0]
        gain = float(np.dot(J * (net.reversal - x0) * slope, net.source_matrix[:, 0]))
        A = float(np.dot(m, J)) + float(net.electrical_row_sums[0])
        return gain - A + float(net.electrical[0, 0])
    return float(np.max(np.linalg.eigvals(net_current_jacobian(net, x, t)).real))


def balance_map_jacobian(net, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """∂x*_α/∂x_β of the balance map x*(x) = B(x)/A(x) of concentrated populations (mean voltages x);
    shape (P, P)."""
    x = np.asarray(x, dtype=float)
    m = net.activity_at_voltages(x, t)
    gain = _activity_gain(net, net.slope_at_voltages(x), net.balance_voltage(m, x))
    if net.has_electrical:
        gain = gain + net.electrical
    return gain / net.conductance(m)[:, None]


def _chemical_input(net, t: float) -> np.ndarray:
    """(P, K) mask: channel k reaches population α at time t (J_αk > 0 and an activity that can be > 0)."""
    m = net.external_activities(t)
    m[~net.is_external] = 1.0                       # internal activities are > 0
    return (net.weights > 0) & (m[None, :] > 0)


def _bracket(net, t: float) -> tuple[np.ndarray, np.ndarray]:
    """Boxes [lo_α, hi_α] holding every root (before neutral classes are pinned)."""
    reaching = _chemical_input(net, t)
    empty = ~reaching.any(axis=1) & (net.electrical_row_sums == 0)
    if np.any(empty):
        names = [net.population_names[i] for i in np.flatnonzero(empty)]
        raise ValueError(f"populations {names} receive no synaptic input at t={t} (all weights or "
                         "external activities are zero, and no electrical coupling): their balance "
                         "voltage is undefined")
    E = np.where(reaching, net.reversal[None, :], np.nan)
    if net.has_electrical:                           # a convex combination across the whole network
        E = np.broadcast_to(E.reshape(1, -1), (net.P, E.size))
    if E.size == 0 or np.all(np.isnan(E)):
        return np.full(net.P, np.inf), np.full(net.P, -np.inf)
    with np.errstate(all="ignore"):
        return np.nanmin(E, axis=1), np.nanmax(E, axis=1)


def neutral_classes(net, t: float = 0.0) -> list[np.ndarray]:
    """The neutral classes at time t: index arrays of populations on which F vanishes for every common voltage.

    A class is a strongly connected component of the electrical graph (α → β when G_αβ > 0, α ≠ β)
    that no channel reaches and from which no electrical weight leads out. Each one adds a
    zero eigenvalue to ∂F/∂x and a dimension to the continuum of balance points. Empty for
    networks without electrical coupling.
    """
    if not net.has_electrical:
        return []
    from scipy.sparse.csgraph import connected_components   # imported here: only electrical coupling needs it
    G = net.electrical
    links = (G > 0) & ~np.eye(net.P, dtype=bool)
    count, label = connected_components(links, directed=True, connection="strong")
    pinned = _chemical_input(net, t).any(axis=1) | (net.electrical_row_sums == 0)
    classes = []
    for j in range(count):
        inside = label == j
        if not np.any(pinned[inside]) and not np.any(links[np.ix_(inside, ~inside)]):
            classes.append(np.flatnonzero(inside))
    return classes


def _neutral_basis(jac: np.ndarray, classes: list[np.ndarray]) -> np.ndarray:
    """Orthonormal basis (P, d) of the continuum's tangent: v_j = 1 on class j, 0 on the other classes,
    and on the remaining populations R the solution of J_RR v_R = −J_{R, class j} 1."""
    P = jac.shape[0]
    basis = np.zeros((P, len(classes)))
    fixed = np.zeros(P, dtype=bool)
    for j, cls in enumerate(classes):
        basis[cls, j] = 1.0
        fixed[cls] = True
    rest = np.flatnonzero(~fixed)
    if rest.size:
        rhs = -jac[np.ix_(rest, fixed.nonzero()[0])] @ basis[fixed]
        basis[rest] = np.linalg.lstsq(jac[np.ix_(rest, rest)], rhs, rcond=None)[0]
    q, _ = np.linalg.qr(basis)
    signs = np.sign(q[np.argmax(np.abs(q), axis=0), np.arange(q.shape[1])])
    return q * np.where(signs == 0, 1.0, signs)


def _point(net, x: np.ndarray, t: float, classes: list[np.ndarray]) -> BalancePoint:
    m = net.activity_at_voltages(x, t)
    jac = net_current_jacobian(net, x, t)
    eig = np.linalg.eigvals(jac)
    d = len(classes)
    transverse = eig[np.argsort(np.abs(eig))[d:]]
    return BalancePoint(voltage=x, conductance=net.conductance(m), activity=m,
                        stable=bool(np.all(transverse.real < 0)), eigenvalues=eig,
                        residual=float(np.max(np.abs(net_current(net, x, t)))),
                        isolated=d == 0, neutral=_neutral_basis(jac, classes) if d else None)


def _roots_scalar(net, t: float, lo: float, hi: float, samples: int = 4097) -> list[float]:
    from scipy import optimize                 # imported here: the P > 1 solver does not need it (0.3 s)
    pad = 1e-9 * max(1.0, hi - lo)
    xs = np.linspace(lo - pad, hi + pad, samples)
    m = net.activation_table(xs) + net.external_activities(t)[:, None]      # (K, samples)
    F = (net.weights[0] * net.reversal) @ m - (net.weights[0] @ m) * xs      # F(x) on all samples at once
    g = lambda x: net_current(net, np.array([x]), t)[0]
    roots = [float(x) for x, f in zip(xs, F) if f == 0.0]
    for i in np.flatnonzero(F[:-1] * F[1:] < 0):
        ga, gb = g(xs[i]), g(xs[i + 1])
        if ga * gb < 0:
            roots.append(optimize.brentq(g, xs[i], xs[i + 1], xtol=1e-15, rtol=4 * np.finfo(float).eps))
        else:   # the vectorised samples and net_current round differently: a root within round-off of a sample
            roots.append(float(xs[i] if abs(ga) <= abs(gb) else xs[i + 1]))
    # tangential (double) roots: a local extremum of F that touches zero between samples
    dF = np.diff(F)
    for i in np.flatnonzero(dF[:-1] * dF[1:] < 0) + 1:
        res = optimize.minimize_scalar(lambda x: g(x) ** 2, bounds=(xs[i - 1], xs[i + 1]),
                                       method="bounded", options={"xatol": 1e-14})
        if abs(g(res.x)) <= RESIDUAL_TOL:
            roots.append(float(res.x))
    return roots


def _batch_gap(net, x: np.ndarray, t: float, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The gap g = x*(x) − x and its Jacobian ∂x*/∂x − I on the ``free`` populations, for a batch of
    voltages x (N, P): shapes (N, n) and (N, n, n); NaN where some A_α ≤ 0."""
    m, slope = net.activity_and_slope_at_voltages(x, t)
    A = net.conductance(m)
    B = net.reversal_current(m, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        xstar = np.where(A > 0, B / A, np.nan)
        gain = _activity_gain(net, slope, xstar)
        if net.has_electrical:
            gain = gain + net.electrical
        jac = gain / A[:, :, None] - np.eye(net.P)
    return (xstar - x)[:, free], jac[:, free][:, :, free]


def _roots_system(net, t: float, lo: np.ndarray, hi: np.ndarray, free: np.ndarray, base: np.ndarray,
                  max_starts: int = 512) -> list[np.ndarray]:
    """Roots x with x[free] unknown and the other entries fixed at ``base``; starts on a lattice of the box,
    all iterated at once (module docstring)."""
    n = free.size
    lo_f, hi_f = lo[free], hi[free]
    per_dim = max(2, int(np.floor(max_starts ** (1.0 / n))))
    if per_dim**n <= max_starts:
        axes = [np.linspace(lo_f[a], hi_f[a], per_dim) for a in range(n)]
        starts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, n)
    else:                                             # large P: a fixed quasi-random design
        starts = lo_f + (hi_f - lo_f) * np.random.default_rng(0).random((max_starts, n))

    def full(z: np.ndarray) -> np.ndarray:
        x = np.broadcast_to(base, (z.shape[0], base.size)).copy()
        x[:, free] = z
        return x

    def norm2(g: np.ndarray) -> np.ndarray:
        return np.where(np.all(np.isfinite(g), axis=1), np.sum(g * g, axis=1), np.inf)

    z = np.tile(starts, (len(LM_INITIAL_DAMPING), 1))
    g, jac = _batch_gap(net, full(z), t, free)
    f = norm2(g)
    mu = np.repeat(LM_INITIAL_DAMPING, starts.shape[0])
    active = np.isfinite(f)
    eye = np.eye(n)
    for _ in range(LM_MAX_ITERATIONS):
        active &= (np.max(np.abs(np.where(np.isfinite(g), g, 0.0)), axis=1) > LM_GAP_TOL) & (mu < 1e12)
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        J, r = jac[idx], g[idx]
        Jt = np.swapaxes(J, 1, 2)
        JtJ = Jt @ J
        scale = 1.0 + np.trace(JtJ, axis1=1, axis2=2) / n          # μ relative to |J|²: JᵀJ + μ I stays definite
        step = -np.linalg.solve(JtJ + (mu[idx] * scale)[:, None, None] * eye, Jt @ r[:, :, None])[:, :, 0]
        z_new = z[idx] + step
        g_new, jac_new = _batch_gap(net, full(z_new), t, free)
        f_new = norm2(g_new)
        better = f_new < f[idx]
        took = idx[better]
        z[took], g[took], jac[took], f[took] = z_new[better], g_new[better], jac_new[better], f_new[better]
        mu[idx] = np.where(better, np.maximum(mu[idx] / 3.0, MU_MIN), mu[idx] * 4.0)
        tiny = np.max(np.abs(step), axis=1) <= 4 * np.finfo(float).eps * (1.0 + np.max(np.abs(z[idx]), axis=1))
        active[idx[better & tiny]] = False

    slack = 1e-9 * (1.0 + np.abs(hi - lo))
    roots = []
    for x in full(z):
        if (np.all(np.isfinite(x)) and np.all(x >= lo - slack) and np.all(x <= hi + slack)
                and np.max(np.abs(net_current(net, x, t))) <= RESIDUAL_TOL):
            roots.append(x)
    return roots


def balance_points(net, t: float = 0.0, near: np.ndarray | None = None) -> list[BalancePoint]:
    """All balance points of ``net`` at time t, sorted by voltage (lexicographically for P > 1).

    Without neutral classes (every network without electrical coupling, and mixed networks
    whose every population is pinned by some channel) the points are isolated and all roots
    in the box are returned. With neutral classes (see :func:`neutral_classes`) the balance
    set is a continuum: each class's common voltage is set to the mean of ``near`` (P,)
    over the class (default ``near`` = 0), the remaining populations are solved for, and
    one point per branch found is returned with ``isolated=False`` and its ``neutral`` basis.
    """
    lo, hi = _bracket(net, t)
    classes = neutral_classes(net, t)
    base = np.zeros(net.P)
    free = np.ones(net.P, dtype=bool)
    if classes:
        ref = np.zeros(net.P) if near is None else checks.finite_array("near", near, shape=(net.P,))
        for cls in classes:
            base[cls] = float(np.mean(ref[cls]))
            free[cls] = False
        c_lo, c_hi = float(base[~free].min()), float(base[~free].max())
        lo, hi = np.minimum(lo, c_lo), np.maximum(hi, c_hi)
        lo[~free], hi[~free] = base[~free], base[~free]
    free_index = np.flatnonzero(free)
    if free_index.size == 0:
        candidates = [base]
    elif net.P == 1:
        candidates = [np.array([r]) for r in _roots_scalar(net, t, lo[0], hi[0])]
    else:
        candidates = _roots_system(net, t, lo, hi, free_index, base)
    unique: list[np.ndarray] = []
    for x in sorted(candidates, key=lambda v: tuple(v)):
        if not any(np.max(np.abs(x - u)) < 1e-8 * (1.0 + np.max(np.abs(u))) for u in unique):
            unique.append(np.asarray(x, dtype=float))
    return [_point(net, x, t, classes) for x in unique]
