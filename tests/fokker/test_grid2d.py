"""Grid2D: product grids in (x, w), Gaussian cell averages and moments along the last two axes."""
import math

import numpy as np
import pytest

from fokker import Grid, Grid2D

GRID = Grid2D(Grid(-3.0, 3.0, 300), Grid(-1.5, 2.5, 200))


def test_structure_equality_and_repr():
    assert GRID.shape == (300, 200)
    assert GRID.cell_area == pytest.approx(0.02 * 0.02, rel=1e-14)
    assert GRID == Grid2D(Grid(-3.0, 3.0, 300), Grid(-1.5, 2.5, 200))
    assert GRID != Grid2D(Grid(-3.0, 3.0, 300), Grid(-1.5, 2.5, 100)) and GRID != GRID.x
    assert hash(GRID) == hash(Grid2D(Grid(-3.0, 3.0, 300), Grid(-1.5, 2.5, 200)))
    assert repr(GRID) == "Grid2D(Grid(-3, 3, 300), Grid(-1.5, 2.5, 200))"
    X, W = GRID.mesh()
    assert X.shape == W.shape == (300, 200)
    assert X[5, 7] == GRID.x.centers[5] and W[5, 7] == GRID.w.centers[7]


def test_gaussian_moments_are_exact_up_to_sheppards_correction():
    """Cell averages of a Gaussian with std ≫ h: grouped mean = mean, grouped variance = σ² + h²/12,
    both up to exponentially small terms (Euler–Maclaurin); the product law has zero covariance."""
    mx, mw, sx, sw = 0.1234, 0.6123, 0.3, 0.2           # ≥ 9σ from every end: no truncation
    p = GRID.gaussian(mean=(mx, mw), std=(sx, sw))
    assert p.shape == (300, 200) and np.all(p >= 0)
    assert GRID.integrate(p) == pytest.approx(1.0, abs=1e-14)
    hx, hw = GRID.x.width, GRID.w.width
    assert GRID.mean_x(p) == pytest.approx(mx, abs=1e-13)
    assert GRID.mean_w(p) == pytest.approx(mw, abs=1e-13)
    assert GRID.variance_x(p) - hx**2 / 12 == pytest.approx(sx**2, rel=1e-11)
    assert GRID.variance_w(p) - hw**2 / 12 == pytest.approx(sw**2, rel=1e-11)
    assert GRID.std_x(p) == pytest.approx(math.sqrt(sx**2 + hx**2 / 12), rel=1e-11)
    C = GRID.covariance(p)
    assert C.shape == (2, 2) and abs(C[0, 1]) < 1e-15 and C[0, 1] == C[1, 0]
    np.testing.assert_allclose(np.diag(C), [GRID.variance_x(p), GRID.variance_w(p)], rtol=1e-14)
    np.testing.assert_allclose(GRID.marginal_x(p), GRID.x.gaussian(mx, sx), rtol=1e-12)
    np.testing.assert_allclose(GRID.marginal_w(p), GRID.w.gaussian(mw, sw), rtol=1e-12)


def test_cross_covariance_of_point_masses():
    """Mass 1/2 at the cells (i, j) = (10, 20) and (30, 60): cov = (Δx/2)(Δw/2)."""
    p = np.zeros(GRID.shape)
    p[10, 20] = p[30, 60] = 0.5 / GRID.cell_area
    dx = GRID.x.centers[30] - GRID.x.centers[10]
    dw = GRID.w.centers[60] - GRID.w.centers[20]
    C = GRID.covariance(p)
    np.testing.assert_allclose(C, [[dx**2 / 4, dx * dw / 4], [dx * dw / 4, dw**2 / 4]], rtol=1e-12)


def test_stacks_reduce_over_the_last_two_axes():
    means = [(0.0, 0.5), (0.5, 0.3), (-0.5, 0.8)]
    p = np.stack([GRID.gaussian(m, (0.3, 0.2)) for m in means]).reshape(3, 1, 300, 200)
    p = np.concatenate([p, 2.0 * p], axis=1)                        # (nt, P, nx, nw) = (3, 2, 300, 200)
    np.testing.assert_allclose(GRID.integrate(p), [[1.0, 2.0]] * 3, rtol=1e-14)
    assert GRID.marginal_x(p).shape == (3, 2, 300) and GRID.marginal_w(p).shape == (3, 2, 200)
    np.testing.assert_allclose(GRID.mean_x(p)[:, 0], [m[0] for m in means], atol=1e-13)
    np.testing.assert_allclose(GRID.mean_w(p)[:, 1], [m[1] for m in means], atol=1e-13)
    assert GRID.covariance(p).shape == (3, 2, 2, 2)
    np.testing.assert_allclose(GRID.std_w(p)[:, 0], GRID.std_w(p)[:, 1], rtol=1e-14)


@pytest.mark.parametrize("args,match", [((Grid(0, 1, 10), 3.0), "w must be a Grid"),
                                        (((0, 1, 10), Grid(0, 1, 10)), "x must be a Grid")])
def test_non_grid_inputs(args, match):
    with pytest.raises(TypeError, match=match):
        Grid2D(*args)


@pytest.mark.parametrize("bad", [np.ones((300, 199)), np.ones(300), np.ones((200, 300))])
def test_wrong_density_shape(bad):
    for reduce in (GRID.integrate, GRID.marginal_x, GRID.mean_w, GRID.covariance):
        with pytest.raises(ValueError, match="shape"):
            reduce(bad)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(mean=(0.0, 0.5), std=(0.4, -0.3)), ValueError, r"std\[1\]"),
    (dict(mean=(0.0, 0.5), std=(0.0, 0.3)), ValueError, r"std\[0\]"),
    (dict(mean=(math.nan, 0.5), std=(0.4, 0.3)), ValueError, r"mean\[0\]"),
    (dict(mean=0.0, std=(0.4, 0.3)), TypeError, "mean must be a pair"),
    (dict(mean=(0.0, 0.5), std=(0.4, 0.3, 0.2)), TypeError, "std must be a pair")])
def test_bad_gaussian_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        GRID.gaussian(**kwargs)
