"""The layout of the validation package: no import circles, small modules, the documented import paths.

The import graph is read from the source with ``ast`` (every ``import`` and ``from ... import``,
including those inside functions, relative imports resolved; ``from pkg import name`` counts
as an import of the module ``pkg.name`` when that module exists, else of ``pkg``). Two checks:
no cycle between modules, and no cycle between the subpackages (``validation.<job>``).
"""
from __future__ import annotations

import importlib

import pytest

from tests.import_graph import REPO, find_cycle, graph, module_map

ROOT = REPO / "validation"
MAX_LINES = 350
MODULES = module_map(("validation",))
GRAPH = graph(("validation",))


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


LAYERS = ("atomic", "lazy", "metrics", "particles", "config", "store", "sweep", "output", "studies", "cli", "__main__")
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
