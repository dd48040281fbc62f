"""The tasks of the theorem study (:mod:`validation.studies.theorem`): one solve or simulation each.

Each task takes plain arguments and the study's :class:`TheoremConfig` and returns a dict
of numbers and arrays, so it runs in-process or on any Dask worker.
"""
from __future__ import annotations

import math

import numpy as np

from fokker import Grid, presets

from ...metrics import wasserstein1
from ...particles import simulate_particles
from .config import TheoremConfig

ROOT_TOL = 1e-13     # Newton continuation of x̄(t)
BISTABLE_ATTEMPTS = (("trbdf2", 200), ("bdf2", 2000))   # (method, steps) tried in turn


# ------------------------------------------------------------------------------------- helpers
def stable_point(net, t: float = 0.0):
    """The first stable balance point of ``net`` at time t."""
    points = net.balance(t)
    stable = [b for b in points if b.stable]
    if not stable:
        raise ValueError(f"network has no stable balance point at t={t}")
    return stable[0]


def limit_std(net, point) -> np.ndarray:
    """σ_α / √(2 Ā_α): the width in y of the limit profile."""
    return net.sigma / np.sqrt(2.0 * point.conductance)


def y_grid(cfg: TheoremConfig) -> Grid:
    return Grid(-cfg.y_half, cfg.y_half, cfg.y_cells)


def limit_profiles(grid: Grid, std: np.ndarray) -> np.ndarray:
    """Cell averages of N(0, std_α²) on ``grid``, (P, ny)."""
    return np.stack([grid.gaussian(0.0, float(s)) for s in std])


