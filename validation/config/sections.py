"""The ``[grid]``, ``[initial]``, ``[time]``, ``[solver]``, ``[particles]`` and ``[study]`` sections.

Each ``*_section(table)`` reads one section against its fixed keys, fills the defaults
and returns canonical data. The solver's methods and backends are those
:func:`solvers.solve` accepts (``solvers.METHODS``, ``solvers.BACKENDS``).

Two-variable (FitzHugh–Nagumo) networks: ``[grid.w]`` (lower, upper, cells) is the grid of the
recovery variable w, and makes :func:`build_grid` return a :class:`fokker.Grid2D`; the Gaussian
initial data then has a mean and a standard deviation per variable (:func:`initial_moments`).
Which of the two a network needs is checked against the network by
:func:`check_dimensions` once the network is built.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import solvers
from fokker import Grid, Grid2D

from .reader import (REQUIRED, ConfigError, Table, read_integer, read_list, read_number, read_per_population)

if TYPE_CHECKING:
    from fokker import Network

STUDY_KINDS = ("particles", "pde")
MEASURES = {"particles": ("mean", "std", "activity", "w1"),
            "pde": ("mean", "std", "activity", "balance_voltage", "density")}
SWEEP_KEYS = {"particles": ("gamma", "n", "seed"), "pde": ("gamma",)}


def _interval(t: Table, count: str, defaults: tuple = (REQUIRED, REQUIRED, REQUIRED)) -> dict:
    """``lower`` < ``upper`` and a number of cells >= 3 (key ``count``) of one grid direction."""
    out = {"lower": t.number("lower", defaults[0]), "upper": t.number("upper", defaults[1]),
           count: t.integer(count, defaults[2], low=3)}
    if not out["upper"] > out["lower"]:
        t.error("upper", f"must be > {t.key_path('lower')} = {out['lower']!r}, got {out['upper']!r}")
    return out


def grid_section(t: Table) -> dict:
    """[grid]: the voltage interval (lower, upper, nx); with ``[grid.w]`` (lower, upper, cells, all
    required) also the recovery-variable interval of a two-variable network."""
    out = _interval(t, "nx", (-2.0, 2.0, 400))
    if t.has("w"):
        w = t.sub("w")
        out["w"] = _interval(w, "cells")
        w.finish()
    t.seen.append("w")
    t.finish()
    return out


def build_grid(spec: dict) -> Grid | Grid2D:
    """The grid of a canonical ``grid`` section: a :class:`fokker.Grid` on [lower, upper] with nx cells,
    or, with a ``w`` entry, the :class:`fokker.Grid2D` of that voltage grid and the w-grid."""
    x = Grid(spec["lower"], spec["upper"], spec["nx"])
    if "w" not in spec:
        return x
    w = spec["w"]
    return Grid2D(x, Grid(w["lower"], w["upper"], w["cells"]))


def _read_moment(source: str, path: str, value: object, **bounds) -> float | list:
    """A number, or an array whose entries are numbers or arrays of numbers (shapes are checked
    against the network by :func:`initial_moments`)."""
    def entry(p: str, v: object) -> float | list[float]:
        return read_per_population(source, p, v, **bounds)
    if isinstance(value, list):
        return read_list(source, path, value, entry)
    return read_number(source, path, value, **bounds)


def initial_section(t: Table) -> dict:
    """[initial]: a Gaussian initial density, ``mean`` and ``std`` (> 0).

    One variable: one number, or one per population. Two variables (x, w): one number (the same
    for x and w), a pair [x, w], or one pair per population.
    """
    out = {"mean": _read_moment(t.source, t.key_path("mean"), t.raw("mean", 0.0)),
           "std": _read_moment(t.source, t.key_path("std"), t.raw("std", 0.25), low=0.0, low_open=True)}
    t.finish()
    return out


def _moment_array(value: object, P: int, variables: int) -> np.ndarray | None:
    """``value`` as an array of shape (P,) (one variable) or (P, 2) (two), or None if it has no such form."""
    if not isinstance(value, list):
        return np.full((P,) if variables == 1 else (P, 2), float(value))
    nested = [isinstance(v, list) for v in value]
    if variables == 1:
        return np.array(value, dtype=float) if len(value) == P and not any(nested) else None
    if len(value) == 2 and not any(nested):
        return np.tile(np.array(value, dtype=float), (P, 1))
    if len(value) == P and all(nested) and all(len(v) == 2 for v in value):
        return np.array(value, dtype=float)
    return None


def initial_moments(spec: dict, P: int, variables: int = 1, source: str = "<config>") -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) of a canonical ``initial`` section for P populations: shape (P,) each for one
    variable, (P, 2) each (columns x, w) for two. ConfigError at ``initial.mean`` / ``initial.std``
    when the value has neither form."""
    allowed = (f"one number or {P} numbers (one per population)" if variables == 1 else
               f"one number (the same for x and w), a pair [x, w] or {P} pair{'s' * (P != 1)} [x, w] "
               "(one per population)")
    out = []
    for key in ("mean", "std"):
        arr = _moment_array(spec[key], P, variables)
        if arr is None:
            raise ConfigError(source, f"initial.{key}", f"must be {allowed}, got {spec[key]!r}")
        out.append(arr)
    return out[0], out[1]


