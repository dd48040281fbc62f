"""The import graph of the project's packages, read from the source with ``ast``.

Every ``import`` and ``from ... import`` counts, including those inside functions; relative
imports are resolved, and ``from pkg import name`` counts as an import of the module
``pkg.name`` when that module exists, else of ``pkg``.
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("fokker", "solvers", "validation")


def module_map(packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name → source file, for every module of ``packages``."""
    out = {}
    for package in packages:
        root = REPO / package
        for path in sorted(root.rglob("*.py")):
            parts = (package,) + path.relative_to(root).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules imported by module ``name`` (see the module docstring)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in modules}
    return out - {name}


def graph(packages=PACKAGES) -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    modules = module_map(packages)
    return {name: imports(name, path, modules) for name, path in modules.items()}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph (as a list of nodes), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(g):
        if node not in state and (found := visit(node)):
            return found
    return None
