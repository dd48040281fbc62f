"""Initial particle states of :func:`validation.particles.simulate_particles`: arrays, callables, grid densities."""
from __future__ import annotations

import numpy as np

from fokker import checks
from fokker.grid import Grid, Grid2D
from fokker.network import Network

INITIAL_FORMS = ("an array (P, n) or (n,) when P == 1, a callable (rng, n) -> that array, or a pair "
                 "(grid, p0) with a fokker.Grid and p0 (nx,) or (P, nx)")
INITIAL_FORMS_2D = ("an array (P, n, 2) or (n, 2) when P == 1 (last axis: x, w), a callable (rng, n) -> "
                    "that array, or a pair (grid2d, p0) with a fokker.Grid2D and p0 (nx, nw) or (P, nx, nw)")


def initial_state(initial, net: Network, n: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """Initial voltages (P, n) and, for a two-variable network, recovery variables (P, n), validated."""
    P, two = net.P, net.variables == 2
    forms = INITIAL_FORMS_2D if two else INITIAL_FORMS
    if isinstance(initial, tuple) and len(initial) == 2 and isinstance(initial[0], (Grid, Grid2D)):
        grid = initial[0]
        if isinstance(grid, Grid2D) != two:
            raise ValueError(f"initial: a {type(grid).__name__} density needs a "
                             f"{'two' if isinstance(grid, Grid2D) else 'one'}-variable network, but this "
                             f"network has {net.variables} variable(s) per neuron; allowed: {forms}")
        values = (sample_density_2d if two else sample_density)(grid, initial[1], n, rng, P=P)
    elif callable(initial):
        values = initial(rng, n)
    elif initial is None:
        raise TypeError(f"initial is required: {forms}")
    else:
        values = initial
    x = checks.finite_array("initial positions", values)
    if two:
        if x.ndim == 2 and P == 1:
            x = x[None]
        if x.shape != (P, n, 2):
            allowed = f"({P}, {n}, 2)" + (f" or ({n}, 2)" if P == 1 else "")
            raise ValueError(f"initial positions must have shape {allowed} (P populations × n neurons × "
                             f"(x, w)) for this two-variable network, got {x.shape}")
        return np.array(x[..., 0], dtype=float, order="C"), np.array(x[..., 1], dtype=float, order="C")
    if x.ndim == 1 and P == 1:
        x = x[None, :]
    if x.shape != (P, n):
        allowed = f"({P}, {n})" + (f" or ({n},)" if P == 1 else "")
        raise ValueError(f"initial positions must have shape {allowed} (P populations × n neurons), "
                         f"got {x.shape}")
    return np.array(x, dtype=float, order="C"), None


def sample_density(grid: Grid, density, n: int, rng: np.random.Generator, *, P: int = 1) -> np.ndarray:
    """n samples per population from piecewise-constant densities on ``grid``: (P, n) (or (n,) if density is 1-D).

    Inverse CDF: a cell is chosen with probability p_i h / Σ p h, then a uniform point inside it.
    """
    p = checks.finite_array("initial density", density, nonnegative=True)
    one = p.ndim == 1
    p2 = p[None, :] if one else p
    if p2.shape != (P, grid.nx) and not (one and p2.shape[1] == grid.nx):
        raise ValueError(f"initial density must have shape ({grid.nx},) or ({P}, {grid.nx}) on {grid}, "
                         f"got {p.shape}")
    out = np.empty((p2.shape[0], n))
    for a, row in enumerate(p2):
        cdf = np.cumsum(row) * grid.width
        total = cdf[-1]
        if not total > 0:
            raise ValueError(f"initial density of population {a} has no mass")
        v = rng.random(n) * total
        cell = np.minimum(np.searchsorted(cdf, v, side="right"), grid.nx - 1)
        below = np.where(cell > 0, cdf[cell - 1], 0.0)
        frac = np.clip((v - below) / (row[cell] * grid.width), 0.0, 1.0)
        out[a] = grid.faces[cell] + frac * grid.width
    if one and P > 1:
        out = np.repeat(out, P, axis=0)
    return out[0] if one and P == 1 else out


def sample_density_2d(grid: Grid2D, density, n: int, rng: np.random.Generator, *, P: int = 1) -> np.ndarray:
    """n samples (x, w) per population from piecewise-constant densities on ``grid``: (P, n, 2) ((n, 2) if
    density is (nx, nw) and P == 1; a single (nx, nw) density is used for every population).

    A cell is chosen with probability p_ij h_x h_w / Σ p h_x h_w (inverse CDF of the flattened
    cells), then a uniform point inside it.
    """
    if not isinstance(grid, Grid2D):
        raise TypeError(f"grid must be a fokker.Grid2D, got {type(grid).__name__}")
    p = checks.finite_array("initial density", density, nonnegative=True)
    one = p.ndim == 2
    p3 = p[None] if one else p
    if p3.shape[1:] != grid.shape or (not one and p3.shape[0] != P):
        raise ValueError(f"initial density must have shape {grid.shape} or ({P}, {grid.shape[0]}, "
                         f"{grid.shape[1]}) on {grid!r}, got {p.shape}")
    nw = grid.shape[1]
    out = np.empty((p3.shape[0], n, 2))
    for a, cells in enumerate(p3.reshape(p3.shape[0], -1)):      # a loop over populations
        cdf = np.cumsum(cells) * grid.cell_area
        total = cdf[-1]
        if not total > 0:
            raise ValueError(f"initial density of population {a} has no mass")
        cell = np.minimum(np.searchsorted(cdf, rng.random(n) * total, side="right"), cells.size - 1)
        i, j = np.divmod(cell, nw)
        u = rng.random((n, 2))
        out[a, :, 0] = grid.x.faces[i] + u[:, 0] * grid.x.width
        out[a, :, 1] = grid.w.faces[j] + u[:, 1] * grid.w.width
    if one and P > 1:
        out = np.repeat(out, P, axis=0)
    return out[0] if one and P == 1 else out
