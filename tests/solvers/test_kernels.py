"""Compiled stage kernels against the numpy path and against an exact-arithmetic reference.

The numpy path (``stage_bands`` + ``solve_stage``) is accurate where the stage matrix is well
conditioned on the non-Gibbs modes (one potential well: the physical drift); there the two must
agree to 1e-12. For arbitrary drifts with several wells and a‖L‖ ≫ α the numpy path loses digits
(errors ~ ε‖L‖ / |λ₂|), so the kernel is checked against a 50-digit decimal solve of the same
matrix instead, to which it must agree to 1e-13 (its elimination is cancellation-free).
"""
from decimal import Decimal, localcontext

import numpy as np
import pytest

from fokker import Grid, presets
from solvers.coupling import CouplingError, SecantNewton
from solvers.fluxes import apply_bands, bernoulli, sg_bands, stage_bands
from solvers.kernels import (PhysicalStageKernel, combine_rows, physical_evaluate, physical_evaluate_1d,
                             sg_apply_rows, sg_solve_rows)
from solvers.linalg import solve_stage

GAMMAS = [1.0, 1e2, 1e4, 1e6, 1e10]
STAGES = [(1.0, 1e-3), (1.5, 1e-2), (1.0, 1.0), (1e-3, 1e3)]   # (α, a), up to a‖L‖/α ~ 1e13


def relative_max_error(p: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(p - reference)) / np.max(np.abs(reference)))


def one_well_drift(rng, gamma: float, rows: int, n: int, lower: float = -2.0, upper: float = 2.0):
    """Face drifts f(x) + γ (B − A x) of the physical frame's shape, and the cell width."""
    h = (upper - lower) / n
    x_faces = lower + h * np.arange(1, n)
    A = rng.uniform(0.5, 2.0, size=(rows, 1))
    centre = rng.uniform(-0.5, 0.5, size=(rows, 1))
    f = rng.uniform(-1.0, 1.0, size=(rows, 1)) * np.sin(3.0 * x_faces)
    return f + gamma * A * (centre - x_faces), h


def exact_stage_solve(face_drift, diffusion, h, alpha, a, rhs, digits: int = 50) -> np.ndarray:
    """The stage solve in `digits`-digit decimal arithmetic (face weights B(±z) from doubles)."""
    z = face_drift * (h / diffusion[:, None])
    b = bernoulli(np.abs(z))
    ca = (a / (h * h)) * diffusion[:, None]
    upper = ca * np.where(z >= 0, b, b + np.abs(z))        # a c B(z): couples row i to p_{i+1}
    lower = ca * np.where(z >= 0, b + np.abs(z), b)        # a c B(−z): couples row i+1 to p_i
    out = np.empty_like(rhs)
    with localcontext() as ctx:
        ctx.prec = digits
        for r in range(rhs.shape[0]):                      # a slow reference, not a hot path
            up = [Decimal(float(w)) for w in upper[r]]
            lo = [Decimal(float(w)) for w in lower[r]] + [Decimal(0)]
            d = [Decimal(alpha) + lo[i] + (up[i - 1] if i else 0) for i in range(len(lo))]
            y = [Decimal(float(v)) for v in rhs[r]]
            for i in range(1, len(d)):
                factor = lo[i - 1] / d[i - 1]
                d[i] -= factor * up[i - 1]
                y[i] += factor * y[i - 1]
            x = y[-1] / d[-1]
            out[r, -1] = float(x)
            for i in range(len(d) - 2, -1, -1):
                x = (y[i] + up[i] * x) / d[i]
                out[r, i] = float(x)
    return out


@pytest.mark.parametrize("gamma", GAMMAS)
def test_matches_numpy_stage_solve(gamma):
    rng = np.random.default_rng(int(np.log10(gamma)))
    for rows, n in [(1, 2), (3, 3), (2, 57), (4, 400)]:
        drift, h = one_well_drift(rng, gamma, rows, n)
        D = rng.uniform(0.05, 0.5, size=rows)
        rhs = rng.random((rows, n))
        for alpha, a in STAGES:
            p = sg_solve_rows(drift, D, h, alpha, a, rhs)
            reference = solve_stage(*stage_bands(drift, D, h, alpha, a), rhs, alpha)
            assert relative_max_error(p, reference) < 1e-12, (rows, n, alpha, a)
            assert p.min() >= 0.0
            np.testing.assert_allclose(p.sum(axis=1), rhs.sum(axis=1) / alpha, rtol=1e-13)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_exact_for_several_wells_and_stiff_stages(gamma):
    """Random drifts (many wells), a‖L‖/α up to ~1e16: exact to round-off, p ≥ 0, exact mass."""
    rng = np.random.default_rng(10 + int(np.log10(gamma)))
    rows, n = 2, 60
    h = 4.0 / n
    drift = gamma * rng.standard_normal((rows, n - 1))
    D = rng.uniform(0.05, 0.5, size=rows)
    rhs = rng.random((rows, n))
    for alpha, a in STAGES + [(1e-6, 1e6)]:
        p = sg_solve_rows(drift, D, h, alpha, a, rhs)
        assert np.all(np.isfinite(p)) and p.min() >= 0.0
        assert relative_max_error(p, exact_stage_solve(drift, D, h, alpha, a, rhs)) < 1e-13, (alpha, a)
        np.testing.assert_allclose(p.sum(axis=1), rhs.sum(axis=1) / alpha, rtol=1e-13)


