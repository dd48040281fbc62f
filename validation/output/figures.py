"""The one figure set-up of the package: pyplot with a non-interactive backend, log–log fits, atomic saving.

:func:`pyplot` chooses the matplotlib backend once: the one named by the ``MPLBACKEND``
environment variable when it is set, otherwise "Agg" (files only, no display needed).
:func:`loglog_fit` draws measured points, a fitted power law
(:func:`validation.metrics.fit_power`) over its fitted range and the predicted slope
through the centre of the fitted points, with "slope s ± se (theory t)" in the legend.
:func:`save_figure` writes PNG + PDF atomically and closes the figure.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..metrics.fits import PowerFit


def pyplot():
    """matplotlib.pyplot, its backend chosen on first use: ``MPLBACKEND`` if set, else "Agg"."""
    import matplotlib
    if not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, stem: str | Path, formats: tuple[str, ...] = ("png", "pdf")) -> list[Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf`` (atomically) and close it."""
    plt = pyplot()
    stem = Path(stem)
    try:
        return [atomic_write(stem.with_suffix(f".{ext}"),
                             lambda tmp, ext=ext: fig.savefig(tmp, format=ext, dpi=150, bbox_inches="tight"))
                for ext in formats]
    finally:
        plt.close(fig)


def loglog_fit(ax, x, y, fit: PowerFit | None, theory_slope: float | None, *, label: str = "",
               color=None, marker: str = "o", theory_label: str | None = None) -> None:
    """Measured points, the fitted line (solid) and the theory slope (dashed) through the fit's centre."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(y) & (y > 0)
    text = label if fit is None else f"{label}: {fit.label(theory_slope)}".lstrip(": ")
    line = ax.plot(x[keep], y[keep], marker, color=color, ms=4, label=text)[0]
    color = line.get_color()
    if fit is not None:
        xs = np.geomspace(fit.x_min, fit.x_max, 50)
        ax.plot(xs, fit(xs), "-", color=color, lw=1.0)
        if theory_slope is not None:
            centre = math.sqrt(fit.x_min * fit.x_max)
            ax.plot(xs, fit(centre) * (xs / centre) ** theory_slope, "--", color=color, lw=0.8, alpha=0.7,
                    label=theory_label)
    ax.set_xscale("log")
    ax.set_yscale("log")
