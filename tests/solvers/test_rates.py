"""Rate-network solvers: equilibria, the neuron game, LDS certificates (docs/theory/rates.md)."""
import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from fokker import RateNetwork, wilson_cowan
from fokker.rates import contrast_gain, crossed_inhibition, random_dale, shared_interneuron
from solvers import (best_responses, energies, equilibria, gamma_star, is_lds, jacobian_spectrum, lds_certificate,
                     lds_value, metzler_majorant_test, nash_check, principal_minor_2x2, simulate_rates, solve_lcp)


def lds_dale(n, seed, **kw):
    """A random Dale network whose I − W is LDS (checked)."""
    net = random_dale(n, seed=seed, scaling="mean", weights=(0.6, 2.0, 1.0, 1.0), **kw)
    rng = np.random.default_rng(seed)
    net = net.with_input(rng.uniform(-0.5, 1.5, n))
    assert lds_certificate(np.eye(n) - net.W).margin > 0
    return net


# ---------------------------------------------------------------- equilibria = Nash = LCP
@pytest.mark.parametrize("seed", range(5))
def test_nash_equals_fixed_point_equals_lcp(seed):
    net = lds_dale(8, seed)
    eqs = equilibria(net)
    assert len(eqs) == 1                                # LDS ⇒ unique
    x = eqs[0]
    lcp = solve_lcp(np.eye(8) - net.W, -net.u)
    np.testing.assert_allclose(lcp.z, x, atol=1e-10)
    assert np.max(np.abs(x - np.maximum(net.W @ x + net.u, 0))) < 1e-10     # fixed point
    w = lcp.w
    assert lcp.z.min() >= 0 and w.min() > -1e-10 and abs(lcp.z @ w) < 1e-10  # complementarity
    rep = nash_check(net, x)
    assert rep.is_nash and rep.max_deviation < 1e-10 and rep.max_gain < 1e-10
    # a perturbed state is not Nash: some neuron gains by moving
    assert not nash_check(net, x + 0.1).is_nash


def test_energies_minimised_by_best_response():
    net = lds_dale(6, 11)
    x = np.random.default_rng(0).uniform(0, 2, 6)
    br = best_responses(net, x)
    e_br = energies(net, np.where(np.arange(6) == 0, br[0], x))[0]
    for trial in np.linspace(0, 3, 31):      # neuron 0 cannot do better than its best response
        assert energies(net, np.where(np.arange(6) == 0, trial, x))[0] >= e_br - 1e-12
    assert energies(net, -x)[0] == np.inf   # g = indicator of x >= 0


def test_best_response_callable_activation():
    phi = lambda z: 0.5 * (1 + np.tanh(z))  # noqa: E731  slope <= 1/2
    net = RateNetwork([[0.3, -1.0], [0.8, -0.2]], [0.2, -0.1], activation=phi)
    x = np.array([0.4, 0.7])
    br = best_responses(net, x)
    s = net.W @ x - np.diag(net.W) * x + net.u
    np.testing.assert_allclose(br, phi(np.diag(net.W) * br + s), atol=1e-13)
    x_eq = equilibria(net)[0]
    assert nash_check(net, x_eq, tol=1e-8).is_nash


def test_self_excitation_above_one_breaks_nash_not_fixed_point():
    """Nash = fixed point needs w_ii < 1: with w_EE > 1 the E neuron's energy is unbounded below."""
    net = wilson_cowan(w_EE=1.5, w_EI=3.0, w_IE=3.0, w_II=0.5, u_E=2.0, u_I=0.5)
    (x,) = equilibria(net)
    assert np.max(np.abs(x - np.maximum(net.W @ x + net.u, 0))) < 1e-12
    assert not nash_check(net, x).is_nash


def test_uniqueness_from_50_random_starts_when_lds():
    net = lds_dale(10, 4)
    (x_eq,) = equilibria(net)
    X0 = np.random.default_rng(1).uniform(0, 5, size=(50, 10))
    traj = simulate_rates(net, X0, (0.0, 80.0), t_eval=[0.0, 80.0])
    assert traj.x.shape == (2, 50, 10)
    assert np.max(np.abs(traj.x[-1] - x_eq)) < 1e-6


def test_enumeration_clipped_and_relu_multiple():
    clipped = RateNetwork([[2.0]], [-0.5], activation="clipped")
    got = sorted(float(x[0]) for x in equilibria(clipped))
    np.testing.assert_allclose(got, [0.0, 0.5, 1.0], atol=1e-12)
    relu = RateNetwork([[2.0]], [-0.5])
    np.testing.assert_allclose(sorted(float(x[0]) for x in equilibria(relu)), [0.0, 0.5], atol=1e-12)


