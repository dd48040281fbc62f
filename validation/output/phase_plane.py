"""Phase-plane figures of two-variable (voltage x, recovery w) networks such as FitzHugh–Nagumo.

:func:`density_phase_plane` draws the densities p_α(x, w) of a two-variable Fokker–Planck
solution at a few times (raster heat maps), :func:`particle_phase_plane` a subsample of
the neurons of a particle run at a few times. Both overlay the nullclines of the
single-neuron vector field (:func:`draw_nullclines`: the curves f(x, w) = 0 and g(x, w) = 0
of the intrinsic dynamics ẋ = f, ẇ = g, without the network coupling) and the trajectory
(x̄_α(t), w̄_α(t)) of the population mean. :func:`phase_moments_figure` plots the mean and
standard deviation of x and w over time.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .figures import heat_map, plain_log_scale, pyplot, save_figure

NULLCLINE_SAMPLES = 400
"""Points per axis of the mesh on which the zero level sets of f and g are traced."""

SNAPSHOTS = 4
"""Number of times shown by the phase-plane figures."""


def snapshot_indices(nt: int, count: int = SNAPSHOTS) -> np.ndarray:
    """``count`` output indices spread evenly over 0 … nt − 1 (the first and the last included)."""
    if nt < 1:
        raise ValueError(f"nt must be >= 1, got {nt}")
    return np.unique(np.round(np.linspace(0, nt - 1, min(count, nt))).astype(int))


def draw_nullclines(ax, intrinsic, x_range: tuple[float, float], w_range: tuple[float, float]) -> None:
    """The nullclines f(x, w) = 0 (solid) and g(x, w) = 0 (dashed) of ``intrinsic`` inside the box.

    ``intrinsic`` is any two-variable intrinsic with vectorised ``f(x, w)`` and ``g(x, w)``
    (e.g. :class:`fokker.FitzHughNagumo`); the curves are the zero contours on a
    NULLCLINE_SAMPLES² mesh, so they need no closed form.
    """
    from matplotlib.lines import Line2D
    xs = np.linspace(*x_range, NULLCLINE_SAMPLES)
    ws = np.linspace(*w_range, NULLCLINE_SAMPLES)
    X, W = np.meshgrid(xs, ws)
    for field, style in ((intrinsic.f, "-"), (intrinsic.g, "--")):
        values = np.broadcast_to(field(X, W), X.shape)
        if values.min() < 0 < values.max():
            ax.contour(X, W, values, levels=[0.0], colors="lightgray", linestyles=style, linewidths=1.0)
    handles = [Line2D([], [], color="lightgray", ls="-", lw=1.0, label="f(x, w) = 0"),
               Line2D([], [], color="lightgray", ls="--", lw=1.0, label="g(x, w) = 0")]
    ax.add_artist(ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.5))


def _mean_path(ax, mean_x, mean_w, k: int) -> None:
    """The mean trajectory (x̄(t), w̄(t)) up to output index k (its end marks the panel's time)."""
    ax.plot(mean_x[:k + 1], mean_w[:k + 1], color="cyan", lw=0.8, alpha=0.7, label="mean (x, w)")


ZOOM_STDS = 5.0
"""Half-width of the zoomed inset of :func:`density_phase_plane`, in standard deviations."""


def _zoom(ax, grid, p, mean, std) -> None:
    """An inset (upper right) with p on the cells within ZOOM_STDS standard deviations of the mean.

    A concentrated population (large γ: std_x ~ σ/√(2γA)) covers a few cells, far less than a
    pixel of the full panel; the inset shows its shape. The window is at least 3 cells each way.
    """
    cells = []
    for axis, m, s in zip((grid.x, grid.w), mean, std):
        half = max(ZOOM_STDS * s, 3 * axis.width)
        cells.append(np.flatnonzero(np.abs(axis.centers - m) <= half))
    ix, iw = cells
    if ix.size < 2 or iw.size < 2:
        return
    inset = ax.inset_axes([0.6, 0.64, 0.38, 0.34])
    heat_map(inset, grid.x.centers[ix], grid.w.centers[iw], p[np.ix_(ix, iw)].T, cmap="magma")
    inset.tick_params(labelsize=6, colors="white", length=2)
    for spine in inset.spines.values():
        spine.set_color("white")


def _panels(P: int, count: int):
    plt = pyplot()
    fig, axes = plt.subplots(P, count, figsize=(3.2 * count, 3.0 * P), squeeze=False,
                             sharex=True, sharey=True)
    return fig, axes


def _label(axes, names) -> None:
    for a, name in enumerate(names):
        axes[a, 0].set_ylabel(f"{name}: recovery w")
    for ax in axes[-1]:
        ax.set_xlabel("voltage x")


def density_phase_plane(sol, stem: str | Path, count: int = SNAPSHOTS) -> list[Path]:
    """p_α(x, w) of a :class:`solvers.TwoVariableSolution` at ``count`` times (one row per population).

    Each panel is a raster heat map with its own colour scale (its maximum in the title),
    the nullclines of the population's intrinsic dynamics, the mean trajectory up to that
    time, and an inset zoomed on the density around its mean.
    """
    net, grid = sol.network, sol.grid
    ks = snapshot_indices(sol.t.size, count)
    mean_x, mean_w, std_x, std_w = sol.mean(), sol.mean_w(), sol.std(), sol.std_w()
    box = ((grid.x.lower, grid.x.upper), (grid.w.lower, grid.w.upper))
    fig, axes = _panels(net.P, ks.size)
    for a, pop in enumerate(net.populations):
        for ax, k in zip(axes[a], ks):
            heat_map(ax, grid.x.centers, grid.w.centers, sol.p[k, a].T, cmap="magma")
            draw_nullclines(ax, pop.intrinsic, *box)
            _mean_path(ax, mean_x[:, a], mean_w[:, a], k)
            _zoom(ax, grid, sol.p[k, a], (mean_x[k, a], mean_w[k, a]), (std_x[k, a], std_w[k, a]))
            ax.set_xlim(*box[0])
            ax.set_ylim(*box[1])
            ax.set_title(f"{pop.name}, t = {sol.t[k]:g}, max p = {sol.p[k, a].max():.3g}", fontsize=9)
    axes[0, 0].legend(loc="upper left", fontsize=7, framealpha=0.5)
    _label(axes, net.population_names)
    fig.suptitle(f"Fokker-Planck density p(x, w), gamma = {net.gamma:g}", y=1.0, va="bottom")
    return save_figure(fig, stem)


def particle_phase_plane(run, box, stem: str | Path, count: int = SNAPSHOTS, shown: int = 2000,
                         seed: int = 0) -> list[Path]:
    """A subsample of ``shown`` neurons per population of a particle run at ``count`` times.

    ``run``: a :class:`validation.ParticleRun` of a two-variable network with positions kept
    (``run.x`` and ``run.w`` of shape (nt, P, n)); ``box``: ((x_lo, x_hi), (w_lo, w_hi)) shown.
    The same neurons (drawn once with ``seed``) appear in every panel.
    """
    if run.x is None or run.w is None:
        raise ValueError("run must keep the particle positions (simulate_particles(..., summary_only=False)) "
                         "of a two-variable network")
    net = run.network
    ks = snapshot_indices(run.t.size, count)
    pick = np.random.default_rng(seed).choice(run.n, size=min(shown, run.n), replace=False)
    fig, axes = _panels(net.P, ks.size)
    for a, pop in enumerate(net.populations):
        for ax, k in zip(axes[a], ks):
            ax.scatter(run.x[k, a, pick], run.w[k, a, pick], s=1.5, color="tab:orange", alpha=0.5,
                       linewidths=0, rasterized=True, label="neurons")
            draw_nullclines(ax, pop.intrinsic, *box)
            _mean_path(ax, run.mean[:, a], run.mean_w[:, a], k)
            ax.set_facecolor("#202020")
            ax.set_xlim(*box[0])
            ax.set_ylim(*box[1])
            ax.set_title(f"{pop.name}, t = {run.t[k]:g}", fontsize=9)
    axes[0, 0].legend(loc="upper left", fontsize=7, framealpha=0.5, markerscale=4)
    _label(axes, net.population_names)
    fig.suptitle(f"particles: {pick.size} of n = {run.n} neurons shown, gamma = {net.gamma:g}", y=1.0,
                 va="bottom")
    return save_figure(fig, stem)


def phase_moments_figure(t, mean_x, std_x, mean_w, std_w, names, stem: str | Path, title: str) -> list[Path]:
    """Mean (left) and standard deviation (right, log scale) of x and w over time, per population."""
    plt = pyplot()
    fig, (ax_m, ax_s) = plt.subplots(1, 2, figsize=(10, 3.6))
    for a, name in enumerate(names):
        line, = ax_m.plot(t, mean_x[:, a], label=f"mean x {name}")
        ax_m.plot(t, mean_w[:, a], ls="--", color=line.get_color(), label=f"mean w {name}")
        line, = ax_s.plot(t, std_x[:, a], label=f"std x {name}")
        ax_s.plot(t, std_w[:, a], ls="--", color=line.get_color(), label=f"std w {name}")
    ax_m.set_xlabel("t")
    ax_m.set_ylabel("mean")
    ax_s.set_xlabel("t")
    ax_s.set_ylabel("standard deviation")
    if np.all(np.concatenate([np.ravel(std_x), np.ravel(std_w)]) > 0):
        plain_log_scale(ax_s, "y")
    for ax in (ax_m, ax_s):
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return save_figure(fig, stem)