def discrete_gibbs(z: np.ndarray) -> np.ndarray:
    """g with g_{i+1} / g_i = exp(z_i) and max g = 1; log g is summed outwards from the peak, so
    its round-off is ε times the (small) log-range of the cells that matter, not of the whole grid."""
    log_g = np.concatenate([[0.0], np.cumsum(z)])
    k = int(np.argmax(log_g))
    log_g[k:] = np.concatenate([[0.0], np.cumsum(z[k:])])
    log_g[:k] = -np.cumsum(z[:k][::-1])[::-1]
    return np.exp(log_g)


@pytest.mark.parametrize("gamma", [1.0, 1e2, 1e4])
def test_stiff_limit_is_the_discrete_gibbs_state(gamma):
    """a / α → ∞: p tends to the zero-flux kernel p_{i+1}/p_i = exp(z_{i+½}) with mass Σ rhs / α,
    componentwise where p_i > 1e-6 max p (the deviation is O(α / a) relative to max p, so relative
    to p_i it grows like 1 / p_i in the tails; a / α = 1e20 leaves round-off only)."""
    rng = np.random.default_rng(3)
    rows, n = 2, 200
    drift, h = one_well_drift(rng, gamma, rows, n)
    D = np.array([0.125, 0.3])
    rhs = rng.random((rows, n))
    p = sg_solve_rows(drift, D, h, 1.0, 1e20, rhs)
    gibbs = np.array([discrete_gibbs(z) for z in drift * (h / D[:, None])])
    gibbs *= (rhs.sum(axis=1) / gibbs.sum(axis=1))[:, None]
    resolved = gibbs > 1e-6 * gibbs.max(axis=1, keepdims=True)
    np.testing.assert_allclose(p[resolved], gibbs[resolved], rtol=1e-12)
    assert np.max(np.abs(p - gibbs)) < 1e-13 * gibbs.max()


def test_huge_peclet_numbers_stay_finite():
    """γ = 1e10 at nx = 4000 (|z| ~ 1e9, e^z overflows): finite, non-negative, exact mass."""
    rng = np.random.default_rng(4)
    drift, h = one_well_drift(rng, 1e10, 3, 4000)
    drift[:, ::7] *= -1.0                                  # a few uphill faces as well
    rhs = rng.random((3, 4000))
    for alpha, a in STAGES:
        p = sg_solve_rows(drift, np.full(3, 0.125), h, alpha, a, rhs)
        assert np.all(np.isfinite(p)) and p.min() >= 0.0
        np.testing.assert_allclose(p.sum(axis=1), rhs.sum(axis=1) / alpha, rtol=1e-13)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_apply_matches_numpy_and_conserves_mass(gamma):
    rng = np.random.default_rng(5)
    drift, h = one_well_drift(rng, gamma, 3, 300)
    D = rng.uniform(0.05, 0.5, size=3)
    p = rng.random((3, 300))
    lp = sg_apply_rows(drift, D, h, p)
    lower, diag, upper = sg_bands(drift, D, h)
    scale = np.max(np.abs(diag) * p)                       # size of the individual face fluxes
    assert np.max(np.abs(lp - apply_bands(lower, diag, upper, p))) < 1e-13 * scale
    assert np.max(np.abs(lp.sum(axis=1))) < 1e-13 * scale


def numpy_evaluation(f_faces, gA, gB, x_faces, D, h, alpha, a, rhs, quadrature, source, weights, centres):
    """The same evaluation composed from the numpy path."""
    P, R, n = rhs.shape
    drift = np.multiply.outer(-gA, x_faces)[:, None, :] + gB[:, None, None] + f_faces
    p = solve_stage(*stage_bands(drift.reshape(P * R, n - 1), np.repeat(D, R), h, alpha, a),
                    rhs.reshape(P * R, n), alpha).reshape(P, R, n)
    m = np.einsum("ji,jri,r->j", quadrature, p[source], weights)
    xbar = h * np.einsum("i,ari,r->a", centres, p, weights)
    return p, m, xbar


