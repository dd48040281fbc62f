"""Property-based tests of the configuration loader and writer (validation.config).

- Random valid configurations (presets with random overrides, or networks written out;
  every other section random or omitted) are canonical after one load: load → to_toml →
  loads gives the same data and hash, and loading the canonical data again changes nothing.
- A wrong type put at any one key of a valid configuration, a value out of range at a bounded
  key, or an unknown key in any table is refused with a ConfigError whose message names that
  key path — never another exception.
- Arbitrary text given to ``loads`` either loads or raises ConfigError.

Every property runs a fixed number of examples (``max_examples``) with ``derandomize=True``,
so a CI run is reproducible.
"""
from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validation.config import ConfigError, from_dict, loads

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# -- strategies of valid values ------------------------------------------------------------------
def real(low=-1e3, high=1e3):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


positive = st.floats(1e-3, 1e3)
nonneg = st.one_of(st.just(0.0), st.floats(1e-6, 1e3))
# Names outside the Basic Multilingual Plane do not survive the writer (see the xfail test below), so the
# round-trip property draws names from the BMP.
names = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), min_size=1, max_size=8)
study_names = names.filter(lambda s: not any(c in s for c in "/\\:") and not s.startswith("."))
sigmoid = st.fixed_dictionaries({"kind": st.just("sigmoid"), "s_max": st.floats(1e-2, 1e2),
                                 "slope": st.floats(-20.0, 20.0), "threshold": real(-2.0, 2.0)})
intrinsic = st.one_of(st.fixed_dictionaries({"kind": st.just("leak"), "rate": nonneg, "rest": real()}),
                      st.fixed_dictionaries({"kind": st.just("cubic"), "current": real()}))


@st.composite
def activity(draw):
    kind = draw(st.sampled_from(["number", "constant", "sinusoid", "step"]))
    if kind == "number":
        return draw(nonneg)
    if kind == "constant":
        return {"kind": "constant", "value": draw(nonneg)}
    if kind == "sinusoid":
        mean = draw(nonneg)
        return {"kind": "sinusoid", "mean": mean, "amplitude": draw(st.floats(0.0, 1.0)) * mean,
                "period": draw(positive)}
    return {"kind": "step", "before": draw(nonneg), "after": draw(nonneg), "at": draw(real())}


def optional_keys(draw, table: dict) -> dict:
    """A random subset of the keys (the omitted ones take their defaults)."""
    return {k: v for k, v in table.items() if draw(st.booleans())}


@st.composite
def preset_network(draw):
    preset = draw(st.sampled_from(["ei_single", "ei_bistable", "ei_pair", "driven"]))
    pair = preset in ("ei_pair", "driven")
    overrides = {"exc": draw(sigmoid), "inh": draw(sigmoid), "reversal_exc": draw(real(-2.0, 2.0)),
                 "reversal_inh": draw(real(-2.0, 2.0))}
    if pair:
        overrides["sigma"] = draw(st.one_of(positive, st.lists(positive, min_size=2, max_size=2)))
        overrides["weights"] = draw(st.lists(st.lists(nonneg, min_size=2, max_size=2), min_size=2, max_size=2))
        overrides["intrinsic"] = draw(st.lists(intrinsic, min_size=2, max_size=2))
    else:
        overrides["sigma"] = draw(positive)
        overrides["weights"] = draw(st.lists(nonneg, min_size=2, max_size=2))
        overrides["intrinsic"] = draw(intrinsic)
    if preset == "driven":
        overrides["drive"] = draw(activity())
        overrides["drive_weights"] = draw(st.lists(nonneg, min_size=2, max_size=2))
    return {"preset": preset, "gamma": draw(nonneg), "overrides": optional_keys(draw, overrides)}, 2 if pair else 1


