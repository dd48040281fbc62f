"""Electrical coupling (gap junctions G) in the 1D solvers: exact Gaussian solutions and the neutral direction.

Leak populations f_α = −λ_α (x − r_α) whose channels have constant activations (Sigmoid with slope 0)
are linear with mean-field coupling through the means only: each density stays Gaussian with

    dx̄/dt = M x̄ + b,   M = −diag(λ) − γ diag(A) + γ G,   b = λ r + γ Σ_k J m E,
    dV_α/dt = −2 (λ_α + γ A_α) V_α + σ_α²,      A_α = Σ_k J_αk m_k + Σ_β G_αβ,

written exactly below with scipy.linalg.expm. The physical frame is second order in (h, dt);
the desingularised frame tracks the means at every γ. A population coupled only electrically to
itself (no channel) has A = G and B = G x̄, so γ(B − A x̄) = 0: its mean moves at dx̄/dt = ⟨f⟩
(= −λ x̄ for a Leak: exact), whatever γ — the neutral direction of the balance continuum — at a
cost (steps) independent of γ, with mass and ∫ y q preserved at every output time.
"""
import math
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from fokker import Channel, Cubic, Grid, Leak, Network, Population, Sigmoid
from fokker.fhn import FitzHughNagumo
from solvers import solve, solve_desingularised

RATES = np.array([1.0, 0.5])
RESTS = np.array([0.0, 0.2])
SIGMAS = np.array([0.5, 0.4])
G_PAIR = np.array([[0.0, 0.8], [0.5, 0.0]])
M_CONST = np.array([0.5])                   # the constant activation s_max / 2 of the one channel
T_OUT = np.linspace(0.0, 1.0, 5)


def leak_pair(gamma: float, electrical=G_PAIR, weights=((1.0,), (0.6,))) -> Network:
    pops = [Population(n, Leak(rate=float(r), rest=float(x)), sigma=float(s))
            for n, r, x, s in zip("AB", RATES, RESTS, SIGMAS)]
    channels = [Channel("c", 0.5, Sigmoid(1.0, 0.0, 0.0), source="A")] if len(weights[0]) else []
    return Network(pops, channels, np.array(weights, dtype=float).reshape(2, -1), gamma, electrical=electrical)


def exact_moments(net: Network, t: np.ndarray, mean0: np.ndarray, var0: np.ndarray):
    """(means (T, 2), variances (T, 2)) of the linear Gaussian solution."""
    g = net.gamma
    m = M_CONST if net.K else np.zeros(0)
    A = net.conductance(m)
    b = RATES * RESTS + g * ((m * net.reversal) @ net.weights.T)
    augmented = np.zeros((3, 3))
    augmented[:2, :2] = -np.diag(RATES) - g * np.diag(A) + g * net.electrical
    augmented[:2, 2] = b
    means = np.array([(expm(augmented * s) @ np.append(mean0, 1.0))[:2] for s in t])
    k = RATES + g * A
    v_inf = SIGMAS**2 / (2.0 * k)
    return means, v_inf + (var0 - v_inf) * np.exp(-2.0 * np.outer(t, k))


