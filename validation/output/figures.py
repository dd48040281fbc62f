"""The one figure set-up of the package: pyplot with a non-interactive backend, log–log fits, atomic saving.

:func:`pyplot` chooses the matplotlib backend once: the one named by the ``MPLBACKEND``
environment variable when it is set, otherwise "Agg" (files only, no display needed).
:func:`loglog_fit` draws measured points, a fitted power law
(:func:`validation.metrics.fit_power`) over its fitted range and the predicted slope
through the centre of the fitted points, with "slope s ± se (theory t)" in the legend.
:func:`save_figure` writes PNG + PDF atomically and closes the figure. It draws the figure
once into a raster (Agg) canvas, takes the tight bounding box from that drawing, writes the
PNG as the cropped raster, and draws once more for the PDF with that box: two drawings per
figure (``bbox_inches="tight"`` draws every format twice; a separate layout pass would be a third). Heat maps should be drawn with
``rasterized=True`` (pcolormesh), so a PDF holds one image rather than a vector quad per cell.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..atomic import atomic_write

if TYPE_CHECKING:                    # only for the annotation: the figures do not import the metrics (scipy)
    from ..metrics.fits import PowerFit

DPI = 150
TIGHT_PAD_INCHES = 0.1
"""Resolution of the PNG files and the margin around the content (matplotlib's tight-layout default)."""


def pyplot():
    """matplotlib.pyplot, its backend chosen on first use: ``MPLBACKEND`` if set, else "Agg"."""
    import matplotlib
    if not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _raster(fig):
    """Draw ``fig`` at :data:`DPI` on an Agg canvas; (RGBA pixels, tight bounding box of the content in
    inches, not yet padded)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    dpi = fig.dpi
    fig.dpi = DPI
    try:
        canvas.draw()
        bbox = fig.get_tightbbox(canvas.get_renderer())
        pixels = np.asarray(canvas.buffer_rgba())
    finally:
        fig.dpi = dpi
    return pixels, bbox


def _write_png(pixels: np.ndarray, bbox, background: np.ndarray, path: str) -> None:
    """The pixels inside ``bbox`` (inches from the lower left corner) as a PNG file; the parts of
    ``bbox`` outside the drawing (the padding around content that reaches the figure's edge) are
    ``background`` (RGBA, uint8), as ``savefig`` fills them with the figure's face colour."""
    from PIL import Image
    height, width = pixels.shape[:2]
    x0, x1 = (int(round(v * DPI)) for v in (bbox.x0, bbox.x1))
    y0, y1 = (height - int(round(v * DPI)) for v in (bbox.y1, bbox.y0))
    out = np.empty((y1 - y0, x1 - x0, 4), dtype=np.uint8)
    out[...] = background
    sy0, sy1, sx0, sx1 = max(y0, 0), min(y1, height), max(x0, 0), min(x1, width)
    out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = pixels[sy0:sy1, sx0:sx1]
    Image.fromarray(out).save(path, format="png", dpi=(DPI, DPI))


def save_figure(fig, stem: str | Path, formats: tuple[str, ...] = ("png", "pdf")) -> list[Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf`` (atomically, cropped to its content) and close it.

    The PNG is the cropped raster of the one Agg drawing (module docstring), unless the content
    itself reaches beyond the figure: then, like every other format, it is drawn by ``savefig``.
    Padding that reaches beyond the figure (content close to its edge, e.g. a suptitle) is
    filled with the figure's face colour, as ``savefig`` does.
    """
    from matplotlib.colors import to_rgba_array
    plt = pyplot()
    stem = Path(stem)
    try:
        pixels, content = _raster(fig)
        bbox = content.padded(TIGHT_PAD_INCHES)
        width, height = fig.get_size_inches()
        inside = content.x0 >= 0 and content.y0 >= 0 and content.x1 <= width and content.y1 <= height
        background = np.round(255 * to_rgba_array(fig.get_facecolor())[0]).astype(np.uint8)

        def write(tmp: str, ext: str) -> None:
            if ext == "png" and inside:
                _write_png(pixels, bbox, background, tmp)
            else:
                fig.savefig(tmp, format=ext, dpi=DPI, bbox_inches=bbox)
        return [atomic_write(stem.with_suffix(f".{ext}"), lambda tmp, ext=ext: write(tmp, ext)) for ext in formats]
    finally:
        plt.close(fig)


def _uniform(values: np.ndarray) -> bool:
    steps = np.diff(values)
    return values.size > 1 and bool(np.allclose(steps, steps[0], rtol=1e-9, atol=0.0))


def heat_map(ax, x, y, values, **style):
    """``values[j, i]`` at (x_i, y_j) as cells centred on the points, raster even inside a PDF.

    Evenly spaced x and y give an image (``imshow``, the fast path); otherwise a rasterised
    ``pcolormesh`` with nearest shading. Returns the mappable (for a colour bar).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    values = np.asarray(values)
    if values.shape != (y.size, x.size):
        raise ValueError(f"values must have shape (len(y), len(x)) = {(y.size, x.size)}, got {values.shape}")
    if _uniform(x) and _uniform(y):
        hx, hy = (x[1] - x[0]) / 2, (y[1] - y[0]) / 2
        return ax.imshow(values, origin="lower", aspect="auto", interpolation="nearest",
                         extent=(x[0] - hx, x[-1] + hx, y[0] - hy, y[-1] + hy), **style)
    return ax.pcolormesh(x, y, values, shading="nearest", rasterized=True, **style)


def plain_log_scale(ax, which: str = "y") -> None:
    """A logarithmic ``which`` ("x" or "y") axis of ``ax`` labelled with plain numbers (0.05, 0.1, ...).

    The ticks that matplotlib's log formatter labels are labelled, as ``%g`` numbers rather
    than mathtext (10^k): mathtext's parser costs more to set up than drawing a small figure.
    """
    from matplotlib.ticker import LogFormatter

    class PlainLogFormatter(LogFormatter):
        def __call__(self, x, pos=None):
            return f"{x:g}" if super().__call__(x, pos) else ""

    if which not in ("x", "y"):
        raise ValueError(f"which must be 'x' or 'y', got {which!r}")
    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    axis.set_major_formatter(PlainLogFormatter())
    axis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))


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
