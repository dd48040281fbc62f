"""No import circles anywhere in fokker, solvers and validation, and the packages import one way."""
from tests.import_graph import PACKAGES, find_cycle, graph

GRAPH = graph()


def test_no_import_cycle_between_modules():
    assert find_cycle(GRAPH) is None, find_cycle(GRAPH)


def test_packages_import_one_way():
    """fokker (the model) imports neither solvers nor validation; solvers does not import validation."""
    for name, targets in GRAPH.items():
        rank = PACKAGES.index(name.split(".")[0])
        for target in targets:
            assert PACKAGES.index(target.split(".")[0]) <= rank, (name, target)


def test_entry_points_are_separate_from_the_frames_they_drive():
    """The frames (physical, desingularised, FiPy) import nothing from the entry-point module."""
    for frame in ("solvers.physical", "solvers.desingularised", "solvers.fipy_backend", "solvers.frame",
                  "solvers.controller", "solvers.methods"):
        assert "solvers.api" not in GRAPH[frame], frame