@pytest.mark.parametrize("gamma", [1.0, 1e4, 1e10])
def test_physical_evaluate_matches_numpy_composition(gamma):
    rng = np.random.default_rng(6)
    P, R, n, K = 2, 3, 120, 3
    faces = np.linspace(-1.5, 1.5, n + 1)
    h, x_faces, centres = faces[1] - faces[0], faces[1:-1], 0.5 * (faces[:-1] + faces[1:])
    f_faces = rng.uniform(-1, 1, size=(P, R, 1)) * np.sin(2.0 * x_faces)
    gA = gamma * rng.uniform(0.5, 2.0, size=P)
    gB = gA * rng.uniform(-0.4, 0.4, size=P)
    D = np.array([0.125, 0.08])
    rhs = rng.random((P, R, n))
    quadrature = rng.random((K, n)) * h
    source = np.array([0, 1, 0])
    weights = rng.uniform(0.5, 1.5, size=R)
    for alpha, a in STAGES:
        args = (f_faces, gA, gB, x_faces, D, h, alpha, a, rhs, quadrature, source)
        got = physical_evaluate(*args, row_weights=weights)
        want = numpy_evaluation(*args, weights, centres)
        for g, w in zip(got, want):
            assert relative_max_error(g, w) < 1e-12, (alpha, a)
        p1, m1, x1 = physical_evaluate_1d(f_faces[:, 0], gA, gB, x_faces, D, h, alpha, a, rhs[:, 0],
                                          quadrature, source)
        want1 = numpy_evaluation(f_faces[:, :1], *args[1:8], rhs[:, :1], quadrature, source, np.ones(1), centres)
        for g, w in zip((p1[:, None], m1, x1), want1):
            assert relative_max_error(g, w) < 1e-12


def stage_pieces(net, grid):
    """Per-grid data of a physical-frame stage for ``net`` (one row per population)."""
    c = grid.centers
    f_faces = np.stack([pop.intrinsic.face_average(c[:-1], c[1:]) for pop in net.populations])[:, None, :]
    internal = np.flatnonzero(~net.is_external)
    quadrature = net.activation_table(c)[internal] * grid.width
    return f_faces, internal, net.source_index[internal], quadrature


def new_coupling(size: int, **options) -> SecantNewton:
    return SecantNewton(1e-10, scale=np.ones(size), typical=np.ones(size), **options)


@pytest.mark.parametrize("name, gamma", [("ei_single", 1e2), ("driven", 1e4), ("ei_pair", 1e6)])
def test_compiled_stage_repeats_the_python_iteration(name, gamma):
    """Same iterates as SecantNewton around physical_evaluate: same evaluation and Jacobian counts,
    densities to 1e-12, over a few BDF-like stages with the Jacobian kept across them."""
    net = presets.PRESETS[name](gamma)
    grid = Grid(-2.0, 2.0, 300)
    f_faces, internal, source, quadrature = stage_pieces(net, grid)
    p = np.stack([grid.gaussian(0.1 * a, 0.3) for a in range(net.P)])[:, None, :]
    python, compiled = new_coupling(internal.size), new_coupling(internal.size)
    stage = PhysicalStageKernel(compiled, f_faces, grid.inner_faces, net.diffusion, grid.width, quadrature, source,
                                internal, net.weights, net.reversal, gamma)
    u_py = u_c = np.einsum("ji,jri->j", quadrature, p[source])
    p_py = p_c = p
    for step in range(4):
        t, alpha, a = 0.01 * (step + 1), (1.0, 1.5)[step > 0], 0.01
        external = net.external_activities(t)

        def evaluate(u):
            m = external.copy()
            m[internal] = u
            p_new, m_hat, _ = physical_evaluate(f_faces, gamma * net.conductance(m), gamma * net.reversal_current(m),
                                                grid.inner_faces, net.diffusion, grid.width, alpha, a, p_py,
                                                quadrature, source)
            return u - m_hat, p_new

        rhs = p_c
        if step == 2:                                             # as the step rescue does
            python.jacobian = compiled.jacobian = None
        u_py, r_py, p_py = python.solve(evaluate, u_py)
        u_c, r_c, p_c, m_c = stage.solve(rhs, alpha, a, external, u_c)
        assert (compiled.evaluations, compiled.jacobian_updates) == (python.evaluations, python.jacobian_updates)
        assert relative_max_error(p_c, p_py) < 1e-12
        # the same iterates up to round-off (amplified by the Newton map's conditioning at large γ)
        assert np.max(np.abs(u_c - u_py)) < python.tol
        np.testing.assert_allclose(m_c, u_c - r_c, rtol=1e-13)
        assert np.all(np.abs(r_c) <= python.tol) and p_c.min() >= 0.0
        np.testing.assert_allclose(p_c.sum(axis=2), rhs.sum(axis=2) / alpha, rtol=1e-13)
        # the mean voltages left by the stage are those of its density
        np.testing.assert_allclose(stage.means, grid.width * (p_c[:, 0, :] @ grid.centers), rtol=1e-13, atol=1e-15)
    assert python.jacobian_updates < python.evaluations           # the Jacobian was reused


