"""The schema of configuration files: a checked table reader, building blocks and sections.

Each ``*_section(table)`` reads one TOML section against its fixed keys, fills the
defaults and returns canonical data; every problem raises :class:`ConfigError`
naming the file, the key path and what is allowed. :mod:`validation.config` puts
the sections together into a :class:`validation.config.Config`.
"""
from __future__ import annotations

import math
from typing import Any

from fokker import Cubic, Leak, Network, Sigmoid, presets
from fokker.network import Channel, Population

REQUIRED = object()

SECTIONS = ("network", "grid", "initial", "time", "solver", "particles", "study")
SOLVER_METHODS = ("euler", "bdf2", "trbdf2")
SOLVER_BACKENDS = ("native", "fipy")
STUDY_KINDS = ("particles", "pde")
MEASURES = {"particles": ("mean", "std", "activity", "w1"),
            "pde": ("mean", "std", "activity", "balance_voltage", "density")}
SWEEP_KEYS = {"particles": ("gamma", "n", "seed"), "pde": ("gamma",)}


class ConfigError(ValueError):
    """A configuration problem: ``<file>: <key path>: <what is allowed>, got <value>`` (one line)."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source, self.path, self.message = source, path, message
        super().__init__(f"{source}: {path or '<top level>'}: {message}")


# -- reading tables against a schema -------------------------------------------------------
def _kind(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string",
            list: "array", dict: "table"}.get(type(value), type(value).__name__)


class Table:
    """One TOML table being checked: ``take`` each known key, then ``finish`` rejects the rest."""

    def __init__(self, source: str, path: str, table: object) -> None:
        self.source, self.path = source, path
        if not isinstance(table, dict):
            self.error("", f"must be a table, got {_kind(table)} {table!r}")
        self.table = table
        self.seen: list[str] = []

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path and key else (self.path or key)

    def error(self, key: str, message: str):
        raise ConfigError(self.source, self.key_path(key), message)

    def has(self, key: str) -> bool:
        return key in self.table

    def raw(self, key: str, default: object = REQUIRED) -> object:
        self.seen.append(key)
        if key not in self.table:
            if default is REQUIRED:
                self.error(key, "is required")
            return default
        return self.table[key]

    def number(self, key: str, default: object = REQUIRED, **bounds) -> float:
        return _number(self.source, self.key_path(key), self.raw(key, default), **bounds)

    def integer(self, key: str, default: object = REQUIRED, low: int = 0) -> int:
        return _integer(self.source, self.key_path(key), self.raw(key, default), low)

    def string(self, key: str, default: object = REQUIRED, choices: tuple[str, ...] | None = None) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value:
            self.error(key, f"must be a non-empty string, got {_kind(value)} {value!r}")
        if choices is not None and value not in choices:
            self.error(key, f"must be one of {list(choices)}, got {value!r}")
        return value

    def sub(self, key: str, default: object = REQUIRED) -> "Table":
        return Table(self.source, self.key_path(key), self.raw(key, default))

    def finish(self) -> None:
        unknown = [k for k in self.table if k not in self.seen]
        if unknown:
            allowed = sorted(set(self.seen))
            self.error(unknown[0], f"unknown key; allowed keys here: {allowed}")


def _number(source: str, path: str, value: object, *, low: float | None = None,
            high: float | None = None, low_open: bool = False) -> float:
    allowed = "a number"
    if low is not None:
        allowed += f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        allowed += f"{' and' if low is not None else ''} <= {high:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(source, path, f"must be {allowed}, got {_kind(value)} {value!r}")
    x = float(value)
    if not math.isfinite(x) or (low is not None and (x < low or (low_open and x == low))) \
            or (high is not None and x > high):
        raise ConfigError(source, path, f"must be {allowed} (finite), got {x!r}")
    return x


def _integer(source: str, path: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(source, path, f"must be an integer >= {low}, got {_kind(value)} {value!r}")
    if value < low:
        raise ConfigError(source, path, f"must be an integer >= {low}, got {value}")
    return value


def _list(source: str, path: str, value: object, item, *, length: int | None = None) -> list:
    if not isinstance(value, list) or not value:
        raise ConfigError(source, path, f"must be a non-empty array, got {_kind(value)} {value!r}")
    if length is not None and len(value) != length:
        raise ConfigError(source, path, f"must have {length} entries, got {len(value)}")
    return [item(f"{path}[{i}]", v) for i, v in enumerate(value)]


def _per_population(source: str, path: str, value: object, **bounds) -> float | list[float]:
    """One number, or an array of numbers (one per population)."""
    if isinstance(value, list):
        return _list(source, path, value, lambda p, v: _number(source, p, v, **bounds))
    return _number(source, path, value, **bounds)


# -- building blocks: intrinsic, activation, external activity ------------------------------
def _spec(source: str, path: str, value: object, kinds: dict[str, dict[str, dict]]) -> dict:
    """A ``{kind = "...", ...}`` inline table; ``kinds[kind]`` maps parameter -> number bounds (+ default)."""
    t = Table(source, path, value)
    kind = t.string("kind", choices=tuple(kinds))
    out: dict[str, Any] = {"kind": kind}
    for name, bounds in kinds[kind].items():
        bounds = dict(bounds)
        out[name] = t.number(name, bounds.pop("default", REQUIRED), **bounds)
    t.finish()
    return out


INTRINSIC_KINDS = {"leak": {"rate": {"default": 1.0, "low": 0.0}, "rest": {"default": 0.0}},
                   "cubic": {"current": {"default": 0.0}}}
ACTIVATION_KINDS = {"sigmoid": {"s_max": {"default": 1.0, "low": 0.0, "low_open": True},
                                "slope": {"default": 1.0}, "threshold": {"default": 0.0}}}
ACTIVITY_KINDS = {"constant": {"value": {"low": 0.0}},
                  "sinusoid": {"mean": {"default": 0.5, "low": 0.0}, "amplitude": {"default": 0.25, "low": 0.0},
                               "period": {"default": 1.0, "low": 0.0, "low_open": True}},
                  "step": {"before": {"default": 0.25, "low": 0.0}, "after": {"default": 0.75, "low": 0.0},
                           "at": {"default": 1.0}}}


def _intrinsic(source, path, value):
    return _spec(source, path, value, INTRINSIC_KINDS)


def _activation(source, path, value):
    return _spec(source, path, value, ACTIVATION_KINDS)


def _activity(source, path, value):
    """A number >= 0 (constant activity) or a constant / sinusoid / step table."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"kind": "constant", "value": value}
    spec = _spec(source, path, value, ACTIVITY_KINDS)
    if spec["kind"] == "sinusoid" and spec["amplitude"] > spec["mean"]:
        raise ConfigError(source, f"{path}.amplitude",
                          f"must be <= mean = {spec['mean']!r} so that a(t) >= 0, got {spec['amplitude']!r}")
    return spec


