"""Parameters of the theorem study (:class:`TheoremConfig`) and its full and quick configurations."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class TheoremConfig:
    """Parameters of the theorem study (see the module docstring)."""

    presets: tuple[str, ...] = ("ei_single", "ei_pair")
    gammas: tuple[float, ...] = tuple(float(10.0 ** (k / 2)) for k in range(17))      # 1 … 1e8, 2 per decade
    fit_min: float = 100.0
    y_half: float = 12.0                # y-grid [−y_half, y_half]
    y_cells: int = 2400
    relax: float = 30.0                 # run length in slowest relaxation times
    steps: int = 300
    tol: float = 1e-12
    hopf_floor: float = 1e-250
    # P0
    collapse_gammas: tuple[float, ...] = tuple(float(10.0 ** k) for k in range(9))
    s0: float = 1.0
    collapse_cells: int = 6400          # cells of the auto frame's y-grids during the layer
    collapse_check_cells: int | None = 1600   # also run the first preset at this resolution (trend check)
    collapse_zoom: float = 1.5          # its re-gridding factor
    collapse_outputs: int = 200
    collapse_tol: float = 1e-8
    # P5
    driven_gammas: tuple[float, ...] = tuple(float(10.0 ** k) for k in range(9))
    driven_dt: float = 0.005
    driven_periods: int = 3
    driven_outputs: int = 200
    driven_tol: float = 1e-11
    # P6
    particle_gammas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0, 10_000.0)
    particle_ns: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    particle_seeds: int = 3
    particle_relax: float = 8.0         # run length in slowest relaxation times 1/(γ min(Ā, |eig|))
    particle_steps: int = 400
    # bistable
    bistable_gamma: float = 1e4
    bistable_means: tuple[float, ...] = tuple(sorted({*np.round(np.linspace(-1.0, 1.0, 11), 6).tolist(),
                                                      0.06, 0.07, 0.08, 0.09, 0.1, 0.11}))
    bistable_s0: float = 0.1
    bistable_relax: float = 10.0
    # P7 on a fixed window (solve_log)
    hopf_presets: tuple[str, ...] = ("ei_single", "ei_pair")
    hopf_gammas: tuple[float, ...] = tuple(float(10.0 ** k) for k in range(2, 9))     # 1e2 … 1e8
    hopf_half_window: float = 0.5       # the fixed window |x − x̄| ≤ hopf_half_window
    hopf_margin: float = 0.05           # grid = every window widened by this (the "whole grid")
    hopf_cells_per_width: float = 2.0   # h = min(s / this, hopf_max_cell), s = σ/√(2γĀ)
    hopf_max_cell: float = 1e-3
    hopf_check_cells_per_width: float | None = 4.0   # also run the first preset at this resolution
    hopf_fast_time: float = 400.0       # run length in units of 1/(γ Ā)
    hopf_steps: int = 40                # backward-Euler steps
    hopf_tol: float = 1e-13
    hopf_profile_points: int = 801      # samples of u_γ − max u_γ kept for the figure
    seed: int = 20261123
    parts: tuple[str, ...] = ("stationary", "collapse", "driven", "particles", "bistable", "hopf")


FULL = TheoremConfig()
QUICK = TheoremConfig(gammas=(1.0, 10.0, 100.0, 1e3, 1e4, 1e6, 1e8),
                      collapse_gammas=(1.0, 100.0, 1e4, 1e6, 1e8), collapse_cells=1600,
                      collapse_check_cells=None,
                      driven_gammas=(1.0, 100.0, 1e4, 1e6, 1e8), driven_dt=0.01, driven_periods=2,
                      particle_gammas=(1.0, 10.0, 100.0, 10_000.0), particle_ns=(1_000, 10_000, 100_000),
                      particle_seeds=2, particle_steps=200,
                      bistable_means=(-0.8, -0.4, 0.0, 0.05, 0.12, 0.4, 0.8),
                      hopf_gammas=(1e2, 1e4, 1e6, 1e8), hopf_cells_per_width=1.0, hopf_max_cell=4e-3,
                      hopf_check_cells_per_width=None)


def quick_config(**changes) -> TheoremConfig:
    """The ``--quick`` configuration with optional changes."""
    return replace(QUICK, **changes)
