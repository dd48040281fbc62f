"""The ``[network]`` section: a preset with overrides, or populations, channels, weights and
electrical (gap-junction) weights.

Written out, a network is ``populations`` (name, sigma, intrinsic and, for two-variable
intrinsics, sigma_w), ``channels``, the chemical ``weights`` J (P × K) and optionally
``electrical`` G (P × P, entries >= 0). ``channels`` may be empty (``channels = []`` or
omitted, then ``weights`` may be omitted too) when ``electrical`` is given; the model then
requires every population to receive electrical input. An intrinsic is a ``{kind = ...}``
spec: ``leak``, ``cubic`` or ``fitzhugh_nagumo`` (a, b, c, current, cubic, defaults those of
:class:`fokker.FitzHughNagumo`, checked by its constructor so that a bad value is reported at
its key, e.g. ``network.populations[0].intrinsic.c: must be > 0.0, got -1.0``).

A preset's overrides are the keyword arguments of its function in :data:`fokker.presets.PRESETS`,
read from its signature (:func:`preset_keywords`); a preset that forwards ``**kwargs`` to
other presets also accepts theirs. How a keyword's value is read follows from its default
and the number of populations P of the preset: model objects by name (``intrinsic`` — one
spec, or P; ``exc`` and ``inh`` — a sigmoid spec; ``drive`` — an
activity), ``sigma`` a number > 0 and ``sigma_w`` a number >= 0 (or P of them), ``electrical``
a number >= 0 (its meaning is the preset's) or a P × P array of numbers >= 0, ``current`` one
number, every other number or array of numbers of the default's shape (entries >= 0 for
``*weights``). Keywords of no such kind cannot be set from a file.
"""
from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from functools import cache

import numpy as np

from fokker import Cubic, FitzHughNagumo, Leak, Network, Sigmoid, presets
from fokker.intrinsic import variables_of
from fokker.network import Channel, Population

from .reader import (REQUIRED, ConfigError, Table, kind_of, model_check, read_list, read_matrix, read_number,
                     read_per_population, read_spec)

INTRINSIC_CLASSES = {"leak": Leak, "cubic": Cubic, "fitzhugh_nagumo": FitzHughNagumo}
"""The model class of each intrinsic kind; a spec's parameters are its constructor's keywords."""
MODEL_CHECKED = ("fitzhugh_nagumo",)
"""Intrinsic kinds whose parameter ranges are checked by the model class's own constructor."""
INTRINSIC_KINDS = {"leak": {"rate": {"default": 1.0, "low": 0.0}, "rest": {"default": 0.0}},
                   "cubic": {"current": {"default": 0.0}},
                   "fitzhugh_nagumo": {f.name: {"default": f.default} for f in dataclasses.fields(FitzHughNagumo)}}
ACTIVATION_KINDS = {"sigmoid": {"s_max": {"default": 1.0, "low": 0.0, "low_open": True},
                                "slope": {"default": 1.0}, "threshold": {"default": 0.0}}}
ACTIVITY_KINDS = {"constant": {"value": {"low": 0.0}},
                  "sinusoid": {"mean": {"default": 0.5, "low": 0.0}, "amplitude": {"default": 0.25, "low": 0.0},
                               "period": {"default": 1.0, "low": 0.0, "low_open": True}},
                  "step": {"before": {"default": 0.25, "low": 0.0}, "after": {"default": 0.75, "low": 0.0},
                           "at": {"default": 1.0}}}


def read_intrinsic(source, path, value):
    """A ``{kind = "leak" | "cubic" | "fitzhugh_nagumo", ...}`` spec; for the model-checked kinds each
    parameter is given to the class's constructor alone, so that a refused value names its own key."""
    spec = read_spec(source, path, value, INTRINSIC_KINDS)
    if spec["kind"] in MODEL_CHECKED:
        cls = INTRINSIC_CLASSES[spec["kind"]]
        for name, number in spec.items():
            if name != "kind":
                model_check(source, f"{path}.{name}", lambda: cls(**{name: number}), f"{cls.__name__}.{name}")
    return spec


def read_activation(source, path, value):
    return read_spec(source, path, value, ACTIVATION_KINDS)


