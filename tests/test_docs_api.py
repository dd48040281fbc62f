"""Every public name has a docstring: the names in ``__all__`` of fokker, solvers and validation,
the names of exported modules, and the public methods and properties of exported classes
(the API reference of the documentation is generated from exactly these)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
from public_api import PACKAGES, public_names  # noqa: E402


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_has_a_docstring(package: str) -> None:
    names = public_names(package)
    assert len(names) > 0
    missing = [n.qualname for n in names if n.docstring is None]
    assert not missing, f"{len(missing)} public names of {package} have no docstring: {', '.join(missing)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_existing_unique_names(package: str) -> None:
    module = __import__(package)
    assert len(set(module.__all__)) == len(module.__all__), "duplicate names in __all__"
    assert all(hasattr(module, name) for name in module.__all__)

