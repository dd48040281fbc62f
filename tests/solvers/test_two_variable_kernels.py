"""The factorised-exponential row stages of ``solvers.kernels_2d`` against the kernels of ``solvers.kernels``."""
import numpy as np
import pytest

from solvers import kernels
from solvers.kernels_2d import FACTOR_LIMIT, SplitRows

P, R, N = 2, 19, 40           # R not a multiple of the block size: the padded last block is exercised
H = 6.0 / N
X_FACES = -3.0 + H * np.arange(1, N)
D = np.array([0.045, 0.02])


def data(seed=1, spread=3.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(P, R, N - 1)) * spread, rng.random((P, R, N)), rng.random((3, N)), np.array([0, 1, 1])


@pytest.mark.parametrize("gA, gB", [((1.0, 2.0), (0.3, -0.5)),            # moderate drift: the factorised path
                                     ((0.0, 0.0), (0.0, 0.0)),             # coupling off: z_c = 0 exactly
                                     ((1e4, 1e6), (10.0, -3e5)),           # |z_c| > FACTOR_LIMIT: direct expm1
                                     ((0.0, 0.0), (0.0, 1.0))])
def test_evaluate_and_apply_equal_the_1d_kernels_to_round_off(gA, gB):
    f, rhs, quad, src = data()
    gA, gB = np.array(gA), np.array(gB)
    weights = np.full(R, 0.02)
    rows = SplitRows(f, X_FACES, D, H)
    p1, m1, x1 = kernels.physical_evaluate(f, gA, gB, X_FACES, D, H, 1.0, 0.01, rhs, quad, src, weights)
    p2, m2, x2 = rows.evaluate(gA, gB, 1.0, 0.01, rhs, quad, src, weights)
    assert p2.min() >= 0.0
    np.testing.assert_allclose(p2, p1, rtol=5e-14, atol=0)
    np.testing.assert_allclose(m2, m1, rtol=1e-13)
    np.testing.assert_allclose(x2, x1, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(p2.sum(axis=2), rhs.sum(axis=2), rtol=1e-15)       # the row masses, restored
    drift = (f + (gB[:, None] - gA[:, None] * X_FACES)[:, None, :]).reshape(-1, N - 1)
    rate = kernels.sg_apply_rows(drift, np.repeat(D, R), H, rhs.reshape(-1, N))
    np.testing.assert_allclose(rows.apply(gA, gB, rhs).reshape(-1, N), rate, rtol=0,
                               atol=1e-14 * np.abs(rate).max())


def test_large_intrinsic_exponents_fall_back_to_expm1():
    f, rhs, quad, src = data(spread=1.0)
    f[0, 3, 5] = 2.0 * FACTOR_LIMIT / (H / D[0])           # |z_f| beyond the limit
    gA, gB, weights = np.array([1.0, 1.0]), np.zeros(2), np.ones(R)
    p1 = kernels.physical_evaluate(f, gA, gB, X_FACES, D, H, 1.0, 0.1, rhs, quad, src, weights)[0]
    p2 = SplitRows(f, X_FACES, D, H).evaluate(gA, gB, 1.0, 0.1, rhs, quad, src, weights)[0]
    np.testing.assert_allclose(p2, p1, rtol=5e-14, atol=1e-300)


def test_bad_inputs():
    f, rhs, quad, src = data()
    with pytest.raises(ValueError, match="diffusion"):
        SplitRows(f, X_FACES, np.array([0.1, -1.0]), H)
    with pytest.raises(ValueError, match="x_faces"):
        SplitRows(f, X_FACES[:-1], D, H)
    with pytest.raises(ValueError, match="h must be"):
        SplitRows(f, X_FACES, D, 0.0)
    bad = f.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="f_faces must be finite"):
        SplitRows(bad, X_FACES, D, H)
    rows = SplitRows(f, X_FACES, D, H)
    with pytest.raises(ValueError, match="rhs must have shape"):
        rows.evaluate(np.ones(2), np.ones(2), 1.0, 0.1, rhs[:, :-1], quad, src, np.ones(R))


@pytest.mark.parametrize("sigma_w", [0.0, 0.3])
def test_recovery_step_in_the_solver_layout_equals_recovery_step(sigma_w):
    from solvers.recovery import recovery_step, recovery_step_wx
    rng = np.random.default_rng(3)
    p = rng.random((2, 30, 25))                      # (P, nx, nw)
    x = np.linspace(-2.0, 2.0, 30)
    a, b, c = np.array([0.7, 0.5]), np.array([0.8, 0.0]), np.array([0.08, 1.0])     # b = 0: a translation
    D_w = np.full(2, 0.5 * sigma_w**2)
    ref = recovery_step(p, x, -1.5, 2.5, a, b, c, 0.3, D_w)
    got = recovery_step_wx(np.ascontiguousarray(p.transpose(0, 2, 1)), x, -1.5, 2.5, a, b, c, 0.3, D_w)
    np.testing.assert_allclose(got.density.transpose(0, 2, 1), ref.density, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(got.clipped_mass, ref.clipped_mass)
    np.testing.assert_array_equal(got.moment_defect, ref.moment_defect)