def build_initial(spec: dict, grid: Grid | Grid2D, net: "Network | int", source: str = "<config>") -> np.ndarray:
    """Gaussian initial densities of a canonical ``initial`` section on ``grid``, one per population.

    ``net``: the network (or its number of populations P). Shape (P, nx) on a :class:`fokker.Grid`
    (cell averages of N(mean, std²)), (P, nx, nw) on a :class:`fokker.Grid2D` (products of the x and
    w cell averages); each renormalised to unit mass on the grid.
    """
    two = isinstance(grid, Grid2D)
    if not two and not isinstance(grid, Grid):
        raise TypeError(f"grid must be a Grid or a Grid2D, got {type(grid).__name__} {grid!r}")
    variables = 2 if two else 1
    if isinstance(net, int) and not isinstance(net, bool):
        P = net
    else:
        P = net.P
        if net.variables != variables:
            raise ValueError(f"grid {grid!r} is for {variables}-variable populations but the network's "
                             f"populations have {net.variables} variable(s)")
    mean, std = initial_moments(spec, P, variables, source)
    return np.stack([grid.gaussian(m, s) for m, s in zip(mean, std)])


def check_dimensions(data: dict, net: "Network", source: str = "<config>") -> None:
    """The grid and the initial data fit the network: ``[grid.w]`` present exactly for two-variable
    networks, initial moments of a form :func:`initial_moments` accepts."""
    has_w = "w" in data["grid"]
    if net.variables == 2 and not has_w:
        raise ConfigError(source, "grid.w", "is required for a network of two-variable (FitzHugh–Nagumo) "
                          "populations: add a [grid.w] table with lower, upper and cells (the recovery-variable grid)")
    if net.variables == 1 and has_w:
        raise ConfigError(source, "grid.w", "not allowed: the network's populations have one variable "
                          "(the voltage); [grid.w] is the recovery-variable grid of two-variable "
                          "(FitzHugh–Nagumo) networks")
    initial_moments(data["initial"], net.P, net.variables, source)


def time_section(t: Table) -> dict:
    t0 = t.number("t0", 0.0)
    t1 = t.number("t1", 1.0)
    if not t1 > t0:
        t.error("t1", f"must be > time.t0 = {t0!r}, got {t1!r}")
    out = {"t0": t0, "t1": t1, "dt": t.number("dt", 0.01, low=0.0, low_open=True, high=t1 - t0),
           "n_out": t.integer("n_out", 101, low=2)}
    t.finish()
    return out


def solver_section(t: Table) -> dict:
    out = {"method": t.string("method", "bdf2", tuple(solvers.METHODS)),
           "backend": t.string("backend", "native", tuple(solvers.BACKENDS)),
           "tol": t.number("tol", 1e-10, low=0.0, low_open=True, high=1e-2)}
    t.finish()
    return out


def particles_section(t: Table, time: dict) -> dict:
    out = {"n": t.integer("n", 10_000, low=1), "seed": t.integer("seed", 0, low=0),
           "dt": t.number("dt", time["dt"], low=0.0, low_open=True, high=time["t1"] - time["t0"]),
           "memory_budget_mb": t.number("memory_budget_mb", 1024.0, low=1.0)}
    t.finish()
    return out


def study_section(t: Table, default_name: str) -> dict:
    name = t.string("name", default_name)
    if any(c in name for c in '/\\:') or name.startswith("."):
        t.error("name", f"must be usable as a folder name (no '/', '\\', ':' or leading '.'), got {name!r}")
    kind = t.string("kind", "particles", STUDY_KINDS)
    allowed = MEASURES[kind]
    def choice(path: str, value: object) -> str:
        if not (isinstance(value, str) and value in allowed):
            raise ConfigError(t.source, path, f"must be one of {list(allowed)} for a {kind!r} study, got {value!r}")
        return value
    default_measure = list(allowed[:3] if kind == "pde" else allowed)
    measure = read_list(t.source, t.key_path("measure"), t.raw("measure", default_measure), choice)
    if len(set(measure)) != len(measure):
        t.error("measure", f"must not repeat entries, got {measure}")
    s = t.sub("sweep", {})
    readers = {"gamma": lambda p, v: read_number(t.source, p, v, low=0.0),
               "n": lambda p, v: read_integer(t.source, p, v, 1),
               "seed": lambda p, v: read_integer(t.source, p, v, 0)}
    sweep = {}
    for key in SWEEP_KEYS[kind]:
        if s.has(key):
            values = read_list(t.source, s.key_path(key), s.raw(key), readers[key])
            if len(set(values)) != len(values):
                s.error(key, f"must not repeat values, got {values}")
            sweep[key] = values
    s.seen.extend(SWEEP_KEYS[kind])
    s.finish()
    t.finish()
    return {"name": name, "kind": kind, "measure": measure, "sweep": sweep}
