"""Parameters of the FitzHugh–Nagumo study (:class:`FhnConfig`) and its full and quick configurations."""
from __future__ import annotations

from dataclasses import dataclass, replace

PARTS = ("period", "rest", "chemical", "particles", "onset", "pair", "animation")
"""The parts of the study: F2 period, F3 rest, F4 chemical, F5 particles, F6 onset, fhn_pair, the animation."""


@dataclass(frozen=True)
class FhnConfig:
    """Parameters of the FitzHugh–Nagumo study (see :mod:`validation.studies.fhn.driver`)."""

    parts: tuple[str, ...] = PARTS
    seed: int = 20261201
    sigma: float = 0.3                       # voltage noise of every preset run
    reference_gamma: float = 1e8             # the common-random-number reference run of F2 and F3
    # F2: electrical coupling, oscillatory current (particles)
    period_gammas: tuple[float, ...] = (10.0, 30.0, 100.0, 300.0, 1e3, 1e4)
    period_fit_min: float = 30.0
    period_n: int = 2000
    period_dt: float = 0.02
    period_periods: int = 5                  # whole periods measured
    period_sample: int = 2                   # output every this many steps
    # F3: electrical coupling, excitable current (particles)
    rest_current: float = 0.0
    rest_gammas: tuple[float, ...] = (10.0, 30.0, 100.0, 300.0, 1e3, 3e3, 1e4)
    rest_fit_min: float = 30.0
    rest_n: int = 2000
    rest_dt: float = 0.04
    rest_t_end: float = 80.0
    rest_average_from: float = 40.0          # time average of the means over [this, t_end]
    # F4: chemical coupling (particles)
    chemical_gammas: tuple[float, ...] = (10.0, 30.0, 100.0, 300.0, 1e3, 1e4)
    chemical_fit_min: float = 30.0
    chemical_n: int = 10_000
    chemical_dt: float = 0.05
    chemical_t_end: float = 150.0
    chemical_w0: float = 0.0                 # initial recovery (the voltage starts at x̄)
    chemical_average_from: float = 100.0
    chemical_outputs: int = 601
    # F5: particles against the PDE (fhn_electrical, short horizon)
    compare_gamma: float = 5.0
    compare_ns: tuple[int, ...] = (1_000, 4_000, 16_000, 64_000)
    compare_seeds: int = 4
    compare_gammas: tuple[float, ...] = (2.0, 5.0, 10.0)
    compare_n_across: int = 16_000
    compare_t: float = 4.0
    compare_dt: float = 0.004                # particle step
    compare_pde_dt: float = 0.01
    compare_cells_per_width: float = 8.0     # x-cells per σ/√(2γG)
    compare_w_cells: int = 100
    # F6: onset of synchrony (fhn_electrical at small γ, from a law spread over the limit cycle)
    onset_pde_gammas: tuple[float, ...] = (0.02, 0.03, 0.04, 0.05, 0.06, 0.08)
    onset_particle_gammas: tuple[float, ...] = (0.0, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.12, 0.2)
    onset_n: int = 5_000
    onset_seeds: int = 2
    onset_t_end: float = 480.0
    onset_window: float = 40.0               # amplitude windows (about one period)
    onset_late: float = 240.0                # particle amplitude over [onset_late, t_end]
    onset_dt: float = 0.1                    # particle step
    onset_pde_dt: float = 0.2
    onset_cells: tuple[int, int] = (124, 75)      # on tasks.ONSET_X × ONSET_W: cells of 0.05
    onset_spread: float = 0.25               # blur of the initial law along the cycle
    # fhn_pair (particles)
    pair_gammas: tuple[float, ...] = (1.0, 10.0, 100.0, 1e3, 1e4)
    pair_n: int = 2_000
    pair_dt: float = 0.1
    pair_t_end: float = 150.0
    pair_average_from: float = 100.0
    # the animation (PDE density of one run)
    animation_gamma: float = 0.2
    animation_t_end: float = 160.0
    animation_frames: int = 81
    animation_fps: int = 10


FULL = FhnConfig()
QUICK = FhnConfig(period_gammas=(10.0, 30.0, 100.0, 1e3), period_n=1000, period_dt=0.05, period_periods=2,
                  rest_gammas=(10.0, 30.0, 100.0, 1e3), rest_n=1000, rest_dt=0.05, rest_t_end=50.0,
                  rest_average_from=25.0,
                  chemical_gammas=(10.0, 30.0, 100.0, 1e3), chemical_n=2000, chemical_dt=0.1, chemical_t_end=120.0,
                  chemical_average_from=80.0, chemical_outputs=241,
                  compare_ns=(1_000, 4_000, 16_000), compare_seeds=3, compare_gammas=(2.0, 5.0),
                  compare_n_across=4_000, compare_t=2.0, compare_dt=0.004, compare_pde_dt=0.02,
                  compare_cells_per_width=6.0, compare_w_cells=80,
                  onset_pde_gammas=(0.03, 0.05, 0.07), onset_particle_gammas=(0.0, 0.04, 0.06, 0.1, 0.2),
                  onset_n=2000, onset_seeds=1, onset_t_end=200.0, onset_late=100.0, onset_dt=0.1, onset_pde_dt=0.5,
                  onset_cells=(104, 63),
                  pair_gammas=(1.0, 10.0, 100.0, 1e3), pair_n=1000, pair_dt=0.25, pair_t_end=80.0, pair_average_from=50.0,
                  animation_t_end=100.0, animation_frames=26)


def quick_config(**changes) -> FhnConfig:
    """The ``--quick`` configuration with optional changes."""
    return replace(QUICK, **changes)
