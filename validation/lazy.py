"""Public names of a package imported from their submodules on first use (PEP 562).

A package's ``__init__`` lists where each public name is defined and sets
``__getattr__, __dir__ = lazy_exports(__name__, sources, __all__)``: ``from package import name``,
``package.name`` and ``dir(package)`` work as with eager imports, but importing the package
itself costs nothing, so that a light part of it (the CLI's parser, the figures) does not load
the solvers, scipy or xarray. Like :mod:`validation.atomic`, this module imports nothing from the
package.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence


def lazy_exports(package: str, sources: Mapping[str, str],
                 public: Sequence[str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``sources`` maps each lazily imported name to the
    (relative) module that defines it; ``public`` is the package's ``__all__``."""
    missing = [name for name in public if name not in sources]
    if missing:
        raise ValueError(f"sources must name the module of every public name; missing: {missing}")

    def __getattr__(name: str) -> object:
        if name not in sources:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(sources[name], package), name)
        setattr(sys.modules[package], name, value)          # cached: __getattr__ is not asked again
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
