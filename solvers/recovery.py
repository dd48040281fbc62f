"""The recovery step: transport and diffusion in w of the two-variable Fokker–Planck equation.

With the voltage x frozen, every x-row of a FitzHugh–Nagumo density p(x, w) obeys

    ∂_t p = −∂_w (g p) + D_w ∂_ww p,   g(x, w) = c (x + a − b w),   zero flux at w_lower and w_upper,

(D_w = σ_w² / 2), a one-dimensional Ornstein–Uhlenbeck equation in w. Its exact solution on the
whole line is "transport, then Gaussian smoothing": the characteristics are affine,

    w ↦ θ w + s = w* + (w − w*) θ,   θ = e^{−c b h},   w* = (x + a) / b,   s = c (x + a) h φ(c b h),

with φ(z) = (1 − e^{−z}) / z (φ(0) = 1, so b = 0 is the translation w ↦ w + c (x + a) h), and the
noise adds the variance 2 D_w τ, τ = (1 − θ²) / (2 c b) = h φ(2 c b h). :func:`recovery_step`
discretises exactly that composition on a uniform cell-centred w-grid (cell averages p_j):

1. :func:`affine_remap` — the exact characteristics applied to a limited piecewise-linear
   reconstruction, integrated over the destination cells, then an exact first-moment correction
   (a numba kernel, one pass per row);
2. :func:`neumann_heat` — the exact semigroup exp(τ D_w Δ_h) of the three-point zero-flux
   Laplacian (diagonalised by the type-II discrete cosine transform).

There is no time-discretisation error: for frozen x the step is exact in time on the whole line,
for any h (the only errors are O(h_w²) in space). It is therefore a valid sub-step of any
splitting (second order for Strang's), with no stability limit. The walls are the exception when
D_w > 0 and the density there is not negligible: transport and reflection are then split, an
O(h) error near the walls (the stationary state is the truncated Gaussian only as h → 0). Choose
[w_lower, w_upper] to hold the density, as the zero-flux truncation itself requires.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from scipy import fft

from fokker import checks


class RecoveryStep(NamedTuple):
    """Result of :func:`recovery_step`.

    density:       (..., nx, nw) cell averages after the step (≥ 0; row masses Σ_j p_j h_w kept).
    clipped_mass:  (..., nx) mass per row (Σ p h_w units) that the characteristics carried beyond
                   w_lower or w_upper; it is kept in the end cell it would have left (zero flux).
                   0 whenever w* lies in [w_lower, w_upper] (b > 0): a contraction cannot leave.
    moment_defect: (..., nx) achieved minus exact new first moment Σ_j w_j p_j h_w of the transport;
                   0 to round-off unless the exact value lies beyond the first or last cell centre
                   (then the density sits in that end cell, the nearest representable state).
    """

    density: np.ndarray
    clipped_mass: np.ndarray
    moment_defect: np.ndarray


def phi1(z: np.ndarray) -> np.ndarray:
    """φ(z) = (1 − e^{−z}) / z for z ≥ 0, with φ(0) = 1, at full relative accuracy (expm1)."""
    z = np.asarray(z, dtype=float)
    out = np.ones_like(z)
    nonzero = z != 0.0
    out[nonzero] = -np.expm1(-z[nonzero]) / z[nonzero]
    return out


@njit(cache=True, error_model="numpy")
def _limited_jumps(q: np.ndarray, s: np.ndarray) -> None:
    """Jumps s_j (slope × width) of the limited linear reconstruction q_j + s_j (u − ½), u ∈ [0, 1].

    Interior cells: monotonised-central limiter s = minmod(2Δ₋, 2Δ₊, (Δ₋ + Δ₊)/2), which keeps the
    reconstruction between the neighbouring averages (so ≥ 0). End cells: the one-sided
    difference, limited to |s| ≤ 2 q_j so both edge values stay ≥ 0.
    """
    n = q.size
    for j in range(1, n - 1):
        left, right = q[j] - q[j - 1], q[j + 1] - q[j]
        if left * right > 0.0:
            s[j] = np.copysign(min(2.0 * abs(left), 2.0 * abs(right), 0.5 * abs(left + right)), left)
        else:
            s[j] = 0.0
    s[0] = min(max(q[1] - q[0], -2.0 * q[0]), 2.0 * q[0])
    s[n - 1] = min(max(q[n - 1] - q[n - 2], -2.0 * q[n - 1]), 2.0 * q[n - 1])


@njit(cache=True, error_model="numpy")
def _match_first_moment(o: np.ndarray, deficit: float) -> float:
    """Raise Σ_k (k + ½) o_k by ``deficit`` with moves between neighbouring cells, in place.

    A fraction ε of every cell's content moves one cell downstream (upwards for deficit > 0): the
    first moment changes by ε × (the mass that has a downstream neighbour), the mass not at all,
    and o stays ≥ 0 for ε ≤ 1. If ε would exceed 1 the move saturates and repeats (at most n
    passes); what no move can reach (beyond the end-cell centre) is returned.
    """
    n = o.size
    for _ in range(n):
        if deficit == 0.0:
            break
        movable = o.sum() - (o[n - 1] if deficit > 0.0 else o[0])
        if not movable > 0.0:
            break
        eps = abs(deficit) / movable
        saturated = eps > 1.0
        eps = min(eps, 1.0)
        if deficit > 0.0:
            for k in range(n - 2, -1, -1):          # each cell sends before it receives
                flow = eps * o[k]
                o[k] -= flow
                o[k + 1] += flow
        else:
            for k in range(1, n):
                flow = eps * o[k]
                o[k] -= flow
                o[k - 1] += flow
        if not saturated:
            return 0.0
        deficit -= movable if deficit > 0.0 else -movable
    return deficit


@njit(cache=True, error_model="numpy")
def _remap_row(q, o, s, th: float, shift: float, lower: float, width: float) -> tuple[float, float]:
    """One row of :func:`affine_remap` into o (zeroed, n); s is scratch (n,). Returns (clipped mass in
    cell units, unreached first moment in cell units)."""
    n = q.size
    _limited_jumps(q, s)
    offset = (shift - (1.0 - th) * lower) / width
    target = 0.0
    clipped = 0.0
    for j in range(n):
        pos = th * j + offset                            # image of cell j: [pos, pos + θ], cell units
        k = np.floor(min(max(pos, -2.0), n + 1.0))
        if pos + th <= k + 1.0:
            xi = 1.0
        elif th > 0.0:
            xi = min(max((k + 1.0 - pos) / th, 0.0), 1.0)
        else:
            xi = 0.0
        low = min(max(xi * (q[j] + 0.5 * s[j] * (xi - 1.0)), 0.0), q[j])   # ∫_0^ξ (q + s (u − ½)) du
        high = q[j] - low
        target += q[j] * (pos + 0.5 * th)               # the image of the centre carries the mass
        m1_low = xi * xi * (0.5 * q[j] + s[j] * (xi / 3.0 - 0.25))      # ∫_0^ξ u (q + s (u − ½)) du
        m1_high = 0.5 * q[j] + s[j] / 12.0 - m1_low
        ki = int(k)
        if ki < 0 or ki > n - 1:                         # carried through a wall: kept, counted at the
            end = 0.5 if ki < 0 else n - 0.5             # centre of the end cell
            target -= (pos - end) * low + th * m1_low
            clipped += low
        if ki + 1 < 0 or ki + 1 > n - 1:
            end = 0.5 if ki + 1 < 0 else n - 0.5
            target -= (pos - end) * high + th * m1_high
            clipped += high
        o[min(max(ki, 0), n - 1)] += low
        o[min(max(ki + 1, 0), n - 1)] += high
    achieved = 0.0
    for k in range(n):
        achieved += (k + 0.5) * o[k]
    return clipped, _match_first_moment(o, target - achieved)


@njit(cache=True, error_model="numpy")
def _remap_rows(p: np.ndarray, theta: np.ndarray, shift: np.ndarray, lower: float,
                width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel of :func:`affine_remap`: (new averages, clipped mass, unreached moment in cell units)."""
    rows, n = p.shape
    out = np.zeros((rows, n))
    clipped = np.zeros(rows)
    remaining = np.zeros(rows)
    s = np.empty(n)
    for r in range(rows):
        c, remaining[r] = _remap_row(p[r], out[r], s, theta[r], shift[r], lower, width)
        clipped[r] = c * width
    return out, clipped, remaining


