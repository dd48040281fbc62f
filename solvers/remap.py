"""Moving densities between grids and affine coordinates, conserving mass and positivity.

A density Y ~ q on a source grid (cell averages) is carried to X = shift + scale · Y
on a destination grid through distribution functions: F_Y at the source faces is
exact (cumulative cell masses); it is interpolated by a monotone cubic (PCHIP),
so the destination cell masses F_Y((x_{j+1} − shift)/scale) − F_Y((x_j − shift)/scale)
are non-negative, add up to the mass inside the destination interval, and are
third-order accurate for smooth densities.
"""
from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from fokker import Grid


def transfer(q: np.ndarray, source: Grid, destination: Grid, shift=0.0, scale=1.0) -> np.ndarray:
    """Cell averages on ``destination`` of X = shift + scale · Y, Y with density q on ``source``.

    q: (..., n_src); shift and scale broadcast against q's leading axes (scale > 0).
    Returns (..., n_dst).
    """
    return transfer_rows(np.asarray(q, dtype=float)[..., None, :], source, destination, shift, scale)[..., 0, :]


def transfer_rows(q: np.ndarray, source: Grid, destination: Grid, shift=0.0, scale=1.0) -> np.ndarray:
    """:func:`transfer` of every row of q (..., R, n_src) with one (shift, scale) per leading index.

    shift and scale broadcast against q.shape[:-2] (scale > 0): the R rows of a leading index share
    the map, so one monotone cubic interpolates all of them (e.g. the w-rows of a two-variable density
    carried along the voltage). Returns (..., R, n_dst).
    """
    q = np.asarray(q, dtype=float)
    lead = q.shape[:-2]
    shift = np.broadcast_to(np.asarray(shift, dtype=float), lead)
    scale = np.broadcast_to(np.asarray(scale, dtype=float), lead)
    if np.any(scale <= 0):
        raise ValueError("transfer needs scale > 0")
    cdf = source.cdf(q).reshape((-1,) + q.shape[-2:-1] + (source.nx + 1,))
    out = np.empty(cdf.shape[:-1] + (destination.nx,))
    for i, (c, a, b) in enumerate(zip(cdf, shift.ravel(), scale.ravel())):   # loop over populations/times
        y = np.clip((destination.faces - a) / b, source.lower, source.upper)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):   # scipy masks flat segments
            F = PchipInterpolator(source.faces, c, axis=-1)(y)
        out[i] = np.maximum(np.diff(F, axis=-1), 0.0) / destination.width
    return out.reshape(lead + q.shape[-2:-1] + (destination.nx,))
