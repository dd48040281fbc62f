"""Reading TOML tables against a schema: :class:`Table`, typed readers and :class:`ConfigError`.

Every reader names the file and the key path of what it reads, so every problem is
one line: ``<file>: <key path>: <what is allowed>, got <value>``.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

REQUIRED = object()


class ConfigError(ValueError):
    """A configuration problem: ``<file>: <key path>: <what is allowed>, got <value>`` (one line)."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source, self.path, self.message = source, path, message
        super().__init__(f"{source}: {path or '<top level>'}: {message}")


# -- reading tables against a schema -------------------------------------------------------
def kind_of(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string",
            list: "array", dict: "table"}.get(type(value), type(value).__name__)


class Table:
    """One TOML table being checked: ``take`` each known key, then ``finish`` rejects the rest."""

    def __init__(self, source: str, path: str, table: object) -> None:
        self.source, self.path = source, path
        if not isinstance(table, dict):
            self.error("", f"must be a table, got {kind_of(table)} {table!r}")
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
        return read_number(self.source, self.key_path(key), self.raw(key, default), **bounds)

    def integer(self, key: str, default: object = REQUIRED, low: int = 0) -> int:
        return read_integer(self.source, self.key_path(key), self.raw(key, default), low)

    def string(self, key: str, default: object = REQUIRED, choices: tuple[str, ...] | None = None) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value:
            self.error(key, f"must be a non-empty string, got {kind_of(value)} {value!r}")
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


def read_number(source: str, path: str, value: object, *, low: float | None = None,
            high: float | None = None, low_open: bool = False) -> float:
    allowed = "a number"
    if low is not None:
        allowed += f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        allowed += f"{' and' if low is not None else ''} <= {high:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(source, path, f"must be {allowed}, got {kind_of(value)} {value!r}")
    x = float(value)
    if not math.isfinite(x) or (low is not None and (x < low or (low_open and x == low))) \
            or (high is not None and x > high):
        raise ConfigError(source, path, f"must be {allowed} (finite), got {x!r}")
    return x


def read_integer(source: str, path: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(source, path, f"must be an integer >= {low}, got {kind_of(value)} {value!r}")
    if value < low:
        raise ConfigError(source, path, f"must be an integer >= {low}, got {value}")
    return value


def read_list(source: str, path: str, value: object, item, *, length: int | None = None) -> list:
    if not isinstance(value, list) or not value:
        raise ConfigError(source, path, f"must be a non-empty array, got {kind_of(value)} {value!r}")
    if length is not None and len(value) != length:
        raise ConfigError(source, path, f"must have {length} entries, got {len(value)}")
    return [item(f"{path}[{i}]", v) for i, v in enumerate(value)]


def read_per_population(source: str, path: str, value: object, **bounds) -> float | list[float]:
    """One number, or an array of numbers (one per population)."""
    if isinstance(value, list):
        return read_list(source, path, value, lambda p, v: read_number(source, p, v, **bounds))
    return read_number(source, path, value, **bounds)


def read_matrix(source: str, path: str, value: object, rows: int, cols: int, **bounds) -> list[list[float]]:
    """``rows`` arrays of ``cols`` numbers each; with ``cols = 0`` every row is an empty array ``[]``."""
    def row(p: str, v: object) -> list:
        if cols == 0:
            if not (isinstance(v, list) and not v):
                raise ConfigError(source, p, f"must be an empty array [] (there are no columns), "
                                             f"got {kind_of(v)} {v!r}")
            return []
        return read_list(source, p, v, lambda q, w: read_number(source, q, w, **bounds), length=cols)
    return read_list(source, path, value, row, length=rows)


def model_check(source: str, path: str, build: Callable[[], Any], name: str = "") -> Any:
    """``build()`` — a model constructor that validates its own arguments — with its TypeError or
    ValueError turned into a :class:`ConfigError` at ``path``.

    ``name`` is the argument's name as the model's message starts with it (e.g. ``"FitzHughNagumo.c"``);
    it is removed so that the key path takes its place: ``...intrinsic.c: must be > 0.0, got -1.0``.
    """
    try:
        return build()
    except (TypeError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if name and message.startswith(name + " "):
            message = message[len(name) + 1:]
        raise ConfigError(source, path, message) from None



def read_spec(source: str, path: str, value: object, kinds: dict[str, dict[str, dict]]) -> dict:
    """A ``{kind = "...", ...}`` inline table; ``kinds[kind]`` maps parameter -> number bounds (+ default)."""
    t = Table(source, path, value)
    kind = t.string("kind", choices=tuple(kinds))
    out: dict[str, Any] = {"kind": kind}
    for name, bounds in kinds[kind].items():
        bounds = dict(bounds)
        out[name] = t.number(name, bounds.pop("default", REQUIRED), **bounds)
    t.finish()
    return out

