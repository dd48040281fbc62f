"""Parameters of the P1 study (:class:`P1Config`) and its full and quick configurations."""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class P1Config:
    """Parameters of the P1 study (see the module docstring)."""

    gammas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)
    ns: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    seeds: int = 8
    seeds_largest: int = 4                       # seeds at the largest n (the expensive runs)
    scan_gammas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0, 10_000.0)
    t_eval: tuple[float, ...] = (0.25, 0.5, 1.0)
    dt: float = 1e-3                             # particle step
    pde_dt: float = 1e-3
    mu0: float = -0.2
    s0: float = 0.2
    cells_per_width: float = 40.0
    widths: float = 10.0
    seed: int = 20261123
    threads: int | None = None

    @property
    def n_max(self) -> int:
        return max(self.ns)

    def __post_init__(self) -> None:
        if len(set(self.ns)) < 2:
            raise ValueError(f"P1Config.ns needs at least 2 distinct values to fit a slope in n, got {self.ns}")


FULL = P1Config()
QUICK = P1Config(ns=(1_000, 10_000, 100_000), seeds=3, seeds_largest=3, cells_per_width=20.0)


def quick_config(**changes) -> P1Config:
    """The ``--quick`` configuration with optional changes."""
    return replace(QUICK, **changes)