def test_lcp_large_network_matches_simulation():
    net = lds_dale(60, 2)
    (x,) = equilibria(net)                                  # n > 12: Lemke
    assert np.max(np.abs(x - np.maximum(net.W @ x + net.u, 0))) < 1e-10
    traj = simulate_rates(net, np.zeros(60), (0.0, 60.0), t_eval=[60.0])
    assert np.max(np.abs(traj.x[-1] - x)) < 1e-6


# ---------------------------------------------------------------- invariances and strong coupling
@pytest.mark.parametrize("gamma", [0.5, 3.0, 40.0])
def test_gamma_family_equilibria_solve_scaled_lcp(gamma):
    """W = γJ, u = γu₀: equilibria solve LCP(I/γ − J, −u₀); active neurons have (Jx + u₀)_i = x_i/γ."""
    base = random_dale(7, seed=9, weights=(1.0, 2.0, 1.0, 1.0)).with_input(np.linspace(1.0, -0.5, 7))
    net = base.scaled(gamma)
    J, u0 = base.W, base.u
    eqs = equilibria(net)
    assert eqs
    for x in eqs:
        res = (np.eye(7) / gamma - J) @ x - u0
        assert x.min() >= 0 and res.min() > -1e-10 and abs(x @ res) < 1e-10
        act = x > 0
        np.testing.assert_allclose((J @ x + u0)[act], x[act] / gamma, atol=1e-10)
    # the LCP of the rescaled problem has exactly these solutions
    lcp = RateNetwork(np.eye(7) - (np.eye(7) / gamma - J), u0)   # x = [x − ((I/γ − J)x − u₀)]₊
    assert len(equilibria(lcp)) == len(eqs)
    for x, y in zip(eqs, equilibria(lcp)):
        np.testing.assert_allclose(x, y, atol=1e-10)


def test_diagonal_rescaling_invariance():
    net = lds_dale(8, 3)
    M, q = np.eye(8) - net.W, -net.u
    D = np.random.default_rng(2).uniform(0.1, 10.0, 8)
    z1, z2 = solve_lcp(M, q).z, solve_lcp(D[:, None] * M, D * q).z
    np.testing.assert_allclose(z1, z2, atol=1e-10)
    # LDS is invariant under A -> DA; P D^{-1} certifies DA
    cert = lds_certificate(M)
    assert lds_value(D[:, None] * M, cert.weights / D) > 0
    assert lds_certificate(D[:, None] * M).margin > 0


