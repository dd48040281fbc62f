"""The backends solve one discretisation: compiled ("native"), numpy/LAPACK ("numpy"), FiPy ("fipy").

native and numpy run the same iteration (same coupling tolerance, same fixed steps); they differ
only in the elimination of each tridiagonal stage system (the compiled one is cancellation-free with
compensated mass sums, LAPACK's pivots). Each backend's stage solution is within the coupling
tolerance tol of the exact stage solution, so the two runs differ by O(tol) (a round-off difference
can end the secant–Newton iteration at a different iterate), not by round-off alone, times the
sensitivity of p to the unknowns (which grows with γ dt). With tol = 1e-12 we ask, in L1 at every
output time (the densities have unit mass), 1e-12 at γ dt ≤ 1 and 1e-11 at γ dt = 100 (measured
≤ 2.3e-13, and 5.5e-12 with gap junctions, whose mean-voltage unknowns enter the drift as γ G x̄),
1e-12 relative in the activities and 1e-12 in the centres of the desingularised frame. FiPy's LU and its central weights for face Péclet numbers below 1e-3 differ by
more (see test_fipy_backend): 1e-8.
"""
import functools
import warnings

import numpy as np
import pytest

from fokker import Grid, Network, presets
from solvers import BACKENDS, DESINGULARISED_BACKENDS, solve, solve_desingularised
from solvers.desingularised import DesingularisedFrame
from solvers.native import NativeDesingularisedFrame, NativePhysicalFrame
from solvers.physical import PhysicalFrame

def gap_pair(gamma: float) -> Network:
    """ei_pair with gap junctions: the mean voltages are coupling unknowns too (Python stage, fused evaluation)."""
    base = presets.ei_pair(gamma)
    return Network(base.populations, base.channels, base.weights, gamma, electrical=[[0.0, 0.5], [0.3, 0.0]])


NETWORKS = {"ei_single": presets.ei_single, "ei_pair": presets.ei_pair,
            "driven": lambda gamma: presets.driven(gamma, drive=lambda t: 0.5 + 0.25 * np.sin(3.0 * t)),
            "gap_pair": gap_pair}
# grids that resolve the balanced widths σ/√(2γA) at each γ
GRIDS = {1.0: Grid(-2.0, 2.0, 200), 1e4: Grid(-1.2, 1.2, 2400)}
T_SPAN = (0.0, 0.3)
TOL = 1e-12


def relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def l1(a: np.ndarray, b: np.ndarray, h: float) -> float:
    """max over outputs and populations of Σ_i |a − b| h."""
    return float(np.max(np.sum(np.abs(a - b), axis=-1)) * h)


@functools.lru_cache(maxsize=None)
def physical(name: str, gamma: float, backend: str):
    net = NETWORKS[name](gamma)
    grid = GRIDS[gamma]
    p0 = np.stack([grid.gaussian(0.1 * a - 0.05, 0.3) for a in range(net.P)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # resolution notes are not the point here
        return solve(net, grid, p0, t_span=T_SPAN, dt=0.01, t_eval=np.linspace(*T_SPAN, 4), method="bdf2",
                     backend=backend, tol=TOL)


def test_backend_tables():
    assert BACKENDS["native"] is NativePhysicalFrame and BACKENDS["numpy"] is PhysicalFrame
    assert DESINGULARISED_BACKENDS["native"] is NativeDesingularisedFrame
    assert DESINGULARISED_BACKENDS["numpy"] is DesingularisedFrame


@pytest.mark.parametrize("gamma", [1.0, 1e4])
@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_native_and_numpy_agree_to_round_off(name, gamma):
    native, reference = physical(name, gamma, "native"), physical(name, gamma, "numpy")
    assert native.stats["steps"] == reference.stats["steps"] == 30
    assert l1(native.p, reference.p, native.grid.width) < (1e-12 if gamma * 0.01 <= 1.0 else 1e-11)
    assert relative(native.activity, reference.activity) < 1e-12
    assert np.max(np.abs(native.mass() - 1.0)) < 1e-13


@pytest.mark.parametrize("name", ["ei_single", "driven"])
def test_fipy_agrees_with_both(name):
    pytest.importorskip("fipy")
    fipy = physical(name, 1.0, "fipy")
    for backend in ("native", "numpy"):
        other = physical(name, 1.0, backend)
        assert relative(fipy.p, other.p) < 1e-8
        assert np.max(np.abs(fipy.activity - other.activity)) < 1e-9


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_desingularised_native_and_numpy_agree_at_large_gamma(name):
    net = NETWORKS[name](1e8)
    y = Grid(-3.0, 3.0, 300)
    q0 = np.stack([y.gaussian(0.0, 0.4)] * net.P)
    mu0 = np.linspace(0.3, 0.4, net.P)
    runs = [solve_desingularised(net, y, q0, mu0, t_span=(0.0, 0.5), dt=0.01, t_eval=np.linspace(0.0, 0.5, 6),
                                 tol=TOL, backend=b) for b in ("native", "numpy")]
    assert runs[0].stats["steps"] == runs[1].stats["steps"] == 50
    assert l1(runs[0].q, runs[1].q, y.width) < 1e-12
    assert np.max(np.abs(runs[0].mu - runs[1].mu)) < 1e-12


def test_auto_frame_native_and_numpy_agree():
    net = presets.ei_single(1e6)
    grid = Grid(-1.5, 1.5, 300)
    p0 = grid.gaussian(-0.3, 0.3)
    runs = [solve(net, grid, p0, t_span=(0.0, 0.2), dt=0.01, t_eval=[0.1, 0.2], frame="auto", auto_cells=200,
                  backend=b) for b in ("native", "numpy")]
    assert runs[0].stats["steps"] == runs[1].stats["steps"]
    np.testing.assert_allclose(runs[0].mean(), runs[1].mean(), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="frame='auto'"):
        solve(net, grid, p0, frame="auto", backend="fipy")


def test_desingularised_backend_is_checked():
    y = Grid(-3.0, 3.0, 100)
    with pytest.raises(ValueError, match="backend"):
        solve_desingularised(presets.ei_single(1e4), y, y.gaussian(0.0, 0.4), 0.0, backend="fipy")