@st.composite
def explicit_network(draw):
    pop_names = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    chan_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    populations = [{"name": n, "sigma": draw(positive), "intrinsic": draw(intrinsic)} for n in pop_names]
    channels = []
    for n in chan_names:
        if draw(st.booleans()):
            channels.append({"name": n, "reversal": draw(real(-2.0, 2.0)), "source": draw(st.sampled_from(pop_names)),
                             "activation": draw(sigmoid)})
        else:
            channels.append({"name": n, "reversal": draw(real(-2.0, 2.0)), "activity": draw(activity())})
    weights = draw(st.lists(st.lists(nonneg, min_size=len(channels), max_size=len(channels)),
                            min_size=len(populations), max_size=len(populations)))
    return {"gamma": draw(nonneg), "populations": populations, "channels": channels,
            "weights": weights}, len(populations)


@st.composite
def valid_config(draw):
    network, P = draw(st.one_of(preset_network(), explicit_network()))
    raw = {"network": network}
    lower = draw(real())
    raw["grid"] = {"lower": lower, "upper": lower + draw(positive), "nx": draw(st.integers(3, 10**6))}
    per_pop = lambda s: st.one_of(s, st.lists(s, min_size=P, max_size=P))
    raw["initial"] = {"mean": draw(per_pop(real())), "std": draw(per_pop(positive))}
    t0 = draw(real())
    span = draw(positive)
    t1 = t0 + span
    time = {"t0": t0, "t1": t1, "dt": draw(st.floats(1e-3, 1.0)) * (t1 - t0), "n_out": draw(st.integers(2, 1000))}
    raw["time"] = time
    raw["solver"] = {"method": draw(st.sampled_from(["euler", "bdf2", "trbdf2"])),
                     "backend": draw(st.sampled_from(["native", "fipy"])), "tol": draw(st.floats(1e-14, 1e-2))}
    raw["particles"] = {"n": draw(st.integers(1, 10**7)), "seed": draw(st.integers(0, 2**32)),
                        "dt": draw(st.floats(1e-3, 1.0)) * (time["t1"] - time["t0"]),
                        "memory_budget_mb": draw(st.floats(1.0, 1e5))}
    kind = draw(st.sampled_from(["particles", "pde"]))
    measures = ["mean", "std", "activity", "w1"] if kind == "particles" else \
        ["mean", "std", "activity", "balance_voltage", "density"]
    sweep = {"gamma": draw(st.lists(nonneg, min_size=1, max_size=4, unique=True))}
    if kind == "particles":
        sweep["n"] = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=3, unique=True))
        sweep["seed"] = draw(st.lists(st.integers(0, 100), min_size=1, max_size=3, unique=True))
    raw["study"] = {"name": draw(study_names), "kind": kind,
                    "measure": draw(st.lists(st.sampled_from(measures), min_size=1, unique=True)),
                    "sweep": optional_keys(draw, sweep)}
    # any section but the network may be omitted (its defaults must then be consistent)
    for section in ("grid", "initial", "solver", "study"):
        if draw(st.booleans()):
            del raw[section]
    return raw


@settings(max_examples=150, **SETTINGS)
@given(valid_config())
def test_valid_configurations_round_trip_through_toml(raw):
    config = from_dict(raw, "<random>")
    again = loads(config.to_toml(), "<again>")
    assert again.data == config.data
    assert again.hash() == config.hash()
    assert from_dict(copy.deepcopy(config.data), "<canonical>").data == config.data


def test_a_name_outside_the_basic_multilingual_plane_round_trips():
    """Shrunk example: one population named U+10000."""
    config = from_dict({"network": {"populations": [{"name": "\U00010000"}],
                                    "channels": [{"name": "c", "reversal": 0.0, "activity": 0.0}],
                                    "weights": [[0.0]]}})
    assert loads(config.to_toml()).data == config.data


