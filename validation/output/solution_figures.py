"""The figures of ``fokker-balance solve`` (and ``simulate``) from plain arrays.

They take NumPy arrays, names and numbers only (no Solution or Network), so that this module
imports nothing but NumPy and matplotlib: :mod:`.figure_process` draws them in a separate
process while the solver runs. Labels are plain text (no mathtext: its parser costs more to
set up than drawing the figure).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .figures import heat_map, plain_log_scale, pyplot, save_figure

MOMENTS_BOTTOM = 0.14
"""Bottom margin of the moments figure (fraction of its height): its x labels lie inside the figure,
so that :func:`~.figures.save_figure` crops the PNG from its one Agg drawing instead of drawing again."""


def density_figure(t: np.ndarray, x: np.ndarray, p: np.ndarray, xstar: np.ndarray, points: np.ndarray,
                   stable: Sequence[bool], names: Sequence[str], gamma: float, stem: str | Path) -> list[Path]:
    """Heat map of p_α over (t, x) with the balance voltage x*_α(t) and the balance points x̄.

    ``p`` (nt, P, nx) on the cell centres ``x``; ``xstar`` (nt, P); ``points`` (n_points, P) the
    balance voltages, drawn dotted when ``stable`` and dashed otherwise. Writes ``stem.png/.pdf``.
    """
    t, x, p, xstar = (np.asarray(v, dtype=float) for v in (t, x, p, xstar))
    points = np.asarray(points, dtype=float).reshape(-1, len(names))
    if p.shape != (t.size, len(names), x.size):
        raise ValueError(f"p must have shape (len(t), len(names), len(x)) = {(t.size, len(names), x.size)}, "
                         f"got {p.shape}")
    if len(stable) != points.shape[0]:
        raise ValueError(f"stable must have one entry per balance point ({points.shape[0]}), got {len(stable)}")
    plt = pyplot()
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 3.2 * len(names)), squeeze=False, sharex=True)
    for a, ax in enumerate(axes[:, 0]):
        mesh = heat_map(ax, t, x, p[:, a, :].T, cmap="magma")
        fig.colorbar(mesh, ax=ax, label=f"density p_{names[a]}(t, x)")
        ax.plot(t, xstar[:, a], color="cyan", lw=1.2, label="balance voltage x*(t)")
        for i, (voltage, is_stable) in enumerate(zip(points, stable)):
            ax.axhline(voltage[a], color="white", ls=":" if is_stable else "--", lw=0.8,
                       label="balance points" if i == 0 else None)
        ax.set_ylabel("x")
        ax.set_title(f"population {names[a]} (gamma = {gamma:g})")
        ax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("t")
    return save_figure(fig, stem)


def moments_figure(t, mean, std, xstar, names, stem: Path, title: str) -> list[Path]:
    """Mean (with the balance voltage x*) and standard deviation over time, per population."""
    plt = pyplot()
    fig, (ax_m, ax_s) = plt.subplots(1, 2, figsize=(10, 3.6))
    for a, name in enumerate(names):
        line, = ax_m.plot(t, mean[:, a], label=f"mean {name}")
        ax_m.plot(t, xstar[:, a], ls="--", color=line.get_color(), label=f"x* {name}")
        ax_s.plot(t, std[:, a], label=f"std {name}")
    ax_m.set_xlabel("t")
    ax_m.set_ylabel("voltage")
    ax_s.set_xlabel("t")
    ax_s.set_ylabel("standard deviation")
    plain_log_scale(ax_s, "y")
    for ax in (ax_m, ax_s):
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.subplots_adjust(bottom=MOMENTS_BOTTOM)
    return save_figure(fig, stem)
