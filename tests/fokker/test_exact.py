"""The exact solutions of fokker.exact against independent numerics.

- ou_moments: a direct numerical integration (scipy's solve_ivp, Radau) of the moment
  equations dμ/dt = −g (μ − E_L) + γ Σ_k J_k m_k (E_k − μ), dv/dt = −2 (g + γ Σ_k J_k m_k) v + σ²,
  written here from the raw parameters, also at γ = 1e6.
- ou_density: Gauss–Legendre quadrature of the Gaussian pdf over every cell.
- gibbs_density: exp(2U/σ²) with U(x) = ∫₀ˣ v computed by quadrature of the drift itself
  (not of the intrinsic's ``potential``).
- the solver against the OU solution of a network with an external channel.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from fokker import Channel, Cubic, Grid, Leak, Network, Population, Sigmoid, presets
from fokker.exact import constant_activities, gibbs_density, ou_density, ou_moments
from solvers import solve


def flat_network(gamma: float) -> tuple[Network, dict]:
    """Two populations, slope-0 sigmoids (m = s_max/2), one constant and one constant-callable drive."""
    raw = dict(rates=[1.0, 0.5], rests=[-0.5, 0.2], sigmas=[0.5, 0.7], reversal=[1.0, -1.0, 0.8, -0.3],
               m=[0.5, 0.35, 0.3, 0.45], weights=[[1.0, 1.5, 0.4, 0.0], [1.5, 1.0, 0.0, 0.6]])
    pops = [Population(n, Leak(r, e), s) for n, r, e, s in zip("EI", raw["rates"], raw["rests"], raw["sigmas"])]
    chans = [Channel("exc", 1.0, Sigmoid(1.0, 0.0, 0.3), source="E"),
             Channel("inh", -1.0, Sigmoid(0.7, 0.0, -2.0), source="I"),
             Channel("ext", 0.8, source=None, activity=0.3),
             Channel("ext2", -0.3, source=None, activity=lambda t: 0.45)]
    return Network(pops, chans, raw["weights"], gamma), raw


def moments_by_integration(raw: dict, gamma: float, mean0, std0, t) -> tuple[np.ndarray, np.ndarray]:
    P = len(raw["rates"])
    A = [sum(raw["weights"][a][k] * raw["m"][k] for k in range(len(raw["m"]))) for a in range(P)]
    B = [sum(raw["weights"][a][k] * raw["m"][k] * raw["reversal"][k] for k in range(len(raw["m"])))
         for a in range(P)]

    def rhs(_, y):
        mu, v = y[:P], y[P:]
        dmu = [-raw["rates"][a] * (mu[a] - raw["rests"][a]) + gamma * (B[a] - A[a] * mu[a]) for a in range(P)]
        dv = [-2.0 * (raw["rates"][a] + gamma * A[a]) * v[a] + raw["sigmas"][a] ** 2 for a in range(P)]
        return dmu + dv

    y0 = list(mean0) + [s**2 for s in std0]
    sol = solve_ivp(rhs, (t[0], t[-1]), y0, method="Radau", t_eval=t, rtol=1e-12, atol=1e-14)
    return sol.y[:P].T, sol.y[P:].T


@pytest.mark.parametrize("gamma", [0.0, 1.0, 30.0, 1e6])
def test_ou_moments_equal_the_integrated_moment_equations(gamma):
    net, raw = flat_network(gamma)
    t = np.linspace(0.0, 2.0, 9) if gamma < 1e3 else np.linspace(0.0, 2e-5, 9)
    mean, var = ou_moments(net, [-1.0, 0.8], [0.4, 0.3], t)
    mean_ref, var_ref = moments_by_integration(raw, gamma, [-1.0, 0.8], [0.4, 0.3], t)
    np.testing.assert_allclose(mean, mean_ref, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(var, var_ref, rtol=1e-8, atol=1e-14)


def test_constant_activities_of_flat_sigmoids_and_constant_drives():
    net, raw = flat_network(1.0)
    np.testing.assert_array_equal(constant_activities(net), raw["m"])


@pytest.mark.parametrize("make,match", [
    (lambda: presets.ei_single(1.0), "exc"),                                   # sloped sigmoid
    (lambda: presets.driven(1.0, exc=Sigmoid(1.0, 0.0), inh=Sigmoid(1.0, 0.0)), "ext"),   # a(t) varies
])
def test_constant_activities_refuses_varying_activities(make, match):
    with pytest.raises(ValueError, match=match):
        constant_activities(make())


def test_ou_moments_refuses_other_intrinsic_dynamics():
    net = presets.ei_single(1.0, intrinsic=Cubic(0.1), exc=Sigmoid(1.0, 0.0), inh=Sigmoid(1.0, 0.0))
    with pytest.raises(ValueError, match="Leak"):
        ou_moments(net, 0.0, 0.3, [0.0, 1.0])


def gauss_legendre_cells(grid: Grid, mean: float, std: float, order: int = 12) -> np.ndarray:
    nodes, weights = np.polynomial.legendre.leggauss(order)
    x = grid.centers[:, None] + 0.5 * grid.width * nodes[None, :]
    pdf = np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
    cells = 0.5 * (pdf @ weights)                                  # cell average
    return cells / (cells.sum() * grid.width)


def test_ou_density_cells_are_quadratures_of_the_gaussian():
    net, _ = flat_network(5.0)
    grid = Grid(-3.0, 3.0, 240)
    t = np.array([0.0, 0.05, 0.4])
    dens = ou_density(net, grid, [-1.0, 0.8], [0.4, 0.3], t)
    mean, var = ou_moments(net, [-1.0, 0.8], [0.4, 0.3], t)
    for i in range(t.size):
        for a in range(2):
            ref = gauss_legendre_cells(grid, mean[i, a], math.sqrt(var[i, a]))
            big = ref > 1e-200
            np.testing.assert_allclose(dens[i, a][big], ref[big], rtol=1e-9)


@pytest.mark.parametrize("intrinsic", [Leak(1.0, -0.5), Cubic(0.3)], ids=["leak", "cubic"])
@pytest.mark.parametrize("gamma", [0.0, 2.0, 50.0])
def test_gibbs_density_is_the_quadrature_of_exp_2U_over_sigma2(intrinsic, gamma):
    """U(x) = ∫₀ˣ v(s) ds by Gauss–Legendre on the drift v = f + γ Σ_k J_k m_k (E_k − s) itself."""
    sigma, reversal, weights, m = 0.6, [1.0, -1.0, 0.5], [1.0, 1.5, 0.4], [0.7, 0.2, 0.9]
    net = Network([Population("E", intrinsic, sigma)],
                  [Channel("exc", 1.0, Sigmoid(1.0, 4.0, 0.0), source="E"),
                   Channel("inh", -1.0, Sigmoid(1.0, 4.0, 0.5), source="E"),
                   Channel("ext", 0.5, source=None, activity=0.9)], [weights], gamma)
    grid = Grid(-2.5, 2.5, 200)

    def v(s):
        return intrinsic(s) + gamma * sum(w * mk * (E - s) for w, mk, E in zip(weights, m, reversal))

    nodes, w = np.polynomial.legendre.leggauss(20)
    x = grid.centers
    U = np.array([0.5 * xi * float(v(0.5 * xi * (nodes + 1.0)) @ w) for xi in x])
    ref = np.exp(2.0 * (U - U.max()) / sigma**2)
    ref /= ref.sum() * grid.width
    got = gibbs_density(net, grid, np.array(m))[0]
    big = ref > 1e-250
    np.testing.assert_allclose(got[big], ref[big], rtol=1e-9)


def test_gibbs_density_needs_a_potential():
    net = presets.ei_single(1.0, intrinsic=lambda x: -x)
    with pytest.raises(ValueError, match="potential"):
        gibbs_density(net, Grid(-1.0, 1.0, 10), np.array([0.5, 0.5]))


@pytest.mark.parametrize("method,l1,mean_err", [("euler", 1e-2, 2e-3), ("bdf2", 2e-3, 2e-4), ("trbdf2", 2e-3, 2e-4)])
def test_solver_follows_the_ou_solution_of_a_network_with_external_channels(method, l1, mean_err):
    """The constant drives enter A and B: a solver that lost them would miss the OU mean by O(0.1).

    Bounds: first order in dt = 2e-3 for euler (measured L1 5.5e-3), second order otherwise."""
    net, _ = flat_network(2.0)
    grid = Grid(-3.0, 3.0, 600)
    p0 = np.stack([grid.gaussian(-1.0, 0.4), grid.gaussian(0.8, 0.3)])
    sol = solve(net, grid, p0, t_span=(0.0, 1.0), dt=2e-3, t_eval=[0.1, 0.5, 1.0], method=method)
    exact = ou_density(net, grid, [-1.0, 0.8], [0.4, 0.3], sol.t)
    assert np.max(grid.integrate(np.abs(sol.p - exact))) < l1
    mean, var = ou_moments(net, [-1.0, 0.8], [0.4, 0.3], sol.t)
    assert np.max(np.abs(sol.mean() - mean)) < mean_err
    assert np.max(np.abs(sol.std() - np.sqrt(var))) < l1