def abs_moment(grid: Grid, q: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """∫ |y − c_α| q_α(y) dy for piecewise-constant q (exact), (P,)."""
    d = grid.faces[None, :] - np.asarray(centre, dtype=float)[:, None]
    g = 0.5 * d * np.abs(d)                                   # antiderivative of |y − c|
    return np.sum(q * np.diff(g, axis=-1), axis=-1) / grid.integrate(q)


def cdf_distance(grid: Grid, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """W1 between two densities on one grid: ∫ |F_q − F_r| dy (trapezoid on the faces), (P,)."""
    d = np.abs(grid.cdf(q) - grid.cdf(r))
    return 0.5 * grid.width * np.sum(d[..., 1:] + d[..., :-1], axis=-1)


# ------------------------------------------------------------------------------------- tasks
def with_retries(run, tol: float, factors=(1.0, 3.0, 10.0)):
    """``run(tol)`` with the coupling tolerance loosened by ``factors`` when it cannot be met.

    A safety net for tolerances near round-off; the tolerance actually used is returned with the result.
    """
    from solvers.coupling import CouplingError
    for i, factor in enumerate(factors):
        try:
            return run(tol * factor), tol * factor
        except CouplingError:
            if i == len(factors) - 1:
                raise


def stationary_task(preset: str, gamma: float, cfg: TheoremConfig) -> dict:
    """Stationary rescaled profile q_γ (P, ny) and centre μ from the desingularised solver."""
    from solvers import solve_desingularised
    net = presets.PRESETS[preset](gamma)
    point = stable_point(net)
    rate = min(float(np.min(point.conductance)), float(np.min(np.abs(point.eigenvalues.real))))
    span = cfg.relax / rate if math.isinf(gamma) else cfg.relax / (rate * gamma)
    grid = y_grid(cfg)
    sol, tol = with_retries(lambda tol: solve_desingularised(
        net, grid, limit_profiles(grid, limit_std(net, point)), point.voltage, (0.0, span), dt=span / cfg.steps,
        t_eval=[0.0, 0.9 * span, span], tol=tol), cfg.tol)
    return dict(preset=preset, gamma=gamma, tol=tol, q=sol.q[-1], mu=sol.mu[-1], mean_y=sol.mean_y()[-1],
                std_y=sol.std_y()[-1], drift=np.abs(sol.std_y()[-1] - sol.std_y()[-2]),
                xbar=point.voltage, Abar=point.conductance, sigma=net.sigma,
                wall_time=sol.stats["wall_time"])


def collapse_task(preset: str, gamma: float, cfg: TheoremConfig, cells: int | None = None) -> dict:
    """P0: time for the variance to come within a factor 4 of v∞ = σ²/(2γĀ), from N(x̄, s0²).

    ``cells``: y-grid cells of the auto frame in the layer (default ``cfg.collapse_cells``).
    """
    cells = cfg.collapse_cells if cells is None else int(cells)
    from solvers import solve
    net = presets.PRESETS[preset](gamma)
    point = stable_point(net)
    v_inf = net.sigma ** 2 / (2.0 * gamma * point.conductance)
    if np.any(cfg.s0 ** 2 <= 4.0 * v_inf):
        return dict(preset=preset, gamma=gamma, cells=cells, t_c=np.full(net.P, np.nan),
                    predicted=np.full(net.P, np.nan), v_inf=v_inf, tol=cfg.collapse_tol,
                    Abar=point.conductance, wall_time=0.0)
    predicted = np.log((cfg.s0 ** 2 - v_inf) / (3.0 * v_inf)) / (2.0 * gamma * point.conductance)
    centre = float(np.mean(point.voltage))
    grid = Grid(centre - 8.0 * cfg.s0, centre + 8.0 * cfg.s0, 1600)
    p0 = np.stack([grid.gaussian(float(x), cfg.s0) for x in point.voltage])
    t_out = np.linspace(0.0, 3.0 * float(np.max(predicted)), cfg.collapse_outputs + 1)
    sol, tol = with_retries(lambda tol: solve(net, grid, p0, (0.0, t_out[-1]), dt=t_out[1] / 2, t_eval=t_out,
                                              method="trbdf2", tol=tol, frame="auto", auto_cells=cells,
                                              auto_zoom=cfg.collapse_zoom), cfg.collapse_tol)
    r = np.log(sol.std() ** 2 / (4.0 * v_inf))                # (nt, P), crosses 0 downwards
    t_c = np.full(net.P, np.nan)
    for a in range(net.P):                                     # a loop over populations
        below = np.flatnonzero(r[:, a] <= 0.0)
        if below.size and below[0] > 0:
            i = below[0]
            t_c[a] = float(np.interp(0.0, [r[i, a], r[i - 1, a]], [t_out[i], t_out[i - 1]]))
    return dict(preset=preset, gamma=gamma, cells=cells, t_c=t_c, predicted=predicted, v_inf=v_inf, tol=tol,
                Abar=point.conductance, wall_time=sol.stats["wall_time"])


def driven_balance(cfg: TheoremConfig, times: np.ndarray) -> np.ndarray:
    """x̄(t) of ``driven`` at ``times`` (γ-independent): net.balance at the first time, then Newton."""
    from scipy.optimize import root
    from fokker.balance import net_current, net_current_jacobian
    net = presets.driven(1.0)
    x = stable_point(net, float(times[0])).voltage
    out = np.empty((times.size, net.P))
    for i, t in enumerate(times):                              # continuation along t
        sol = root(lambda z: net_current(net, z, t), x, jac=lambda z: net_current_jacobian(net, z, t),
                   tol=ROOT_TOL)
        if not sol.success or np.max(np.abs(net_current(net, sol.x, t))) > 1e-12:
            raise RuntimeError(f"balance continuation failed at t={t}: {sol.message}")
        x = out[i] = sol.x
    return out


def driven_task(gamma: float, times: np.ndarray, xbar: np.ndarray, cfg: TheoremConfig) -> dict:
    """P5: lag max_t |μ(t) − x̄(t)| over the last period of the drive."""
    from solvers import solve_desingularised
    net = presets.driven(gamma)
    point = stable_point(net, 0.0)
    grid = Grid(-6.0, 6.0, 600)
    sol, tol = with_retries(lambda tol: solve_desingularised(
        net, grid, limit_profiles(grid, limit_std(net, point)), point.voltage, (0.0, float(times[-1])),
        dt=cfg.driven_dt, t_eval=times, tol=tol), cfg.driven_tol)
    lag = sol.mean() - xbar
    return dict(gamma=gamma, tol=tol, lag=np.max(np.abs(lag), axis=0), mean=sol.mean(),
                wall_time=sol.stats["wall_time"])


def particle_task(gamma: float, n: int, seed: int, cfg: TheoremConfig) -> dict:
    """P6: W1 in y = (X − mean)/ε between n particles (stationary) and N(0, σ²/(2Ā))."""
    net = presets.ei_single(gamma)
    point = stable_point(net)
    eps = gamma ** -0.5
    w = float(limit_std(net, point)[0])
    xbar = float(point.voltage[0])
    ss = np.random.SeedSequence((cfg.seed, 6, int(round(100 * math.log10(gamma))), int(n), seed))
    rate = min(float(point.conductance[0]), abs(float(point.eigenvalues.real[0])))
    t_end = cfg.particle_relax / (gamma * rate)
    run = simulate_particles(net, int(n), lambda rng, k: xbar + eps * w * rng.standard_normal(k),
                             (0.0, t_end), t_end / cfg.particle_steps, seed=ss, t_eval=[t_end])
    x = run.x[-1, 0]
    y = (x - x.mean()) / eps
    grid = Grid(-cfg.y_half, cfg.y_half, 2 * cfg.y_cells)
    return dict(gamma=gamma, n=int(n), seed=seed, w1_y=wasserstein1(grid, grid.gaussian(0.0, w), y),
                std_y=float(y.std()), wall_time=run.stats["wall_time"])


def bistable_task(mean0: float, cfg: TheoremConfig) -> dict:
    """Which balance point ``ei_bistable`` reaches from N(mean0, s0²) (frame='auto')."""
    from solvers import solve
    net = presets.ei_bistable(cfg.bistable_gamma)
    points = net.balance()
    rate = min(abs(float(b.eigenvalues.real.min())) for b in points if b.stable)
    t_end = cfg.bistable_relax / (rate * cfg.bistable_gamma)
    grid = Grid(-1.5, 1.5, 1200)
    from solvers.coupling import CouplingError
    for method, steps in BISTABLE_ATTEMPTS:           # near the unstable root large steps can defeat the coupling
        try:
            sol = solve(net, grid, grid.gaussian(mean0, cfg.bistable_s0), (0.0, t_end), dt=t_end / steps,
                        t_eval=[0.0, t_end], method=method, tol=1e-10, frame="auto")
            break
        except CouplingError:
            if (method, steps) == BISTABLE_ATTEMPTS[-1]:
                raise
    final = float(sol.mean()[-1, 0])
    roots = np.array([float(b.voltage[0]) for b in points])
    k = int(np.argmin(np.abs(roots - final)))
    unstable = [float(b.voltage[0]) for b in points if not b.stable]
    limit_pick = None
    if unstable:                                              # the limit ODE dμ/dτ = F(μ) from a Dirac at mean0
        u = unstable[0]
        side = [float(b.voltage[0]) for b in points if b.stable and (b.voltage[0] - u) * (mean0 - u) > 0]
        limit_pick = side[0] if side else None
    return dict(mean0=mean0, final_mean=final, root=roots[k], root_stable=bool(points[k].stable),
                distance=abs(final - roots[k]), limit_ode_root=limit_pick,
                final_std=float(sol.std()[-1, 0]), t_end=t_end, method=method, steps=steps,
                wall_time=sol.stats["wall_time"])


def vertex(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum of u between the nodes, per row of u (P, nx), and its position in (fractional) node index:
    the vertex of the parabola through the largest node and its two neighbours (the largest node itself
    when it is an end node).
    """
    u = np.atleast_2d(u)
    i = np.argmax(u, axis=-1)
    rows = np.arange(u.shape[0])
    left, mid, right = (u[rows, np.clip(i + k, 0, u.shape[-1] - 1)] for k in (-1, 0, 1))
    curvature = 2.0 * mid - left - right
    inner = (i > 0) & (i < u.shape[-1] - 1) & (curvature > 0)
    curvature = np.where(inner, curvature, 1.0)
    value = np.where(inner, mid + (right - left) ** 2 / (8.0 * curvature), mid)
    return value, i + np.where(inner, (right - left) / (2.0 * curvature), 0.0)


def peak(u: np.ndarray) -> np.ndarray:
    """max u between the nodes, per row of u (P, nx) (:func:`vertex`).

    The largest node alone misses the maximum by up to Ā (h/2)²/σ², which at h = s/2 (s = σ/√(2γĀ))
    is 1/(32 γ): of the order of the O(1/γ) quantity measured.
    """
    return vertex(u)[0]


def _samples(v: np.ndarray, k: int) -> np.ndarray:
    """k values of v at equally spaced indices, both ends included."""
    return v[np.round(np.linspace(0, v.size - 1, k)).astype(int)]


def hopf_window_task(preset: str, gamma: float, cfg: TheoremConfig, cells_per_width: float | None = None) -> dict:
    """P7 on a fixed window: the stationary u_γ = γ⁻¹ log p_γ of ``solve_log`` against −Ā (x − x̄)²/σ².

    Grid: every population's window |x − x̄_α| ≤ ``hopf_half_window`` widened by ``hopf_margin``, cell
    width h = min(min_α s_α / cells_per_width, ``hopf_max_cell``), s_α = σ_α/√(2γĀ_α). Run: backward Euler,
    ``hopf_steps`` steps up to τ = γ t = ``hopf_fast_time``/min Ā, from log p0 = −½ ((x − x̄_α)/(s_α/2))²
    (narrower than the stationary state). Per population, with e(x) = u_γ − max u_γ + Ā (x − x̄)²/σ²
    (max u_γ between the nodes, :func:`peak`): ``sup_window`` = sup of |e| over the fixed window,
    ``sup_grid`` over the whole grid, ``sup_region`` over the shrinking region where p > ``hopf_floor`` · max p
    (half-width ``region_half``, of order γ^(−1/2)), ``settle`` = sup over the window of the change of
    u_γ − max u_γ over the second half of the run. ``offset``, ``profile``: x − x̄ and u_γ − max u_γ at
    ``hopf_profile_points`` cells of the window (for the figure); ``mode_offset`` = x_max − x̄, the
    position of max u_γ (:func:`vertex`) relative to the balance voltage.
    """
    from solvers import ResolutionWarning, solve_log
    cells_per_width = cfg.hopf_cells_per_width if cells_per_width is None else float(cells_per_width)
    net = presets.PRESETS[preset](gamma)
    point = stable_point(net)
    xbar, Abar, sigma = point.voltage, point.conductance, net.sigma
    s = sigma / np.sqrt(2.0 * gamma * Abar)
    reach = cfg.hopf_half_window + cfg.hopf_margin
    lo, hi = float(xbar.min()) - reach, float(xbar.max()) + reach
    h = min(float(s.min()) / cells_per_width, cfg.hopf_max_cell)
    grid = Grid(lo, hi, int(math.ceil((hi - lo) / h)))
    x = grid.centers
    T = cfg.hopf_fast_time / (gamma * float(Abar.min()))
    import warnings
    with warnings.catch_warnings():
        # h = s/2 resolves the parabola u (exact for the scheme up to O(h²)); the warning asks for 5 cells per s,
        # which is for p. The resolution-check rows (cells_per_width doubled) show the numbers do not move.
        warnings.simplefilter("ignore", ResolutionWarning)
        sol = solve_log(net, grid, log_p0=-0.5 * ((x[None, :] - xbar[:, None]) / (0.5 * s[:, None])) ** 2,
                        t_span=(0.0, T), dt=T / cfg.hopf_steps, t_eval=[0.5 * T, T], method="euler",
                        tol=cfg.hopf_tol)
    u_half, u = sol.u[0], sol.u[-1]
    d = x[None, :] - xbar[:, None]                                 # (P, nx)
    top, position = vertex(u)
    top = top[:, None]
    shifted = u - top
    err = np.abs(shifted + Abar[:, None] * d ** 2 / sigma[:, None] ** 2)
    window = np.abs(d) <= cfg.hopf_half_window
    region = shifted > math.log(cfg.hopf_floor) / gamma
    settle = np.abs(shifted - (u_half - peak(u_half)[:, None]))
    offset, profile = (np.stack([_samples(v[a][window[a]], cfg.hopf_profile_points) for a in range(net.P)])
                       for v in (d, shifted))                     # a loop over populations
    return dict(preset=preset, gamma=gamma, cells_per_width=cells_per_width, nx=grid.nx, h=grid.width,
                sup_window=np.where(window, err, 0.0).max(axis=-1), sup_grid=err.max(axis=-1),
                sup_region=np.where(region, err, 0.0).max(axis=-1),
                region_half=np.array([0.5 * np.ptp(x[region[a]]) for a in range(net.P)]),
                settle=np.where(window, settle, 0.0).max(axis=-1),
                mode_offset=grid.lower + (position + 0.5) * grid.width - xbar, min_log_p=sol.log_p[-1].min(axis=-1),
                xbar=xbar, Abar=Abar, sigma=sigma, offset=offset, profile=profile,
                wall_time=sol.stats["wall_time"])