@njit(cache=True, error_model="numpy")
def _remap_columns(p: np.ndarray, theta: np.ndarray, shift: np.ndarray, lower: float,
                   width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_remap_rows` for p (P, n, nx) whose w-profiles are the columns p[α, :, i]; theta (P,),
    shift (P, nx). Each column is gathered into a buffer, remapped and scattered back (no transposes)."""
    P, n, nx = p.shape
    out = np.empty((P, n, nx))
    clipped = np.zeros((P, nx))
    remaining = np.zeros((P, nx))
    q, o, s = np.empty(n), np.empty(n), np.empty(n)
    for al in range(P):
        for i in range(nx):
            for j in range(n):
                q[j] = p[al, j, i]
                o[j] = 0.0
            c, remaining[al, i] = _remap_row(q, o, s, theta[al], shift[al, i], lower, width)
            clipped[al, i] = c * width
            for j in range(n):
                out[al, j, i] = o[j]
    return out, clipped, remaining


def affine_remap(p: np.ndarray, theta: np.ndarray, shift: np.ndarray, lower: float,
                 width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Carry cell averages through w ↦ θ w + s (0 ≤ θ ≤ 1) onto the same grid, conservatively.

    p: (R, n) cell averages ≥ 0 on the cells [lower + j·width, lower + (j+1)·width]; theta, shift: (R,).
    Each source cell's limited linear reconstruction is mapped exactly (its image has width θ·width,
    so it meets at most two destination cells) and integrated over the destination cells; then
    mass moves between neighbouring cells (a fraction ε of each cell one cell downstream) so that
    the discrete first moment takes its exact new value Σ_j w_j p_j ↦ θ Σ_j w_j p_j + s Σ_j p_j
    (the images of the centres), where mass carried beyond an end is counted at the centre of the
    end cell that keeps it. One numba pass per row.

    Properties (for any p ≥ 0): every row's mass is kept to round-off; the result is ≥ 0; the first
    moment is exact to round-off unless its exact value lies beyond the first or last cell centre.
    Second order in the width on smooth resolved densities (the reconstruction is second order;
    the limiter acts at extrema only, the moment correction is an O(width²) relative move).

    Returns (new averages (R, n), clipped mass per row (R,), moment defect per row (R,)), masses and
    moments in units of Σ p · width and Σ w p · width.
    """
    p = np.ascontiguousarray(p, dtype=float)
    out, clipped, remaining = _remap_rows(p, np.ascontiguousarray(theta, dtype=float),
                                          np.ascontiguousarray(shift, dtype=float), float(lower), float(width))
    return out, clipped, -remaining * width * width


def neumann_heat(p: np.ndarray, diffusion_time: np.ndarray, width: float) -> np.ndarray:
    """exp(T Δ_h) p exactly, Δ_h the three-point zero-flux Laplacian, T = D τ per row (R,); p (R, n).

    Semi-discrete heat equation dp_j/dt = D (p_{j+1} − 2 p_j + p_{j−1}) / width² with p_{−1} = p_0,
    p_n = p_{n−1} (second order in width), solved exactly in time: Δ_h is diagonalised by the
    orthonormal type-II DCT with eigenvalues −4 sin²(π k / 2n) / width². The semigroup is a
    non-negative matrix (Δ_h has non-negative off-diagonals) with unit column sums: p ≥ 0 (the DCT's
    round-off negatives, ~1e-16 of the maximum, are set to 0) and the row mass is restored exactly.
    The first moment Σ w_j p_j changes only by the wall term −D ∫ (p_{n−1} − p_0) dt, the discrete
    form of the zero-flux identity; it vanishes when the density vanishes at both walls.
    """
    n = p.shape[1]
    rate = 4.0 * np.sin(0.5 * np.pi * np.arange(n) / n) ** 2 / (width * width)
    coefficients = fft.dct(p, type=2, norm="ortho", axis=-1)
    coefficients *= np.exp(-diffusion_time[:, None] * rate)
    out = fft.idct(coefficients, type=2, norm="ortho", axis=-1)
    np.maximum(out, 0.0, out=out)
    mass, new_mass = p.sum(axis=1), out.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out *= np.where(new_mass > 0.0, mass / new_mass, 0.0)[:, None]
    return out


def neumann_heat_axis(p: np.ndarray, diffusion_time: np.ndarray, width: float) -> np.ndarray:
    """:func:`neumann_heat` along axis 1 of p (P, n, nx): exp(T_α Δ_h) on every column p[α, :, i], T (P,)."""
    n = p.shape[1]
    rate = 4.0 * np.sin(0.5 * np.pi * np.arange(n) / n) ** 2 / (width * width)
    coefficients = fft.dct(p, type=2, norm="ortho", axis=1)
    coefficients *= np.exp(-diffusion_time[:, None, None] * rate[None, :, None])
    out = fft.idct(coefficients, type=2, norm="ortho", axis=1)
    np.maximum(out, 0.0, out=out)
    mass, new_mass = p.sum(axis=1), out.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out *= np.where(new_mass > 0.0, mass / new_mass, 0.0)[:, None, :]
    return out


def _per_population(name: str, value, lead: tuple[int, ...], *, low: float | None = None) -> np.ndarray:
    """A scalar or an array broadcastable to the population axes ``lead``, finite (and ≥ low)."""
    arr = checks.finite_array(name, value)
    try:
        arr = np.broadcast_to(arr, lead)
    except ValueError:
        raise ValueError(f"{name} must be a number or broadcastable to the population axes {lead}, "
                         f"got shape {arr.shape}") from None
    if low is not None and np.any(arr < low):
        raise ValueError(f"{name} must be >= {low}, got {arr.min()}")
    return arr


def recovery_characteristics(x, a, b, c, h: float) -> tuple[np.ndarray, np.ndarray]:
    """(θ, s) of the exact characteristic map w ↦ θ w + s of dw/dt = c (x + a − b w) over a time h.

    θ = e^{−c b h}, s = c (x + a) h φ(c b h) = w* (1 − θ) with w* = (x + a)/b (b = 0: θ = 1,
    s = c (x + a) h). Arguments broadcast against each other (numbers or arrays).
    """
    x, a, b, c = (np.asarray(v, dtype=float) for v in (x, a, b, c))
    rate = c * b * h
    return np.exp(-rate) * np.ones_like(x + a), c * (x + a) * h * phi1(rate)


def recovery_step_wx(p: np.ndarray, x: np.ndarray, w_lower: float, w_upper: float, a: np.ndarray,
                     b: np.ndarray, c: np.ndarray, h: float, diffusion_w: np.ndarray) -> RecoveryStep:
    """:func:`recovery_step` for densities stored w-row major, p (P, nw, nx) C-contiguous float64 ≥ 0,
    the layout of the two-variable solver's states; x (nx,) and a, b, c, diffusion_w (P,) arrays.

    The same scheme and results (to round-off) without transposing the density: each w-profile
    p[α, :, i] is remapped in place of a row (``_remap_columns``) and the heat semigroup acts along
    axis 1. The inputs are not validated (a solver's own states); the returned ``density`` is
    (P, nw, nx), ``clipped_mass`` and ``moment_defect`` are (P, nx).
    """
    n = p.shape[1]
    width = (w_upper - w_lower) / n
    theta, shift = recovery_characteristics(x[None, :], a[:, None], b[:, None], c[:, None], h)
    out, clipped, remaining = _remap_columns(p, np.ascontiguousarray(theta[:, 0]), np.ascontiguousarray(shift),
                                             float(w_lower), float(width))
    if np.any(diffusion_w > 0.0):
        heat_time = diffusion_w * h * phi1(2.0 * c * b * h)
        out = neumann_heat_axis(out, heat_time, width)
    return RecoveryStep(out, clipped, -remaining * width * width)


def recovery_step(p, x, w_lower: float, w_upper: float, a, b, c, h: float,
                  diffusion_w=0.0) -> RecoveryStep:
    """Advance every x-row of p by a time h of ∂_t p = −∂_w (c (x + a − b w) p) + D_w ∂_ww p.

    p: (..., nx, nw) cell averages ≥ 0 on nw ≥ 3 equal cells of [w_lower, w_upper] (zero flux);
    x: the voltage of each row, broadcastable to p.shape[:-1] (e.g. the x-centres (nx,));
    a, b ≥ 0, c ≥ 0, diffusion_w = D_w = σ_w²/2 ≥ 0: numbers or arrays broadcastable to the population
    axes p.shape[:-2]; h > 0 (any size: no stability limit).

    Scheme: exact characteristics w ↦ w* + (w − w*) e^{−c b h} with a conservative second-order remap
    (:func:`affine_remap`), then, if D_w > 0, the exact discrete heat semigroup for the time
    τ = (1 − e^{−2 c b h}) / (2 c b) (:func:`neumann_heat`), which turns the transported density into
    the Ornstein–Uhlenbeck density: on the whole line transport-then-smoothing is the exact solution,
    so the step has no time error for any h, and is second order in h_w.

    Preserved: every row's mass Σ_j p_j h_w to round-off; p ≥ 0; the discrete first moment
    Σ_j w_j p_j h_w moves exactly as the continuous mean, M₁ ↦ θ M₁ + s M₀ = w* M₀ + (M₁ − w* M₀) θ,
    i.e. by the exact time integral of the discrete ∫ g p (D_w > 0: plus the zero-flux wall term
    −D_w ∫ (p_{nw−1} − p_0) dt, which vanishes when p vanishes at the walls). See :class:`RecoveryStep`
    for the two reported exceptions (mass carried through a wall, a mean beyond the end-cell centres).

    In a Strang splitting call it with h/2 before and after the x-step (two consecutive half steps
    may be merged into one step of h: the w-step is exact in time).
    """
    p = checks.finite_array("p", p, nonnegative=True)
    if p.ndim < 2:
        raise ValueError(f"p must have shape (..., nx, nw), got shape {p.shape}")
    n = p.shape[-1]
    if n < 3:
        raise ValueError(f"p must have nw >= 3 cells along its last axis, got {n}")
    x = checks.finite_array("x", x)
    try:
        x = np.broadcast_to(x, p.shape[:-1])
    except ValueError:
        raise ValueError(f"x must be broadcastable to p.shape[:-1] = {p.shape[:-1]}, got shape {x.shape}") from None
    w_lower = checks.real("w_lower", w_lower)
    w_upper = checks.real("w_upper", w_upper)
    if not w_upper > w_lower:
        raise ValueError(f"w_upper must be > w_lower, got w_lower={w_lower}, w_upper={w_upper}")
    h = checks.positive("h", h)
    lead = p.shape[:-2]
    a = _per_population("a", a, lead)
    b = _per_population("b", b, lead, low=0.0)
    c = _per_population("c", c, lead, low=0.0)
    diffusion_w = _per_population("diffusion_w", diffusion_w, lead, low=0.0)

    width = (w_upper - w_lower) / n
    rows = p.reshape(-1, n)
    theta, shift = recovery_characteristics(x, a[..., None], b[..., None], c[..., None], h)
    out, clipped, defect = affine_remap(rows, theta.ravel(), shift.ravel(), w_lower, width)
    if np.any(diffusion_w > 0.0):
        rate = c * b
        heat_time = np.broadcast_to((diffusion_w * h * phi1(2.0 * rate * h))[..., None], p.shape[:-1])
        out = neumann_heat(out, heat_time.ravel(), width)
    return RecoveryStep(out.reshape(p.shape), clipped.reshape(p.shape[:-1]), defect.reshape(p.shape[:-1]))
