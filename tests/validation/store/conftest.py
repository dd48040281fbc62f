"""Fixtures of the store tests: the small study's configuration and its uninterrupted result."""
from __future__ import annotations

import pytest

from validation.config import load
from validation.store import sweep

from .helpers import SMALL


@pytest.fixture(scope="session")
def config():
    return load(SMALL)


@pytest.fixture(scope="session")
def reference(config, tmp_path_factory):
    """The uninterrupted study, run once in-process."""
    return sweep.run_study(config, tmp_path_factory.mktemp("ref"), progress=False).dataset
