"""A small TOML writer for canonical configuration data (the inverse of ``tomllib.loads`` on it)."""
from __future__ import annotations

import math

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _basic_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, every other character
    (including those outside the Basic Multilingual Plane) written as it is."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, str):
        return _basic_string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _is_table_array(v: object) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def to_toml(data: dict) -> str:
    """TOML text for canonical data: sections as tables, ``{kind=...}`` specs inline."""
    lines: list[str] = []

    def table(path: str, d: dict, header: str) -> None:
        lines.append(header)
        nested = []
        for k, v in d.items():
            if isinstance(v, dict) and "kind" not in v or _is_table_array(v):
                nested.append((k, v))
            else:
                lines.append(f"{k} = {_value(v)}")
        lines.append("")
        for k, v in nested:
            sub = f"{path}.{k}"
            if isinstance(v, dict):
                table(sub, v, f"[{sub}]")
            else:
                for item in v:
                    table(sub, item, f"[[{sub}]]")

    for name, section in data.items():
        table(name, section, f"[{name}]")
    return "\n".join(lines)