def build_intrinsic(spec: dict):
    return Leak(spec["rate"], spec["rest"]) if spec["kind"] == "leak" else Cubic(spec["current"])


def build_activation(spec: dict) -> Sigmoid:
    return Sigmoid(spec["s_max"], spec["slope"], spec["threshold"])


def build_activity(spec: dict):
    if spec["kind"] == "constant":
        return spec["value"]
    if spec["kind"] == "sinusoid":
        return presets.sinusoid(spec["mean"], spec["amplitude"], spec["period"])
    return presets.step(spec["before"], spec["after"], spec["at"])


# -- the network section ----------------------------------------------------------------------
def _overrides_schema(preset: str) -> dict:
    """Per preset: override key -> (reader, builder)."""
    num = (lambda s, p, v: _number(s, p, v), lambda v: v)
    single = {
        "sigma": (lambda s, p, v: _number(s, p, v, low=0.0, low_open=True), lambda v: v),
        "weights": (lambda s, p, v: _list(s, p, v, lambda q, w: _number(s, q, w, low=0.0)), tuple),
        "intrinsic": (_intrinsic, build_intrinsic),
        "exc": (_activation, build_activation), "inh": (_activation, build_activation),
        "reversal_exc": num, "reversal_inh": num,
    }
    if preset in ("ei_single", "ei_bistable"):
        return single
    pair = dict(single)
    pair["sigma"] = (lambda s, p, v: _per_population(s, p, v, low=0.0, low_open=True), lambda v: v)
    pair["weights"] = (lambda s, p, v: _list(s, p, v, lambda q, row: _list(
        s, q, row, lambda r, w: _number(s, r, w, low=0.0), length=2), length=2), lambda v: [tuple(r) for r in v])
    pair["intrinsic"] = (lambda s, p, v: _list(s, p, v, lambda q, w: _intrinsic(s, q, w), length=2),
                         lambda v: [build_intrinsic(x) for x in v])
    if preset == "driven":
        pair["drive"] = (_activity, build_activity)
        pair["drive_weights"] = (lambda s, p, v: _list(s, p, v, lambda q, w: _number(s, q, w, low=0.0),
                                                       length=2), tuple)
    return pair


