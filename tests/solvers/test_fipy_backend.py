"""The FiPy backend solves the same discretisation as the native solver.

Both backends share the face drift, the Scharfetter–Gummel fluxes (FiPy's exponential
scheme), the stepping and the secant–Newton coupling with the same tolerance; they differ
only in the linear solver (LAPACK gtsv vs scipy LU through FiPy) and in FiPy's α_f = 1/2
for face Péclet numbers below 1e-3. Agreement is therefore expected at round-off level
amplified by the coupling tolerance (1e-10): we ask 1e-8 relative in the density and 1e-9
in the activities.
"""
import functools
import warnings

import numpy as np
import pytest

pytest.importorskip("fipy")

from fokker import Grid, presets  # noqa: E402
from solvers import solve  # noqa: E402

GRID = Grid(-2.0, 2.0, 200)


@functools.lru_cache(maxsize=None)
def pair(gamma: float, method: str):
    """Native and FiPy solutions of ei_single from N(0, 0.3²), t ∈ [0, 1], dt = 0.01."""
    net = presets.ei_single(gamma)
    p0 = GRID.gaussian(0.0, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # resolution/truncation notes are not the point here
        return tuple(solve(net, GRID, p0, t_span=(0.0, 1.0), dt=0.01, t_eval=np.linspace(0.0, 1.0, 11),
                           method=method, backend=backend, tol=1e-10) for backend in ("native", "fipy"))


@pytest.mark.parametrize("gamma,method", [(10.0, "bdf2"), (100.0, "bdf2"), (10.0, "euler")])
def test_native_and_fipy_agree_on_ei_single(gamma, method):
    native, fipy = pair(gamma, method)
    assert fipy.backend == "fipy" and native.backend == "native"
    np.testing.assert_array_equal(native.t, fipy.t)
    assert np.max(np.abs(native.p - fipy.p)) / np.max(native.p) < 1e-8
    assert np.max(np.abs(native.activity - fipy.activity)) < 1e-9
    # the same iteration: same number of steps and (nearly) the same coupling work
    assert native.stats["steps"] == fipy.stats["steps"]
    assert abs(native.stats["evaluations"] - fipy.stats["evaluations"]) <= 0.05 * native.stats["evaluations"]


def test_fipy_conserves_mass_and_positivity():
    """FiPy's solution is not renormalised: its mass stays 1 to round-off; euler keeps p ≥ 0."""
    for method in ("bdf2", "euler"):
        fipy = pair(10.0, method)[1]
        assert np.max(np.abs(fipy.mass() - 1.0)) < 1e-12
    assert fipy.p.min() >= 0.0


def test_fipy_backend_rejects_infinite_gamma():
    from solvers.fipy_backend import FipyFrame
    with pytest.raises(ValueError, match="gamma"):
        FipyFrame(presets.ei_single(np.inf), GRID, 1e-10)


def test_native_and_fipy_agree_with_two_populations_and_external_drive():
    """P = 2 (one FiPy equation per population) with an external channel, TR-BDF2."""
    net = presets.driven(10.0)
    grid = Grid(-2.5, 2.5, 120)
    p0 = np.array([grid.gaussian(0.0, 0.4), grid.gaussian(0.2, 0.3)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        native, fipy = (solve(net, grid, p0, t_span=(0.0, 0.2), dt=0.01, t_eval=[0.1, 0.2], method="trbdf2",
                              backend=b) for b in ("native", "fipy"))
    assert np.max(np.abs(native.p - fipy.p)) / np.max(native.p) < 1e-8
    assert np.max(np.abs(native.activity - fipy.activity)) < 1e-9
    assert np.max(np.abs(fipy.mass() - 1.0)) < 1e-12
