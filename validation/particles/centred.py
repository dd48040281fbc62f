"""The mean-centred particle step used with electrical coupling (gap junctions).

With gap junctions the voltage drift of neuron i of population α is

    v_α(X_i) = f_α(X_i) + γ (B_α − A_α X_i),   A_α = Σ_k J_αk m_k + Σ_β G_αβ,
                                             B_α = Σ_k J_αk m_k E_k + Σ_β G_αβ x̄_β,

with x̄_β the empirical mean voltage of population β. Freezing x̄ over a step in the
plain exact-OU step pulls every neuron to the *old* mean when γ A h ≫ 1, so a synchronised
population moves by h ⟨f⟩ / (γ A h) per step instead of h ⟨f⟩: its motion freezes.
Split X_i = μ_α + Y_i (μ_α the empirical mean, Σ_i Y_i = 0). Exactly,

    dμ = [ M μ + F(μ₀) − M μ₀ ] dt + σ dB̄,     M = −diag(γ A + g) + γ G       (P × P),
    dY_i = [ f̃(X_i) − ⟨f̃⟩ − (γ A + g) Y_i ] dt + σ (dB_i − dB̄),

where f = −g x + c + f̃ (g, c: the linear part of a Leak, else 0; f̃ = f(x, w) for two
variables), F(μ) = γ (B(m, μ) − A μ) − g μ + c + ⟨f̃⟩ is the mean's drift (affine in μ with
Jacobian M: the self-coupling G_αα cancels in it) and B̄ is the average of the n Brownian
motions. Over a step h, with the activities m frozen (start or end of step) and ⟨f̃⟩, f̃(X_i)
frozen at the start, the step integrates both linear equations exactly:

    μ' = μ + Φ F(μ),   Φ = ∫_0^h e^{M s} ds,          plus C ξ̄,  C Cᵀ = ∫_0^h e^{M s} diag(σ²) e^{Mᵀ s} ds,
    X'_i = μ' + e (X_i − μ) + φ (f̃(X_i) − ⟨f̃⟩) + s (ξ_i − ξ̄),

e, φ, s as in the plain step (rate r = γ A + g, with A including Σ_β G_αβ), ξ_i the step's
standard normals and ξ̄_α their population average (ξ̄ is independent of the ξ_i − ξ̄, so
the mean and the deviations get independent noises of the exact variances).

Properties: the new empirical mean is μ' to round-off (the deviations keep mean zero); the
mean moves by Φ F = h ⟨f⟩ + O(h²) along a direction that no channel pins, for every γ h
(electrical coupling alone, P = 1: M = 0, Φ = h, μ' = μ + h ⟨f⟩ exactly), and relaxes at
its own rate where channels pin it; unconditionally stable; for Leak intrinsics with
constant activations it is the exact transition of the linear particle system (mean,
deviations and their noise), any γ h. Otherwise first order in h (f̃ and ⟨f̃⟩ explicit, as
in the plain step). Without gap junctions the formula equals the plain exact-OU step in
exact arithmetic (M = −diag(r), Φ = φ); the engine then keeps the plain step, so results
without electrical coupling are unchanged bit for bit.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import expm, schur

from .plan import SERIES_RH


def ou_coefficients(r: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(e, φ, v) = (e^{−r h}, (1 − e^{−r h})/r, (1 − e^{−2 r h})/(2 r)) for rates r ≥ 0, elementwise.

    Below r h = SERIES_RH the series φ = h (1 − r h/2), v = h (1 − r h) are used (exact to round-off,
    and r = 0 needs no division).
    """
    rh = r * h
    small = rh < SERIES_RH
    safe_r = np.where(small, 1.0, r)
    e = np.exp(-rh)
    phi = np.where(small, h * (1.0 - 0.5 * rh), -np.expm1(-rh) / safe_r)
    var = np.where(small, h * (1.0 - rh), -np.expm1(-2.0 * rh) / (2.0 * safe_r))
    return e, phi, var


def mean_flow(M: np.ndarray, h: float, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Φ, C) of the linear mean equation dμ = M μ dt + diag(σ) dB over h (see the module docstring).

    Φ = ∫_0^h e^{M s} ds (P, P); C (P, P) with C Cᵀ = ∫_0^h e^{M s} diag(σ²) e^{Mᵀ s} ds.
    Diagonal M (no gap junctions between different populations): the scalar formulas of
    :func:`ou_coefficients` with rates −M_αα ≥ 0. Otherwise, exactly for any M (stiff, singular:
    a graph Laplacian has a zero eigenvalue): in the complex Schur basis M h = Z T Zᴴ, Φ and the
    vectorised covariance are the corners of the exponentials of the upper-triangular augmented
    matrices [[T, I], [0, 0]] and [[I ⊗ T + T̄ ⊗ I, vec(Zᴴ Q Z)], [0, 0]] (scipy's expm keeps full
    accuracy on triangular matrices, no M⁻¹ needed); C is the symmetric square root.
    """
    P = M.shape[0]
    if np.count_nonzero(M - np.diag(np.diag(M))) == 0:
        _, phi, var = ou_coefficients(-np.diag(M), h)
        return np.diag(phi), np.diag(sigma * np.sqrt(var))
    T, Z = schur((M * h).astype(complex), output="complex")
    ZH = Z.conj().T
    eye = np.eye(P)
    block = np.zeros((2 * P, 2 * P), dtype=complex)
    block[:P, :P], block[:P, P:] = T, eye
    Phi = (Z @ expm(block)[:P, P:] @ ZH).real * h
    lyapunov = np.kron(eye, T) + np.kron(T.conj(), eye)          # acts on column-major vec
    q = (ZH @ np.diag(sigma**2) @ Z).ravel(order="F")
    block = np.zeros((P * P + 1, P * P + 1), dtype=complex)
    block[:-1, :-1], block[:-1, -1] = lyapunov, q
    cov = Z @ expm(block)[:-1, -1].reshape(P, P, order="F") @ ZH
    cov = 0.5 * (cov + cov.conj().T).real * h
    lam, V = np.linalg.eigh(cov)
    return Phi, (V * np.sqrt(np.maximum(lam, 0.0))) @ V.T


def centred_offset(net, plan, moments: np.ndarray, m: np.ndarray, h: float,
                   e: np.ndarray, phi: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Per-population constant κ with X' = e X + φ f̃(X) + s ξ + κ the mean-centred step.

    ``moments`` (3, P): the start-of-step population averages of X, f̃(X) and ξ. κ = μ' − e μ −
    φ ⟨f̃⟩ − s ξ̄ with μ' = μ + Φ F(μ) + C ξ̄ (module docstring), so the new mean is μ'.
    """
    mu, f_mean, xi_mean = moments
    A, B = net.coupling(m, mu)
    gamma = net.gamma
    drift = gamma * (B - A * mu) - plan.leak_rate * mu + plan.leak_offset + f_mean
    M = gamma * np.asarray(net.electrical) - np.diag(gamma * A + plan.leak_rate)
    Phi, C = mean_flow(M, h, net.sigma)
    mu_new = mu + Phi @ drift + C @ xi_mean
    return mu_new - e * mu - phi * f_mean - s * xi_mean