def network_section(t: Table) -> dict:
    gamma = t.number("gamma", 1.0, low=0.0)
    if not t.has("populations"):
        name = t.string("preset", "ei_single", choices=tuple(presets.PRESETS))
        schema = _overrides_schema(name)
        o = t.sub("overrides", {})
        overrides = {key: schema[key][0](t.source, o.key_path(key), o.raw(key))
                     for key in schema if o.has(key)}
        o.seen.extend(schema)
        o.finish()
        t.finish()
        return {"preset": name, "gamma": gamma, "overrides": overrides}
    pops_raw = t.raw("populations")
    if not isinstance(pops_raw, list) or not pops_raw:
        t.error("populations", f"must be a non-empty array of tables [[network.populations]] "
                f"(or give network.preset, one of {list(presets.PRESETS)}), got {_kind(pops_raw)}")
    populations = []
    for i, raw in enumerate(pops_raw):
        p = Table(t.source, t.key_path(f"populations[{i}]"), raw)
        populations.append({"name": p.string("name"),
                            "sigma": p.number("sigma", 1.0, low=0.0, low_open=True),
                            "intrinsic": _intrinsic(t.source, p.key_path("intrinsic"),
                                                    p.raw("intrinsic", {"kind": "leak"}))})
        p.finish()
    chans_raw = t.raw("channels")
    if not isinstance(chans_raw, list) or not chans_raw:
        t.error("channels", f"must be a non-empty array of tables [[network.channels]], got {_kind(chans_raw)}")
    channels = []
    for i, raw in enumerate(chans_raw):
        c = Table(t.source, t.key_path(f"channels[{i}]"), raw)
        ch = {"name": c.string("name"), "reversal": c.number("reversal")}
        if c.has("source"):
            ch["source"] = c.string("source")
            ch["activation"] = _activation(t.source, c.key_path("activation"), c.raw("activation"))
            if c.has("activity"):
                c.error("activity", "not allowed on a channel with a source population "
                        "(an external channel has no 'source' and an 'activity' instead)")
        else:
            ch["activity"] = _activity(t.source, c.key_path("activity"), c.raw("activity"))
            if c.has("activation"):
                c.error("activation", "not allowed on an external channel (no 'source')")
        c.finish()
        channels.append(ch)
    P, K = len(populations), len(channels)
    weights = _list(t.source, t.key_path("weights"), t.raw("weights"), lambda p, row: _list(
        t.source, p, row, lambda q, w: _number(t.source, q, w, low=0.0), length=K), length=P)
    t.finish()
    return {"gamma": gamma, "populations": populations, "channels": channels, "weights": weights}


def build_network(spec: dict, gamma: float | None = None) -> Network:
    """The :class:`fokker.Network` described by a canonical ``network`` section (γ overridable)."""
    g = spec["gamma"] if gamma is None else gamma
    if "preset" in spec:
        schema = _overrides_schema(spec["preset"])
        kwargs = {k: schema[k][1](v) for k, v in spec["overrides"].items()}
        return presets.PRESETS[spec["preset"]](g, **kwargs)
    pops = [Population(p["name"], build_intrinsic(p["intrinsic"]), p["sigma"]) for p in spec["populations"]]
    chans = [Channel(c["name"], c["reversal"], build_activation(c["activation"]), source=c["source"])
             if "source" in c else Channel(c["name"], c["reversal"], source=None, activity=build_activity(c["activity"]))
             for c in spec["channels"]]
    return Network(pops, chans, spec["weights"], g)


# -- the other sections -------------------------------------------------------------------------
def grid_section(t: Table) -> dict:
    out = {"lower": t.number("lower", -2.0), "upper": t.number("upper", 2.0), "nx": t.integer("nx", 400, low=3)}
    if not out["upper"] > out["lower"]:
        t.error("upper", f"must be > grid.lower = {out['lower']!r}, got {out['upper']!r}")
    t.finish()
    return out


def initial_section(t: Table) -> dict:
    out = {"mean": _per_population(t.source, t.key_path("mean"), t.raw("mean", 0.0)),
           "std": _per_population(t.source, t.key_path("std"), t.raw("std", 0.25), low=0.0, low_open=True)}
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
    out = {"method": t.string("method", "bdf2", SOLVER_METHODS),
           "backend": t.string("backend", "native", SOLVER_BACKENDS),
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
    measure = _list(t.source, t.key_path("measure"), t.raw("measure", default_measure), choice)
    if len(set(measure)) != len(measure):
        t.error("measure", f"must not repeat entries, got {measure}")
    s = t.sub("sweep", {})
    readers = {"gamma": lambda p, v: _number(t.source, p, v, low=0.0),
               "n": lambda p, v: _integer(t.source, p, v, 1),
               "seed": lambda p, v: _integer(t.source, p, v, 0)}
    sweep = {}
    for key in SWEEP_KEYS[kind]:
        if s.has(key):
            values = _list(t.source, s.key_path(key), s.raw(key), readers[key])
            if len(set(values)) != len(values):
                s.error(key, f"must not repeat values, got {values}")
            sweep[key] = values
    s.seen.extend(SWEEP_KEYS[kind])
    s.finish()
    t.finish()
    return {"name": name, "kind": kind, "measure": measure, "sweep": sweep}