# -- invalid values ----------------------------------------------------------------------------------
def leaves(node, path: str = ""):
    """(path, value) of every value of a canonical configuration (tables and arrays included), with
    the key paths the loader reports: ``a.b``, ``a.b[0]``."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else key
            yield sub, value
            yield from leaves(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            sub = f"{path}[{i}]"
            yield sub, value
            yield from leaves(value, sub)


def wrong_types(value) -> list:
    """Values of another TOML type, each invalid wherever ``value`` is valid."""
    if isinstance(value, (int, float)):
        return ["oops", True, {"x": 1.0}, []]
    if isinstance(value, str):
        return [1.5, True, ["a"], {"x": 1.0}]
    if isinstance(value, list):
        return ["oops", True, {"x": 1.0}]
    return ["oops", 2.5, [1.0]]


def replace(data: dict, path: list, value) -> dict:
    out = copy.deepcopy(data)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def steps_of(data, target: str) -> list:
    """The dict keys / list indices leading to the leaf named ``target``."""
    def walk(node, path, steps):
        if path == target:
            return steps
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in items:
            sub = (f"{path}.{key}" if path else key) if isinstance(node, dict) else f"{path}[{key}]"
            found = walk(value, sub, steps + [key])
            if found is not None:
                return found
        return None
    return walk(data, "", [])


@settings(max_examples=200, **SETTINGS)
@given(valid_config(), st.data())
def test_a_wrong_type_anywhere_is_refused_naming_its_key_path(raw, data):
    canonical = from_dict(raw, "<random>").data
    choices = [(p, v) for p, v in leaves(canonical) if not (isinstance(v, dict) and not v)]
    path, value = data.draw(st.sampled_from(choices), label="key")
    bad = data.draw(st.sampled_from(wrong_types(value)), label="bad value")
    try:
        from_dict(replace(canonical, steps_of(canonical, path), bad), "<bad>")
    except ConfigError as exc:
        assert path in str(exc), (path, str(exc))
    else:
        raise AssertionError(f"{path} = {bad!r} was accepted")


BOUNDED = {
    "network.gamma": st.floats(max_value=-1e-9, allow_infinity=False) | st.just(math.inf) | st.just(math.nan),
    "grid.nx": st.integers(max_value=2),
    "initial.std": st.floats(max_value=0.0) | st.just(math.nan),
    "time.n_out": st.integers(max_value=1),
    "time.dt": st.floats(max_value=0.0) | st.just(math.inf),
    "solver.tol": st.floats(max_value=0.0) | st.floats(min_value=0.011, allow_infinity=False),
    "solver.method": st.text(max_size=6).filter(lambda s: s not in ("euler", "bdf2", "trbdf2")),
    "particles.n": st.integers(max_value=0),
    "particles.seed": st.integers(max_value=-1),
    "particles.memory_budget_mb": st.floats(max_value=0.999),
    "study.kind": st.text(max_size=6).filter(lambda s: s not in ("particles", "pde")),
}


@settings(max_examples=100, **SETTINGS)
@given(valid_config(), st.sampled_from(sorted(BOUNDED)), st.data())
def test_values_out_of_range_are_refused_naming_their_key_path(raw, path, data):
    canonical = from_dict(raw, "<random>").data
    bad = data.draw(BOUNDED[path], label="bad value")
    try:
        from_dict(replace(canonical, path.split("."), bad), "<bad>")
    except ConfigError as exc:
        assert path in str(exc), (path, str(exc))
    else:
        raise AssertionError(f"{path} = {bad!r} was accepted")


@settings(max_examples=100, **SETTINGS)
@given(valid_config(), st.data())
def test_an_unknown_key_in_any_table_is_refused_naming_it(raw, data):
    canonical = from_dict(raw, "<random>").data
    tables = [""] + [p for p, v in leaves(canonical) if isinstance(v, dict)]
    table = data.draw(st.sampled_from(tables), label="table")
    key = data.draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).map(lambda s: "zz" + s),
                    label="unknown key")
    bad = copy.deepcopy(canonical)
    node = bad
    for step in steps_of(canonical, table) if table else []:
        node = node[step]
    node[key] = 1.0
    try:
        from_dict(bad, "<bad>")
    except ConfigError as exc:
        assert (f"{table}.{key}" if table else key) in str(exc), (table, key, str(exc))
    else:
        raise AssertionError(f"unknown key {key!r} in [{table}] was accepted")


@settings(max_examples=200, **SETTINGS)
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_raises_config_error(text):
    try:
        loads(text, "<text>")
    except ConfigError:
        pass