def gaussian(x: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    return np.exp(-(x - mean[..., None]) ** 2 / (2.0 * var[..., None])) / np.sqrt(2.0 * math.pi * var[..., None])


MEAN0, STD0 = np.array([-0.4, 0.5]), np.array([0.3, 0.25])


def physical_errors(backend: str, nx: int, dt: float) -> np.ndarray:
    """(mean, variance, L1) errors against the exact solution, max over outputs and populations."""
    net = leak_pair(1.0)
    grid = Grid(-3.0, 3.0, nx)
    p0 = np.stack([grid.gaussian(m, s) for m, s in zip(MEAN0, STD0)])
    sol = solve(net, grid, p0, (0.0, 1.0), dt=dt, t_eval=T_OUT, backend=backend)
    means, var = exact_moments(net, T_OUT, MEAN0, STD0**2)
    l1 = np.sum(np.abs(sol.p - gaussian(grid.centers, means, var)), axis=-1) * grid.width
    return np.array([np.max(np.abs(sol.mean() - means)), np.max(np.abs(sol.std() ** 2 - var)), np.max(l1)])


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_physical_frame_is_second_order_against_the_exact_gaussian(backend):
    coarse, fine = physical_errors(backend, 200, 0.02), physical_errors(backend, 400, 0.01)
    assert np.all(coarse < [2e-3, 1e-3, 1e-2])
    assert np.all(coarse / fine > 3.5), coarse / fine          # second order: 4 when h and dt halve


def test_physical_frame_fipy_backend_agrees():
    pytest.importorskip("fipy")
    net = leak_pair(1.0)
    grid = Grid(-3.0, 3.0, 120)
    p0 = np.stack([grid.gaussian(m, s) for m, s in zip(MEAN0, STD0)])
    a, b = (solve(net, grid, p0, (0.0, 0.3), dt=0.02, t_eval=[0.3], backend=k) for k in ("numpy", "fipy"))
    assert np.max(np.abs(a.p - b.p)) / np.max(a.p) < 1e-8


@pytest.mark.parametrize("gamma", [1e4, 1e8])
def test_desingularised_frame_means_follow_the_linear_ode(gamma):
    net = leak_pair(gamma)
    eps = gamma ** -0.5
    y = Grid(-6.0, 6.0, 300)
    std_y = np.sqrt(SIGMAS**2 / (2.0 * (RATES + gamma * net.conductance(M_CONST)))) / eps   # stationary width
    q0 = np.stack([y.gaussian(0.0, s) for s in std_y])
    sol = solve_desingularised(net, y, q0, MEAN0, (0.0, 1.0), dt=0.02, t_eval=T_OUT)
    means, var = exact_moments(net, T_OUT, MEAN0, (eps * std_y) ** 2)
    assert np.max(np.abs(sol.mu + eps * y.mean(sol.q) - means)) < 1e-9
    np.testing.assert_allclose(eps**2 * y.std(sol.q) ** 2, var, rtol=2e-3)


def test_auto_frame_with_electrical_coupling():
    net = leak_pair(1e4)
    grid = Grid(-1.5, 1.5, 300)
    p0 = np.stack([grid.gaussian(m, s) for m, s in zip(MEAN0, STD0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # the user grid does not resolve the final width
        sol = solve(net, grid, p0, (0.0, 0.5), dt=0.01, t_eval=[0.25, 0.5], frame="auto", auto_cells=200)
    means, _ = exact_moments(net, np.array([0.25, 0.5]), MEAN0, STD0**2)
    assert np.max(np.abs(sol.mean() - means)) < 1e-6


def electrical_only(intrinsic, gamma: float) -> Network:
    return Network([Population("E", intrinsic, sigma=0.5)], [], np.zeros((1, 0)), gamma, electrical=[[1.0]])


MU0 = 0.8


def run_alone(intrinsic, gamma: float, dt: float):
    y = Grid(-4.0, 4.0, 200)
    return y, solve_desingularised(electrical_only(intrinsic, gamma), y, y.gaussian(0.0, 0.5), MU0, (0.0, 1.0),
                                   dt=dt, t_eval=T_OUT)


GAMMAS = [1e2, 1e4, 1e6, 1e8, 1e10]


@pytest.mark.parametrize("gamma", GAMMAS)
def test_electrical_only_leak_mean_moves_at_its_intrinsic_speed(gamma):
    y, coarse = run_alone(Leak(1.0), gamma, 0.02)
    _, fine = run_alone(Leak(1.0), gamma, 0.01)
    exact = MU0 * np.exp(-T_OUT)
    errors = [np.max(np.abs(s.mu[:, 0] + s.epsilon * y.mean(s.q)[:, 0] - exact)) for s in (coarse, fine)]
    assert errors[0] < 2e-4 and errors[0] / errors[1] > 3.5, errors     # BDF2, second order, every γ
    assert coarse.stats["steps"] == 52 and fine.stats["steps"] == 100  # the cost does not depend on γ
    for s in (coarse, fine):
        assert np.max(np.abs(y.integrate(s.q) - 1.0)) < 1e-13
        assert np.max(np.abs(y.integrate(s.q * y.centers))) < 1e-12


@pytest.mark.parametrize("gamma", [1e6, 1e10])
def test_electrical_only_cubic_mean_follows_f_of_the_mean(gamma):
    """At large γ ⟨f(μ + ε y)⟩ = f(μ) − μ ε² ⟨y²⟩ → f(μ): μ solves dμ/dt = f(μ) (to ε² ≤ 1e-6 and dt²)."""
    y, sol = run_alone(Cubic(), gamma, 0.01)
    ode = solve_ivp(lambda t, u: Cubic()(u), (0.0, 1.0), [MU0], t_eval=T_OUT, rtol=1e-12, atol=1e-12)
    assert np.max(np.abs(sol.mu[:, 0] - ode.y[0])) < 1e-4
    assert np.max(np.abs(y.integrate(sol.q) - 1.0)) < 1e-13
    assert np.max(np.abs(y.integrate(sol.q * y.centers))) < 1e-12


@pytest.mark.parametrize("gamma", [1e2, 1e10])
def test_electrical_only_pair_neutral_direction(gamma):
    """Two channel-less Leak populations coupled to each other: the common mode moves at O(1) speed,
    the difference relaxes at rate γ (G₁₂ + G₂₁); the means follow the exact linear ODE at every γ."""
    G = np.array([[0.0, 1.0], [1.0, 0.0]])
    net = leak_pair(gamma, electrical=G, weights=((), ()))
    eps = gamma ** -0.5
    y = Grid(-6.0, 6.0, 300)
    std_y = np.sqrt(SIGMAS**2 / (2.0 * (RATES + gamma * net.conductance(np.zeros(0))))) / eps
    q0 = np.stack([y.gaussian(0.0, s) for s in std_y])
    mean0 = np.array([0.7, 0.7])
    sols = [solve_desingularised(net, y, q0, mean0, (0.0, 1.0), dt=dt, t_eval=T_OUT) for dt in (0.02, 0.01)]
    means, _ = exact_moments(net, T_OUT, mean0, (eps * std_y) ** 2)
    errors = [np.max(np.abs(s.mu + eps * y.mean(s.q) - means)) for s in sols]
    assert errors[0] < 5e-4 and errors[0] / errors[1] > 3.0, errors
    assert abs(means[-1, 0] - mean0[0]) > 0.1                          # the common mode did move


def test_one_dimensional_entry_points_refuse_two_variable_networks():
    net = Network([Population("F", FitzHughNagumo(), sigma=0.3, sigma_w=0.1)], [], np.zeros((1, 0)), 1.0,
                  electrical=[[1.0]])
    grid = Grid(-2.0, 2.0, 50)
    with pytest.raises(ValueError, match="Grid2D"):
        solve(net, grid, grid.gaussian(0.0, 0.3))
    with pytest.raises(ValueError, match="Grid2D"):
        solve_desingularised(net, grid, grid.gaussian(0.0, 0.3), 0.0)
