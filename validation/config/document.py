"""A checked configuration (:class:`Config`) and reading/writing it: load, loads, from_dict, dump.

Sections (all optional except what a command needs; see README.md, "Configuration files")::

    [network]    preset = "ei_single" + [network.overrides], or populations/channels/weights
                 (+ electrical, the P × P gap-junction weights); gamma (γ >= 0, finite)
    [grid]       lower, upper, nx                      the truncated interval [a, b]
    [grid.w]     lower, upper, cells                   the w-interval of two-variable networks
    [initial]    mean, std (one number or one per population; for two variables a pair [x, w]
                 or one pair per population): Gaussian initial data
    [time]       t0, t1, dt, n_out                     t_span, step and output times
    [solver]     method, backend, tol                  options of solvers.solve
    [particles]  n, seed, dt, memory_budget_mb         the finite-n network
    [study]      name, kind, measure, [study.sweep]    gamma / n / seed lists
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fokker import Grid, Grid2D, Network

from .network import build_network, checked_network, network_section
from .reader import ConfigError, Table
from .sections import (SWEEP_KEYS, build_grid, build_initial, check_dimensions, grid_section, initial_moments,
                       initial_section, particles_section, solver_section, study_section, time_section)
from .toml import to_toml


# -- the configuration ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    """A checked, canonical configuration. ``data`` holds one dict per section; ``source`` names the file."""

    data: dict
    source: str = "<config>"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __getitem__(self, section: str) -> dict:
        return self.data[section]

    # derived objects
    def network(self, gamma: float | None = None) -> Network:
        return build_network(self.data["network"], gamma)

    def grid(self) -> Grid | Grid2D:
        """The grid: a :class:`fokker.Grid`, or a :class:`fokker.Grid2D` for two-variable networks."""
        return build_grid(self.data["grid"])

    def initial_moments(self, P: int, variables: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Initial (mean, std) per population: shape (P,) each, or (P, 2) (x, w) for two variables."""
        return initial_moments(self.data["initial"], P, variables, self.source)

    def initial_density(self, grid: Grid | Grid2D | None = None, P: int | None = None) -> np.ndarray:
        """Gaussian initial densities on the grid: shape (P, nx), or (P, nx, nw) on a Grid2D."""
        grid = grid or self.grid()
        return build_initial(self.data["initial"], grid, P or self.network(), self.source)

    @property
    def t_span(self) -> tuple[float, float]:
        return self.data["time"]["t0"], self.data["time"]["t1"]

    @property
    def t_eval(self) -> np.ndarray:
        t = self.data["time"]
        return np.linspace(t["t0"], t["t1"], t["n_out"])

    def solver_options(self) -> dict:
        """Keyword arguments of ``solvers.solve`` (t_span, dt, t_eval, method, backend, tol)."""
        return {"t_span": self.t_span, "dt": self.data["time"]["dt"], "t_eval": self.t_eval,
                **self.data["solver"]}

    def sweep_axes(self) -> dict[str, list]:
        """The study axes with their values: swept values, or the single configured one."""
        study = self.data["study"]
        defaults = {"gamma": [self.data["network"]["gamma"]], "n": [self.data["particles"]["n"]],
                    "seed": [self.data["particles"]["seed"]]}
        return {key: study["sweep"].get(key, defaults[key]) for key in SWEEP_KEYS[study["kind"]]}

    def replace(self, section: str, **values) -> "Config":
        """A checked copy with some keys of one section changed, e.g. ``replace("network", gamma=3.0)``."""
        data = json.loads(json.dumps(self.data))
        data[section].update(values)
        return from_dict(data, self.source, self.data["study"]["name"])

    # serialisation
    def to_toml(self) -> str:
        return to_toml(self.data)

    def identity(self) -> str:
        """sha256 of the canonical configuration *without* the sweep values.

        Two configurations with the same identity compute the same value at the same
        study point, so a study may be extended (more seeds, more n) and resumed.
        """
        data = json.loads(json.dumps(self.data))
        data["study"].pop("sweep", None)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def hash(self) -> str:
        """sha256 of the full canonical configuration."""
        return hashlib.sha256(json.dumps(self.data, sort_keys=True).encode()).hexdigest()


def from_dict(raw: dict, source: str = "<config>", default_name: str = "study") -> Config:
    """Check a parsed TOML document and return the canonical :class:`Config`."""
    top = Table(source, "", raw)
    data: dict[str, Any] = {}
    data["network"] = network_section(top.sub("network", {"preset": "ei_single"}))
    data["grid"] = grid_section(top.sub("grid", {}))
    data["initial"] = initial_section(top.sub("initial", {}))
    data["time"] = time_section(top.sub("time", {}))
    data["solver"] = solver_section(top.sub("solver", {}))
    data["particles"] = particles_section(top.sub("particles", {}), data["time"])
    data["study"] = study_section(top.sub("study", {}), default_name)
    top.finish()
    config = Config(data, source)
    check_dimensions(data, checked_network(source, data["network"]), source)
    return config


def loads(text: str, source: str = "<string>", default_name: str = "study") -> Config:
    """Parse and check TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML: {exc}") from None
    return from_dict(raw, source, default_name)


def load(path: str | Path) -> Config:
    """Read and check a TOML file; the study name defaults to the file's stem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read the file: {exc.strerror or exc}") from None
    return loads(text, str(path), default_name=path.stem)


def dump(config: Config, path: str | Path) -> Path:
    """Write the canonical TOML atomically (temp file + os.replace)."""
    from ..atomic import atomic_write_text
    return atomic_write_text(path, config.to_toml())
