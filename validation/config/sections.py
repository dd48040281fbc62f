"""The ``[grid]``, ``[initial]``, ``[time]``, ``[solver]``, ``[particles]`` and ``[study]`` sections.

Each ``*_section(table)`` reads one section against its fixed keys, fills the defaults
and returns canonical data. The solver's methods and backends are those
:func:`solvers.solve` accepts (``solvers.METHODS``, ``solvers.BACKENDS``).
"""
from __future__ import annotations

import solvers

from .reader import ConfigError, Table, read_integer, read_list, read_number, read_per_population

STUDY_KINDS = ("particles", "pde")
MEASURES = {"particles": ("mean", "std", "activity", "w1"),
            "pde": ("mean", "std", "activity", "balance_voltage", "density")}
SWEEP_KEYS = {"particles": ("gamma", "n", "seed"), "pde": ("gamma",)}


def grid_section(t: Table) -> dict:
    out = {"lower": t.number("lower", -2.0), "upper": t.number("upper", 2.0), "nx": t.integer("nx", 400, low=3)}
    if not out["upper"] > out["lower"]:
        t.error("upper", f"must be > grid.lower = {out['lower']!r}, got {out['upper']!r}")
    t.finish()
    return out


def initial_section(t: Table) -> dict:
    out = {"mean": read_per_population(t.source, t.key_path("mean"), t.raw("mean", 0.0)),
           "std": read_per_population(t.source, t.key_path("std"), t.raw("std", 0.25), low=0.0, low_open=True)}
    t.finish()
    return out


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