def test_compiled_stage_failures_raise_coupling_errors():
    net = presets.ei_single(1e4)
    grid = Grid(-2.0, 2.0, 200)
    f_faces, internal, source, quadrature = stage_pieces(net, grid)
    p = grid.gaussian(0.0, 0.3)[None, None, :]
    coupling = new_coupling(2, max_evaluations=2)
    stage = PhysicalStageKernel(coupling, f_faces, grid.inner_faces, net.diffusion, grid.width, quadrature, source,
                                internal, net.weights, net.reversal, net.gamma)
    with pytest.raises(CouplingError, match="did not converge in 2 evaluations"):
        stage.solve(p, 1.0, 1.0, net.external_activities(0.0), np.array([5.0, 0.0]))
    assert coupling.evaluations > 2
    with pytest.raises(ValueError, match="u_guess"):
        stage.solve(p, 1.0, 1.0, net.external_activities(0.0), np.zeros(3))
    with pytest.raises(ValueError, match="weights"):
        PhysicalStageKernel(coupling, f_faces, grid.inner_faces, net.diffusion, grid.width, quadrature, source,
                            internal, net.weights.T, net.reversal, net.gamma)


def test_combine_rows_is_numpy_bit_for_bit():
    rng = np.random.default_rng(3)
    y1, y0 = rng.standard_normal((2, 777)), rng.standard_normal((2, 777))
    for c1, c0 in [(1.0, 0.0), (4.0 / 3.0, -1.0 / 3.0), (1.7071067811865475, -0.7071067811865476)]:
        combined, lowest = combine_rows(c1, y1, c0, y0)
        assert np.array_equal(combined, c1 * y1 + c0 * y0) and lowest == combined.min()
    with pytest.raises(ValueError, match="same shape"):
        combine_rows(1.0, y1, 1.0, y0[:, :-1])


def test_invalid_arguments_are_named():
    drift, D, rhs = np.zeros((2, 9)), np.ones(2), np.ones((2, 10))
    with pytest.raises(ValueError, match="face_drift"):
        sg_solve_rows(np.zeros((2, 10)), D, 0.1, 1.0, 0.1, rhs)
    with pytest.raises(ValueError, match="diffusion"):
        sg_solve_rows(drift, np.array([1.0, 0.0]), 0.1, 1.0, 0.1, rhs)
    with pytest.raises(ValueError, match="alpha"):
        sg_solve_rows(drift, D, 0.1, 0.0, 0.1, rhs)
    with pytest.raises(ValueError, match="a must"):
        sg_solve_rows(drift, D, 0.1, 1.0, -1.0, rhs)
    with pytest.raises(ValueError, match="h must"):
        sg_apply_rows(drift, D, np.nan, rhs)
    with pytest.raises(ValueError, match="source"):
        physical_evaluate_1d(drift, np.ones(2), np.ones(2), np.linspace(0, 1, 9), D, 0.1, 1.0, 0.1, rhs,
                             np.ones((1, 10)), np.array([2]))
    with pytest.raises(FloatingPointError, match="non-finite"):
        sg_solve_rows(drift, D, 0.1, 1.0, 0.1, np.full((2, 10), np.nan))
    with pytest.raises(TypeError, match="source"):
        physical_evaluate_1d(drift, np.ones(2), np.ones(2), np.linspace(0, 1, 9), D, 0.1, 1.0, 0.1, rhs,
                             np.ones((1, 10)), np.array([0.5]))
    with pytest.raises(ValueError, match="row_weights"):
        physical_evaluate(drift[:, None], np.ones(2), np.ones(2), np.linspace(0, 1, 9), D, 0.1, 1.0, 0.1,
                          rhs[:, None], np.ones((1, 10)), np.array([0]), row_weights=np.ones(2))