# ---------------------------------------------------------------- LDS certificates
def test_lds_certificate_contract_and_normalisation():
    A = np.eye(5) - 0.3 * np.random.default_rng(4).standard_normal((5, 5))
    cert = lds_certificate(A)
    assert cert.weights.shape == (5,) and np.all(cert.weights > 0)
    assert cert.weights.mean() == pytest.approx(1.0, abs=1e-12)       # trace P = n
    assert cert.margin == pytest.approx(lds_value(A, cert.weights), abs=1e-14)
    sym = np.linalg.eigvalsh(0.5 * (A + A.T))[0]
    assert cert.margin >= sym - 1e-12                                  # P = I is admissible
    with pytest.raises(ValueError, match="square"):
        lds_certificate(np.ones((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        lds_certificate([[1.0, np.inf], [0.0, 1.0]])


def test_lds_margin_2x2_exact_one_dimensional_maximum():
    """For n = 2, P = diag(2w, 2(1−w)): the margin is a 1-D concave maximum, found to 1e-12 by Brent."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        A = rng.normal(size=(2, 2)) + np.eye(2)
        f = lambda w: -lds_value(A, [2 * w, 2 * (1 - w)])  # noqa: E731
        best = -minimize_scalar(f, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-12}).fun
        assert lds_certificate(A).margin == pytest.approx(best, abs=1e-8)


@pytest.mark.parametrize("n, seed", [(3, 0), (6, 1), (12, 2)])
def test_barrier_agrees_with_cvxpy_clarabel(n, seed):
    A = np.eye(n) - 1.1 * np.random.default_rng(seed).standard_normal((n, n)) / np.sqrt(n)
    a = lds_certificate(A)
    b = lds_certificate(A, method="cvxpy", solver="CLARABEL", tol=1e-8)
    assert a.margin == pytest.approx(b.margin, abs=1e-6)
    assert a.margin >= b.margin - 1e-9     # the barrier's weights are at least as good


def test_barrier_agrees_with_cvxpy_scs_dale_40():
    A = np.eye(40) - random_dale(40, seed=0, scaling="sqrt", weights=(0.3, 1.0, 1.0, 1.0)).W
    a = lds_certificate(A)
    b = lds_certificate(A, method="cvxpy", solver="SCS", tol=1e-9)
    assert a.margin == pytest.approx(b.margin, abs=1e-6)


def test_principal_minor_criterion_matches_lds_on_wilson_cowan_grid():
    for w_EE in np.linspace(0.0, 2.5, 11):
        for w_IE in np.linspace(0.0, 4.0, 5):
            for w_II in (0.0, 1.0):
                A = np.eye(2) - wilson_cowan(w_EE, 2.0, w_IE, w_II, 1.0, 0.5).W
                if abs(w_EE - 1.0) < 1e-3:
                    continue                         # margin -> 0 on the boundary w_EE = 1
                assert principal_minor_2x2(A) == (w_EE < 1.0) == (lds_certificate(A).margin > 0)
    with pytest.raises(ValueError, match="2x2"):
        principal_minor_2x2(np.eye(3))


def test_inhibition_stabilised_is_stable_but_not_lds():
    net = wilson_cowan(w_EE=1.5, w_EI=3.0, w_IE=3.0, w_II=0.5, u_E=2.0, u_I=0.5)
    (x,) = equilibria(net)
    assert np.all(x > 0)
    assert jacobian_spectrum(net, x).real.max() < 0
    np.testing.assert_allclose(np.sort_complex(jacobian_spectrum(net, x)), np.sort_complex(np.linalg.eigvals(net.W - np.eye(2))))
    assert lds_certificate(np.eye(2) - net.W).margin < 0
    X0 = np.random.default_rng(0).uniform(0, 3, (20, 2))
    assert np.max(np.abs(simulate_rates(net, X0, (0, 60), t_eval=[60]).x[-1] - x)) < 1e-6


def test_metzler_test_implies_lds_and_is_weaker_on_ei():
    rng = np.random.default_rng(3)
    for _ in range(10):
        W = 0.25 * rng.standard_normal((6, 6))
        if metzler_majorant_test(W).contracts:
            assert lds_certificate(np.eye(6) - W).margin > 0
    wc = wilson_cowan(0.5, 3.0, 3.0, 0.5, 1.0, 0.5).W
    assert not metzler_majorant_test(wc).contracts and lds_certificate(np.eye(2) - wc).margin > 0


# ---------------------------------------------------------------- motifs
@pytest.mark.parametrize("a, b, c", [(0.5, 0.5, 0.5), (0.2, 1.0, 0.3), (0.0, 0.4, 2.0)])
def test_contrast_formula_while_both_active(a, b, c):
    kappa = contrast_gain(a, b, c)
    assert kappa > 1
    for u2 in (0.99, 0.95, 0.9):
        u1 = 1.0
        net = shared_interneuron(a, b, c, u1, u2)
        (x,) = equilibria(net)
        if x[1] <= 0:
            continue
        assert (x[0] - x[1]) / (x[0] + x[1]) == pytest.approx(kappa * (u1 - u2) / (u1 + u2), abs=1e-10)
        assert lds_certificate(np.eye(3) - net.W).margin > 0


@pytest.mark.parametrize("ratio", [0.3, 0.8, 0.95, 1.05, 1.3, 2.0])
def test_crossed_bistable_iff_bc_above_one_minus_a(ratio):
    a, b = 0.4, 1.0
    c = ratio * (1 - a) / b
    net = crossed_inhibition(a, b, c, 1.0, 1.0)
    stable = [x for x in equilibria(net) if jacobian_spectrum(net, x).real.max() < 0]
    assert (len(stable) == 2) == (ratio > 1.0)
    assert (len(stable) == 1) == (ratio < 1.0)
    assert (lds_certificate(np.eye(4) - net.W).margin > 0) == (ratio < 1.0)


# ---------------------------------------------------------------- decoupling (§3)
def balanced(seed):
    rng = np.random.default_rng(seed)
    nE, nI = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    W_EE = rng.uniform(0, 1, (nE, nE)) * rng.uniform(0.1, 1.2) / nE
    W_II = rng.uniform(0, 1, (nI, nI)) * rng.uniform(0, 1.5)
    P_E, P_I = np.exp(rng.uniform(-1, 1, nE)), np.exp(rng.uniform(-1, 1, nI))
    W_EI = rng.uniform(0, 2, (nE, nI))
    W_IE = (W_EI.T * P_E[None, :]) / P_I[:, None]                 # P_E W_EI = W_IEᵀ P_I
    return W_EE, W_EI, W_IE, W_II, P_E, P_I


@pytest.mark.parametrize("seed", range(8))
def test_balanced_decoupling(seed):
    W_EE, W_EI, W_IE, W_II, P_E, P_I = balanced(seed)
    nE, nI = len(P_E), len(P_I)
    W = np.block([[W_EE, -W_EI], [W_IE, -W_II]])
    A, P = np.eye(nE + nI) - W, np.concatenate([P_E, P_I])
    S = 0.5 * (P[:, None] * A + (P[:, None] * A).T)
    assert np.max(np.abs(S[:nE, nE:])) < 1e-12                    # the E–I coupling cancels
    blocks = min(lds_value(np.eye(nE) - W_EE, P_E), lds_value(np.eye(nI) + W_II, P_I))
    assert lds_value(A, P) == pytest.approx(blocks, abs=1e-12)
    m = lds_certificate(A).margin
    if blocks > 0:
        assert m > 0                                              # sufficient with the balancing P
    if m > 0:                                                     # necessary in any case
        assert lds_certificate(np.eye(nE) - W_EE).margin > 0 and lds_certificate(np.eye(nI) + W_II).margin > 0


def test_decoupling_needs_the_balancing_weights():
    """Counterexample: I − W_EE and I + W_II are LDS, the balance holds with P_E = (1, 100), yet I − W is not LDS."""
    W_EE = np.array([[0.0, 0.9], [0.9, 0.0]])
    W = np.block([[W_EE, -np.ones((2, 1))], [np.array([[1.0, 100.0]]), np.zeros((1, 1))]])
    assert lds_certificate(np.eye(2) - W_EE).margin > 0.09
    assert lds_certificate(np.eye(3) - W).margin < -0.09


# ---------------------------------------------------------------- gamma*
def test_gamma_star_known_cases():
    rng = np.random.default_rng(0)
    J = np.abs(rng.normal(size=(6, 6)))                     # nonnegative: γ* = 1/ρ(J)
    g = gamma_star(J, rtol=1e-6)
    assert g.value == pytest.approx(1 / np.max(np.abs(np.linalg.eigvals(J))), rel=1e-5)
    S = rng.normal(size=(5, 5))
    S = S + S.T                                             # symmetric: LDS iff PD, γ* = 1/λ_max
    g = gamma_star(S, rtol=1e-6)
    assert g.value == pytest.approx(1 / np.linalg.eigvalsh(S)[-1], rel=1e-5)
    assert is_lds(np.eye(5) - 0.99 * g.lower * S) and not is_lds(np.eye(5) - 1.01 * g.upper * S)


# ---------------------------------------------------------------- simulation
def test_simulate_rates_linear_regime_matches_exponential():
    W = np.array([[0.2, -0.5], [0.3, -0.1]])
    net = RateNetwork(W, [2.0, 2.0], time_constants=[1.0, 2.0])
    x0 = np.array([1.0, 1.5])
    traj = simulate_rates(net, x0, (0.0, 3.0), t_eval=np.linspace(0, 3, 7))
    assert traj.x.shape == (7, 2) and traj.t.shape == (7,)
    assert np.all(traj.x @ W.T + net.u > 0)                       # stayed in the linear region
    from scipy.linalg import expm
    M = (W - np.eye(2)) / net.tau[:, None]
    x_inf = np.linalg.solve(np.eye(2) - W, net.u)
    exact = np.array([x_inf + expm(M * t) @ (x0 - x_inf) for t in traj.t])
    np.testing.assert_allclose(traj.x, exact, atol=1e-7)


def test_simulate_rates_validates():
    net = wilson_cowan(0.5, 1.0, 1.0, 0.5, 1.0, 0.5)
    with pytest.raises(ValueError, match="x0 must have shape"):
        simulate_rates(net, np.zeros(3), (0, 1))
    with pytest.raises(ValueError, match="t0 < t1"):
        simulate_rates(net, np.zeros(2), (1, 0))
    with pytest.raises(TypeError, match="RateNetwork"):
        equilibria(np.eye(2))
