"""The layout of the validation package: no import circles, small modules, the documented import paths.

The import graph is read from the source with ``ast`` (every ``import`` and ``from ... import``,
including those inside functions, relative imports resolved; ``from pkg import name`` counts
as an import of the module ``pkg.name`` when that module exists, else of ``pkg``). Two checks:
no cycle between modules, and no cycle between the subpackages (``validation.<job>``).
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "validation"
MAX_LINES = 350


def module_name(path: Path) -> str:
    parts = ("validation",) + path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports(name: str, path: Path) -> set[str]:
    """The validation modules imported by module ``name`` (see the module docstring)."""
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
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in MODULES}
    return out - {name}


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph (as a list of nodes), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_modules():
    assert find_cycle(GRAPH) is None


def test_no_import_cycle_between_subpackages():
    def job(name: str) -> str:
        return ".".join(name.split(".")[:2])
    packages: dict[str, set[str]] = {}
    for name, targets in GRAPH.items():
        if name == "validation":
            continue                                   # the root only re-exports the public names
        packages.setdefault(job(name), set()).update(job(t) for t in targets if job(t) != job(name))
    assert find_cycle(packages) is None, packages


LAYERS = ("atomic", "metrics", "particles", "config", "store", "sweep", "output", "studies", "cli", "__main__")
"""The subpackages (and top-level modules) of validation, lowest first: each imports only lower ones."""


def test_subpackages_import_only_lower_layers():
    assert {name.split(".")[1] for name in MODULES if name != "validation"} == set(LAYERS)
    for name, targets in GRAPH.items():
        if name == "validation":
            continue
        layer = LAYERS.index(name.split(".")[1])
        for target in targets:
            if target != "validation":
                assert LAYERS.index(target.split(".")[1]) <= layer, (name, target)


def test_each_study_configuration_is_at_the_bottom_of_its_package():
    for study in ("p1", "theorem", "rates"):
        package = f"validation.studies.{study}"
        assert not {t for t in GRAPH[f"{package}.config"] if t.startswith(package)}
        assert f"{package}.config" in GRAPH[f"{package}.driver"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size(name):
    assert len(MODULES[name].read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("module, names", [
    ("validation", ["simulate_particles", "ParticleRun", "wasserstein1", "wasserstein1_samples", "ks_distance",
                    "ks_distance_samples", "l1_density_histogram", "moments"]),
    ("validation.particles", ["simulate_particles", "ParticleRun"]),
    ("validation.metrics", ["wasserstein1", "wasserstein1_samples", "ks_distance", "ks_distance_samples",
                            "l1_density_histogram", "moments", "Moments", "fit_power"]),
    ("validation.config", ["load", "loads", "dump", "Config", "ConfigError"]),
    ("validation.store", ["open_study", "StudyStore", "StoreError"]),
    ("validation.sweep", ["run_study"]),
    ("validation.cli", ["main", "build_parser"]),
])
def test_documented_import_paths(module, names):
    mod = importlib.import_module(module)
    assert all(callable(getattr(mod, n)) for n in names)


def test_python_dash_m_validation_help():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "validation", "--help"], capture_output=True, text=True,
                         cwd=ROOT.parent, check=True)
    assert "fokker-balance" in out.stdout and "--traceback" in out.stdout
