"""The public API of the packages, as the documentation and ``tests/test_docs_api.py`` see it.

A public name is one listed in a package's ``__all__``; for an exported module, the names of its
``__all__`` (or, without one, the functions and classes it defines); for an exported class, its
public methods and properties defined in the project's own classes. Constants carry their
docstring as a string literal right after the assignment (the convention autodoc reads).
No Sphinx import here: the test suite uses this module without the documentation tools.
"""
from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("fokker", "solvers", "validation")


@dataclass(frozen=True)
class PublicName:
    """One documented name: its dotted path, the object, its kind and its docstring (or None)."""

    qualname: str
    obj: object
    kind: str          # "module", "class", "function", "method", "property" or "data"
    docstring: str | None


def own_docstring(obj: object) -> str | None:
    """The docstring written for ``obj`` itself (not a dataclass's generated signature)."""
    doc = obj.__doc__ if isinstance(obj, type) else inspect.getdoc(obj)
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and doc and doc.startswith(obj.__name__ + "("):
        return None
    return inspect.cleandoc(doc) if doc and doc.strip() else None


def attribute_docstring(package: str, name: str) -> str | None:
    """The string literal after ``name = ...`` in a module of ``package`` (first one found)."""
    root = importlib.import_module(package)
    paths = [Path(root.__file__)]
    if hasattr(root, "__path__"):
        paths += [Path(info.module_finder.path) / (info.name + ".py")
                  for info in pkgutil.iter_modules(root.__path__) if not info.ispkg]
    for path in paths:
        if not path.is_file():
            continue
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for stmt, following in zip(body, body[1:]):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) \
                    and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) \
                    and isinstance(following.value.value, str):
                return inspect.cleandoc(following.value.value)
    return None


def _is_project_class(cls: type) -> bool:
    return cls.__module__.split(".")[0] in PACKAGES


def class_members(cls: type, qualname: str) -> list[PublicName]:
    """Public methods and properties of ``cls`` defined in the project's classes of its MRO."""
    seen: dict[str, PublicName] = {}
    for base in cls.__mro__:
        if not _is_project_class(base):
            continue
        for name, raw in vars(base).items():
            if name.startswith("_") or name in seen:
                continue
            if isinstance(raw, property):
                seen[name] = PublicName(f"{qualname}.{name}", raw, "property", own_docstring(raw.fget))
            elif isinstance(raw, (staticmethod, classmethod)) or inspect.isfunction(raw):
                func = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
                seen[name] = PublicName(f"{qualname}.{name}", func, "method", own_docstring(func))
    return list(seen.values())


def module_names(module) -> list[str]:
    """``__all__`` of the module, or the functions and classes it defines."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [n for n, o in vars(module).items() if not n.startswith("_")
            and (inspect.isfunction(o) or inspect.isclass(o)) and o.__module__ == module.__name__]


def public_names(package: str) -> list[PublicName]:
    """Every public name of ``package`` (see the module docstring), in ``__all__`` order."""
    module = importlib.import_module(package)
    if not hasattr(module, "__all__"):
        raise ValueError(f"{package} has no __all__")
    found: list[PublicName] = []
    for name in module.__all__:
        obj = getattr(module, name)
        qualname = f"{package}.{name}"
        if inspect.ismodule(obj):
            found.append(PublicName(qualname, obj, "module", own_docstring(obj)))
            found += public_names_of_module(obj)
        elif inspect.isclass(obj):
            found.append(PublicName(qualname, obj, "class", own_docstring(obj)))
            found += class_members(obj, qualname)
        elif callable(obj):
            found.append(PublicName(qualname, obj, "function", own_docstring(obj)))
        else:
            found.append(PublicName(qualname, obj, "data", attribute_docstring(package, name)))
    return found


def public_names_of_module(module) -> list[PublicName]:
    """The public names of an exported module (``fokker.presets``)."""
    found: list[PublicName] = []
    for name in module_names(module):
        obj = getattr(module, name)
        qualname = f"{module.__name__}.{name}"
        if inspect.isclass(obj):
            found.append(PublicName(qualname, obj, "class", own_docstring(obj)))
            found += class_members(obj, qualname)
        elif callable(obj):
            found.append(PublicName(qualname, obj, "function", own_docstring(obj)))
        else:
            found.append(PublicName(qualname, obj, "data", attribute_docstring(module.__name__, name)))
    return found
