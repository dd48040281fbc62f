"""Warnings about truncation and resolution, each issued once per solve with numbers."""
from __future__ import annotations

import numpy as np

from fokker.checks import warn

BOUNDARY_MASS_TOL = 1e-8     # mass allowed in an end cell before the truncation shows
CELLS_PER_WIDTH = 5.0        # cells wanted across the balanced width σ / √(2 γ A)


class TruncationWarning(UserWarning):
    """The density is not negligible at the ends of the truncated interval."""


class ResolutionWarning(UserWarning):
    """The grid is too coarse for the expected width σ / √(2 γ A) of the density."""


def check_boundary(p: np.ndarray, h: float, t: float, names: list[str], warned: set,
                   advice: str = "widen the grid") -> None:
    """Warn once if an end cell holds more than BOUNDARY_MASS_TOL of the mass."""
    if "boundary" in warned:
        return
    ends = np.maximum(p[:, 0], p[:, -1]) * h
    if np.any(ends > BOUNDARY_MASS_TOL):
        a = int(np.argmax(ends))
        warned.add("boundary")
        warn(f"population {names[a]!r}: an end cell holds mass {ends[a]:.2e} "
                      f"(> {BOUNDARY_MASS_TOL:g}) at t={t:g}; the truncation of the interval is "
                      f"visible: {advice}", TruncationWarning)


RESOLUTION_ADVICE = "refine the grid or use the desingularised frame"


def check_resolution(width: np.ndarray, h: float, names: list[str], warned: set,
                     advice: str = RESOLUTION_ADVICE) -> None:
    """Warn once if fewer than CELLS_PER_WIDTH cells span the expected width."""
    if "resolution" in warned:
        return
    cells = width / h
    if np.any(cells < CELLS_PER_WIDTH):
        a = int(np.argmin(cells))
        warned.add("resolution")
        warn(f"population {names[a]!r}: expected width σ/√(2γA) = {width[a]:.3e} spans only "
                      f"{cells[a]:.2f} cells of width {h:.3e} (want >= {CELLS_PER_WIDTH:g}); {advice}",
             ResolutionWarning)


def check_outputs(widths, densities: np.ndarray, h: float, times: np.ndarray, names: list[str],
                  advice: str = RESOLUTION_ADVICE) -> None:
    """Resolution and boundary checks at every output: ``widths`` expected widths (nt, P) (or a list of
    (P,) arrays), densities (nt, P, n). Vectorised over the outputs; each warning is issued once, at
    the first output where it applies, in time order (resolution first at equal times)."""
    if len(times) == 0:
        return
    cells = np.asarray(widths, dtype=float).reshape(len(times), -1) / h
    ends = np.maximum(densities[:, :, 0], densities[:, :, -1]) * h
    coarse = np.flatnonzero((cells < CELLS_PER_WIDTH).any(axis=1))
    truncated = np.flatnonzero((ends > BOUNDARY_MASS_TOL).any(axis=1))
    events = ([(int(coarse[0]), 0)] if coarse.size else []) + ([(int(truncated[0]), 1)] if truncated.size else [])
    warned: set = set()
    for k, kind in sorted(events):
        if kind == 0:
            check_resolution(cells[k] * h, h, names, warned, advice)
        else:
            check_boundary(densities[k], h, float(times[k]), names, warned)
