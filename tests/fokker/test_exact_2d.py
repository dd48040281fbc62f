"""The exact Gaussian of the linear two-variable model: moments and cell averages."""
import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.linalg import solve_continuous_lyapunov
from scipy.special import ndtr

from fokker.exact_2d import gaussian_cell_averages, gaussian_moments, linear_fhn_matrices

NOISE = np.array([0.5, 0.1])
MEAN0 = np.array([0.1, -0.2])
COV0 = np.array([[0.04, 0.01], [0.01, 0.09]])


def fhn(gamma_A: float) -> tuple[np.ndarray, np.ndarray]:
    return linear_fhn_matrices(0.7, 0.8, 0.08, 0.5, gamma_A, 0.3 * gamma_A)


def test_matrices():
    K, k = linear_fhn_matrices(0.7, 0.8, 0.08, 0.5, 2.0, 0.6)
    np.testing.assert_array_equal(K, [[-1.0, -1.0], [0.08, -0.064]])
    np.testing.assert_allclose(k, [1.1, 0.056], rtol=1e-15)


def ode_moments(K, k, t, method: str) -> tuple[np.ndarray, np.ndarray]:
    """m' = K m + k, C' = K C + C Kᵀ + Q by solve_ivp at rtol 1e-12 (exact Jacobian for the implicit methods)."""
    Q = np.diag(NOISE**2)
    lyapunov = np.kron(K, np.eye(2)) + np.kron(np.eye(2), K)
    jac = np.block([[K, np.zeros((2, 4))], [np.zeros((4, 2)), lyapunov]])

    def rhs(_, y):
        cov = y[2:].reshape(2, 2)
        return np.concatenate([K @ y[:2] + k, (K @ cov + cov @ K.T + Q).ravel()])

    options = dict(jac=lambda *_: jac) if method in ("Radau", "LSODA") else {}
    sol = solve_ivp(rhs, (0.0, t[-1]), np.concatenate([MEAN0, COV0.ravel()]), method=method, t_eval=t,
                    rtol=1e-12, atol=1e-20, **options)
    assert sol.success
    return sol.y[:2].T, sol.y[2:].T.reshape(-1, 2, 2)