def read_activity(source, path, value):
    """A number >= 0 (constant activity) or a constant / sinusoid / step table."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"kind": "constant", "value": value}
    spec = read_spec(source, path, value, ACTIVITY_KINDS)
    if spec["kind"] == "sinusoid" and spec["amplitude"] > spec["mean"]:
        raise ConfigError(source, f"{path}.amplitude",
                          f"must be <= mean = {spec['mean']!r} so that a(t) >= 0, got {spec['amplitude']!r}")
    return spec


def build_intrinsic(spec: dict):
    """The model object of a canonical intrinsic spec (:data:`INTRINSIC_CLASSES`)."""
    return INTRINSIC_CLASSES[spec["kind"]](**{k: v for k, v in spec.items() if k != "kind"})


def build_activation(spec: dict) -> Sigmoid:
    return Sigmoid(spec["s_max"], spec["slope"], spec["threshold"])


def build_activity(spec: dict):
    if spec["kind"] == "constant":
        return spec["value"]
    if spec["kind"] == "sinusoid":
        return presets.sinusoid(spec["mean"], spec["amplitude"], spec["period"])
    return presets.step(spec["before"], spec["after"], spec["at"])


# -- preset overrides, from the preset functions' signatures ---------------------------------
Reader = Callable[[str, str, object], object]
MODEL_OBJECTS = {"exc": "activation", "inh": "activation", "intrinsic": "intrinsic", "drive": "activity"}
"""Preset keywords whose value is a model object, and the kind of spec that describes it."""
NUMBER_KEYWORDS = ("current",)
"""Preset keywords with a None default that take one number."""
NOISE_KEYWORDS = {"sigma": {"low": 0.0, "low_open": True}, "sigma_w": {"low": 0.0}}
"""Preset keywords of noise amplitudes (one number, or one per population), with their bounds."""


def preset_keywords(name: str) -> dict[str, inspect.Parameter]:
    """The keyword parameters of ``presets.PRESETS[name]`` after γ, in signature order.

    A preset with ``**kwargs`` forwards them to the presets it calls (found in its code's
    global names), so their keywords are added after its own.
    """
    func = presets.PRESETS[name]
    params = list(inspect.signature(func).parameters.values())[1:]
    out = {p.name: p for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    if any(p.kind is p.VAR_KEYWORD for p in params):
        for other, target in presets.PRESETS.items():
            if target is not func and target.__name__ in func.__code__.co_names:
                for key, p in preset_keywords(other).items():
                    out.setdefault(key, p)
    return out


def _numbers(shape: tuple[int, ...], **bounds) -> tuple[Reader, Callable]:
    """A reader of a number (shape ()) or a nested array of numbers of ``shape``, and its builder."""
    if not shape:
        return (lambda s, p, v: read_number(s, p, v, **bounds)), (lambda v: v)
    inner, _ = _numbers(shape[1:], **bounds)
    build = tuple if len(shape) == 1 else (lambda v: [tuple(row) for row in v])
    return (lambda s, p, v: read_list(s, p, v, lambda q, w: inner(s, q, w), length=shape[0])), build


def _override(key: str, default: object, P: int) -> tuple[Reader, Callable] | None:
    """(reader, builder) of one preset keyword (module docstring), or None if it cannot be configured."""
    kind = MODEL_OBJECTS.get(key)
    if kind == "activation":
        return read_activation, build_activation
    if kind == "activity":
        return read_activity, build_activity
    if kind == "intrinsic":
        if P == 1:
            return read_intrinsic, build_intrinsic
        return _per_population_intrinsic(P)
    if key in NOISE_KEYWORDS:
        bounds = NOISE_KEYWORDS[key]
        if P == 1:
            return (lambda s, p, v: read_number(s, p, v, **bounds)), (lambda v: v)
        return (lambda s, p, v: read_per_population(s, p, v, **bounds)), (lambda v: v)
    if key == "electrical":
        return _electrical_override(P)
    if key in NUMBER_KEYWORDS:
        return (lambda s, p, v: read_number(s, p, v)), (lambda v: v)
    if default is None or isinstance(default, (bool, str)) or callable(default):
        return None
    try:
        shape = np.shape(np.asarray(default, dtype=float))
    except (TypeError, ValueError):
        return None
    return _numbers(shape, **({"low": 0.0} if key.endswith("weights") else {}))


def _per_population_intrinsic(P: int) -> tuple[Reader, Callable]:
    """One intrinsic spec for every population, or an array of P specs."""
    def read(s, p, v):
        if isinstance(v, list):
            return read_list(s, p, v, lambda q, w: read_intrinsic(s, q, w), length=P)
        return read_intrinsic(s, p, v)
    return read, lambda v: [build_intrinsic(x) for x in (v if isinstance(v, list) else [v] * P)]


def _electrical_override(P: int) -> tuple[Reader, Callable]:
    """A number >= 0, or a P × P array of numbers >= 0; for P = 1 the array [[g]] is canonically g."""
    def read(s, p, v):
        if not isinstance(v, list):
            return read_number(s, p, v, low=0.0)
        matrix = read_matrix(s, p, v, P, P, low=0.0)
        return matrix[0][0] if P == 1 else matrix
    return read, lambda v: v if not isinstance(v, list) else [tuple(row) for row in v]


@cache
def overrides_schema(preset: str) -> dict[str, tuple[Reader, Callable]]:
    """Per configurable keyword of the preset: (reader, builder), in signature order."""
    P = presets.PRESETS[preset](1.0).P
    schema = {key: _override(key, p.default, P) for key, p in preset_keywords(preset).items()}
    return {key: entry for key, entry in schema.items() if entry is not None}


def network_section(t: Table) -> dict:
    gamma = t.number("gamma", 1.0, low=0.0)
    if not t.has("populations"):
        name = t.string("preset", "ei_single", choices=tuple(presets.PRESETS))
        schema = overrides_schema(name)
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
                f"(or give network.preset, one of {list(presets.PRESETS)}), got {kind_of(pops_raw)}")
    populations = [population_entry(Table(t.source, t.key_path(f"populations[{i}]"), raw))
                   for i, raw in enumerate(pops_raw)]
    P = len(populations)
    electrical = read_matrix(t.source, t.key_path("electrical"), t.raw("electrical"), P, P, low=0.0) \
        if t.has("electrical") else None
    t.seen.append("electrical")
    if electrical is None and not t.has("channels"):
        t.error("channels", "is required: an array of tables [[network.channels]] (it may be empty "
                "when network.electrical is given)")
    chans_raw = t.raw("channels", [])
    if not isinstance(chans_raw, list) or not (chans_raw or electrical is not None):
        t.error("channels", f"must be a non-empty array of tables [[network.channels]] (it may be empty "
                f"when network.electrical is given), got {kind_of(chans_raw)}")
    channels = []
    for i, raw in enumerate(chans_raw):
        c = Table(t.source, t.key_path(f"channels[{i}]"), raw)
        ch = {"name": c.string("name"), "reversal": c.number("reversal")}
        if c.has("source"):
            ch["source"] = c.string("source")
            ch["activation"] = read_activation(t.source, c.key_path("activation"), c.raw("activation"))
            if c.has("activity"):
                c.error("activity", "not allowed on a channel with a source population "
                        "(an external channel has no 'source' and an 'activity' instead)")
        else:
            ch["activity"] = read_activity(t.source, c.key_path("activity"), c.raw("activity"))
            if c.has("activation"):
                c.error("activation", "not allowed on an external channel (no 'source')")
        c.finish()
        channels.append(ch)
    K = len(channels)
    weights = read_matrix(t.source, t.key_path("weights"), t.raw("weights", [[]] * P if K == 0 else REQUIRED),
                          P, K, low=0.0)
    t.finish()
    out = {"gamma": gamma, "populations": populations, "channels": channels, "weights": weights}
    if electrical is not None:
        out["electrical"] = electrical
    return out


def population_entry(p: Table) -> dict:
    """One ``[[network.populations]]`` table: name, sigma, intrinsic and sigma_w.

    ``sigma_w`` (recovery noise, default 0) is checked by :class:`fokker.network.Population`
    and kept in the canonical data of two-variable populations only (a one-variable population
    has no recovery variable, so its only allowed value is the default 0).
    """
    name = p.string("name")
    entry = {"name": name, "sigma": p.number("sigma", 1.0, low=0.0, low_open=True),
             "intrinsic": read_intrinsic(p.source, p.key_path("intrinsic"), p.raw("intrinsic", {"kind": "leak"}))}
    sigma_w = p.number("sigma_w", 0.0)
    intrinsic = build_intrinsic(entry["intrinsic"])
    model_check(p.source, p.key_path("sigma_w"), lambda: Population(name, intrinsic, sigma_w=sigma_w),
                f"sigma_w of population {name!r}")
    if variables_of(intrinsic) == 2:
        entry["sigma_w"] = sigma_w
    p.finish()
    return entry


def build_network(spec: dict, gamma: float | None = None) -> Network:
    """The :class:`fokker.Network` described by a canonical ``network`` section (γ overridable)."""
    g = spec["gamma"] if gamma is None else gamma
    if "preset" in spec:
        schema = overrides_schema(spec["preset"])
        kwargs = {k: schema[k][1](v) for k, v in spec["overrides"].items()}
        return presets.PRESETS[spec["preset"]](g, **kwargs)
    pops = [Population(p["name"], build_intrinsic(p["intrinsic"]), p["sigma"], p.get("sigma_w", 0.0))
            for p in spec["populations"]]
    chans = [Channel(c["name"], c["reversal"], build_activation(c["activation"]), source=c["source"])
             if "source" in c else Channel(c["name"], c["reversal"], source=None, activity=build_activity(c["activity"]))
             for c in spec["channels"]]
    return Network(pops, chans, spec["weights"], g, electrical=spec.get("electrical"))


def checked_network(source: str, spec: dict) -> Network:
    """:func:`build_network`, with the model's TypeError/ValueError as a :class:`ConfigError`.

    For a preset the error is located at the first override that the preset refuses on its own
    (``network.overrides.<key>``), or at ``network.overrides`` when only a combination is refused
    (e.g. both ``intrinsic`` and ``current``); for a written-out network at ``network``.
    """
    try:
        return build_network(spec)
    except (TypeError, ValueError) as exc:
        error = exc
        path = "network.overrides" if "preset" in spec and spec["overrides"] else "network"
    if "preset" in spec:
        for key, value in spec["overrides"].items():
            try:
                build_network({**spec, "overrides": {key: value}})
            except (TypeError, ValueError) as exc:
                error, path = exc, f"network.overrides.{key}"
                break
    raise ConfigError(source, path, str(error).splitlines()[0])