@pytest.mark.parametrize("gamma_A, method, tol", [
    (0.0, "DOP853", 1e-12),        # unstable node
    (1.0, "DOP853", 1e-12),        # complex eigenvalues
    (1e4, "LSODA", 5e-11),         # stiff; LSODA's own global error is ~1e-12 relative
    (1e10, "LSODA", 5e-11),
    pytest.param(1e10, "Radau", 1e-12, marks=pytest.mark.slow),
])
def test_moments_match_an_ode_solve(gamma_A, method, tol):
    K, k = fhn(gamma_A)
    t = np.array([0.0, 1e-9, 0.5, 4.0])
    means, covs = gaussian_moments(K, k, NOISE, MEAN0, COV0, t)
    ref_means, ref_covs = ode_moments(K, k, t, method)
    assert np.max(np.abs(means - ref_means)) < tol * np.max(np.abs(ref_means))
    # every entry to its own size (the x-variance is σ²/(2γA) ~ 1e-11 at γA = 1e10)
    assert np.max(np.abs(covs - ref_covs) / np.abs(ref_covs)) < 10 * tol
    np.testing.assert_allclose(means[0], MEAN0, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(covs[0], COV0, rtol=1e-15)


@pytest.mark.parametrize("gamma_A", [1e4, 1e7, 1e10])
def test_long_time_limit_is_the_lyapunov_solution(gamma_A):
    """t = 2000 (slow rate 0.064): m∞ = −K⁻¹ k and K C∞ + C∞ Kᵀ + Q = 0 (Bartels–Stewart), entrywise."""
    K, k = fhn(gamma_A)
    means, covs = gaussian_moments(K, k, NOISE, MEAN0, COV0, 2000.0)
    np.testing.assert_allclose(means[0], -np.linalg.solve(K, k), rtol=1e-13)
    np.testing.assert_allclose(covs[0], solve_continuous_lyapunov(K, -np.diag(NOISE**2)), rtol=1e-13)
    assert covs[0, 0, 0] == pytest.approx(NOISE[0] ** 2 / (2 * gamma_A), rel=1e-3)   # σ²/(2γA)


def test_moment_inputs_are_validated():
    K, k = fhn(1.0)
    with pytest.raises(ValueError, match="cov0 must be symmetric positive semidefinite"):
        gaussian_moments(K, k, NOISE, MEAN0, [[1.0, 2.0], [2.0, 1.0]], 1.0)
    with pytest.raises(ValueError, match="t must be"):
        gaussian_moments(K, k, NOISE, MEAN0, COV0, [-1.0])
    with pytest.raises(ValueError, match="noise must be >= 0"):
        gaussian_moments(K, k, [-0.1, 0.0], MEAN0, COV0, 1.0)
    with pytest.raises(ValueError, match="K must have shape"):
        gaussian_moments(np.eye(3), k, NOISE, MEAN0, COV0, 1.0)
    with pytest.raises(ValueError, match="gamma_A must be >= 0"):
        linear_fhn_matrices(0.7, 0.8, 0.08, 0.5, -1.0, 0.0)


def cell_probability(mean, cov, x0, x1, w0, w1) -> float:
    """∫_{x0}^{x1} φ_x(x) P(w0 < W < w1 | x) dx by adaptive quadrature (conditional normal CDF)."""
    sx, sw = np.sqrt(cov[0, 0]), np.sqrt(cov[1, 1])
    rho = cov[0, 1] / (sx * sw)
    s_cond = sw * np.sqrt(1.0 - rho**2)

    def integrand(x):
        u = (x - mean[0]) / sx
        centre = mean[1] + rho * sw * u
        return np.exp(-0.5 * u * u) / (np.sqrt(2 * np.pi) * sx) * (ndtr((w1 - centre) / s_cond)
                                                                   - ndtr((w0 - centre) / s_cond))
    peak = [mean[0]] if x0 < mean[0] < x1 else None
    return quad(integrand, x0, x1, epsabs=1e-18, epsrel=1e-13, limit=200, points=peak)[0]


@pytest.mark.parametrize("mean, cov", [
    (np.array([0.2, -0.1]), np.array([[0.09, 0.05], [0.05, 0.04]])),        # ρ = 0.83
    (np.array([0.0, 0.3]), np.array([[0.04, -0.0396], [-0.0396, 0.04]])),   # ρ = −0.99
])
def test_cell_averages_match_quadrature(mean, cov):
    xf, wf = np.linspace(-1.5, 1.8, 34), np.linspace(-1.2, 1.0, 23)
    averages = gaussian_cell_averages(xf, wf, mean, cov)
    area = np.diff(xf)[:, None] * np.diff(wf)[None, :]
    worst = 0.0
    for i in range(0, 33, 4):
        for j in range(0, 22, 3):
            reference = cell_probability(mean, cov, xf[i], xf[i + 1], wf[j], wf[j + 1])
            worst = max(worst, abs(averages[i, j] * area[i, j] - reference))
    assert worst < 1e-15
    box = cell_probability(mean, cov, xf[0], xf[-1], wf[0], wf[-1])
    assert np.sum(averages * area) == pytest.approx(box, abs=1e-14)
    assert averages.min() >= 0.0


def test_independent_case_is_a_product_of_marginals():
    xf, wf = np.linspace(-2.0, 2.5, 46), np.linspace(-1.0, 1.5, 26)
    mean, sx, sw = np.array([0.3, 0.2]), 0.5, 0.3
    averages = gaussian_cell_averages(xf, wf, mean, np.diag([sx**2, sw**2]))
    px = np.diff(ndtr((xf - mean[0]) / sx))
    pw = np.diff(ndtr((wf - mean[1]) / sw))
    area = np.diff(xf)[:, None] * np.diff(wf)[None, :]
    np.testing.assert_allclose(averages * area, np.outer(px, pw), rtol=1e-12, atol=5e-16)


def test_cell_averages_of_the_stiff_law():
    """γA = 1e10: std(x) = 3.5e-6 on cells 1e-6 wide; the grid holds all the mass."""
    K, k = fhn(1e10)
    means, covs = gaussian_moments(K, k, NOISE, MEAN0, COV0, 50.0)
    mean, cov = means[0], covs[0]
    xf = mean[0] + np.linspace(-4e-5, 4e-5, 81)
    wf = mean[1] + np.linspace(-3.0, 3.0, 61)
    averages = gaussian_cell_averages(xf, wf, mean, cov)
    area = np.diff(xf)[:, None] * np.diff(wf)[None, :]
    assert np.sum(averages * area) == pytest.approx(1.0, abs=1e-14)
    i, j = 40, 31
    reference = cell_probability(mean, cov, xf[i], xf[i + 1], wf[j], wf[j + 1])
    assert averages[i, j] * area[i, j] == pytest.approx(reference, rel=1e-12)


def test_cell_average_inputs_are_validated():
    good = dict(x_faces=[0.0, 1.0], w_faces=[0.0, 1.0], mean=[0.0, 0.0], cov=np.eye(2))
    for change, match in [(dict(x_faces=[1.0, 0.0]), "x_faces must be a strictly increasing"),
                          (dict(w_faces=[0.0]), "w_faces must be"),
                          (dict(cov=[[1.0, 1.0], [1.0, 1.0]]), "cov must be symmetric positive definite"),
                          (dict(mean=[0.0, np.nan]), "mean must be finite")]:
        with pytest.raises(ValueError, match=match):
            gaussian_cell_averages(**{**good, **change})
