"""The implicit coupling of the particle engine: end-of-step activities solved per step.

:class:`ImplicitCoupling` solves an implicit step's end-of-step activities with the
step's noise fixed; :func:`implicit_steps` splits implicit steps near unstable balance
points. The scheme is described in :mod:`validation.particles.simulate`.
"""
from __future__ import annotations

import numpy as np

from fokker.balance import fast_growth_rate
from fokker.network import Network
from solvers.coupling import CouplingError, SecantNewton
from solvers.stepping import MAX_GROWTH

from .stepper import Stepper

IMPLICIT_TOL = {"double": 1e-12, "single": 1e-6}
"""Implicit coupling: |m'_k − mean_j S_k(X'_j)| ≤ tol · s_max,k at the end of every step."""


class ImplicitCoupling:
    """One implicit step: solve u = G(u) for the end-of-step term means, then accept X'(u).

    G(u) = (1/n) Σ_j S(X'_j(u)) with X'(u) the exact OU step with m(u) frozen and the
    step's noise ξ; r(u) = u − G(u) = 0 is solved by :class:`solvers.coupling.SecantNewton`
    (finite-difference Jacobian kept across steps, Broyden-updated) to
    |r_i| ≤ tol · scale_i, scale_i = s_max of a Sigmoid term (max(1, |u_i|) for a callable one).
    With gap junctions X'(u) is the mean-centred step (:mod:`validation.particles.centred`): the
    step's first sweep sums X, f̃(X) and ξ once, and every evaluation derives the end-of-step
    mean voltages from u through the exact flow of the mean equation, so the unknowns stay the
    activity terms while the means used are the end-of-step ones consistent with them. Without
    activity terms the step is the explicit one with the activities at the end of the step.
    """

    def __init__(self, stepper: Stepper, u0: np.ndarray, tol: float) -> None:
        self.stepper = stepper
        plan = stepper.plan
        scale = np.maximum(1.0, np.abs(u0))
        for groups in plan.sigmoid_groups:
            for _, _, terms in groups:
                for term, _, s_max in terms:
                    scale[term] = s_max
        self.solver = SecantNewton(tol, scale, scale)
        self.tol = tol
        self.continuations = 0

    def step(self, t_end: float, h: float) -> None:
        """Advance X by h; afterwards ``stepper.sums`` are the activation sums of the new X."""
        st = self.stepper
        if st.plan.n_terms == 0:            # no particle-dependent activity: the explicit step with a(t_end)
            st.explicit_step(st.activities(np.zeros(0), t_end), h)
            return
        st.begin_step()
        last: list = [None, None]

        def evaluate(u: np.ndarray, length: float = h):
            st.set_step(st.activities(u, t_end), length)
            st.sweep("trial")
            last[0], last[1] = u.copy(), length
            return u - st.term_means(), None

        u0 = st.term_means()
        try:
            u, _, _ = self.solver.solve(evaluate, u0)
        except CouplingError:
            u = self._continuation(evaluate, u0, h)
        if not (np.array_equal(last[0], u) and last[1] == h):   # keep sums = G(u) at the accepted u
            evaluate(u)
        st.set_step(st.activities(u, t_end), h)
        st.sweep("accept")                  # X ← X'(u): bit-identical to the trial whose sums are kept

    def _continuation(self, evaluate, u0: np.ndarray, h: float) -> np.ndarray:
        """Fallback when Newton fails from u0 (a large first jump, e.g. broad initial data at γ h ≫ 1).

        Follows the solution of the same fixed-point problem (same ξ) along the step length
        θ h, θ: 0 → 1 (at θ = 0 the solution is u0), with θ's increment doubled after a
        success and halved after a failure; raises CouplingError below an increment of 1e-9.
        """
        self.continuations += 1
        theta, u, dtheta = 0.0, u0, 1e-3
        while theta < 1.0:
            trial = min(1.0, theta + dtheta)
            self.solver.jacobian = None
            try:
                u, _, _ = self.solver.solve(lambda v: evaluate(v, trial * h), u)
            except CouplingError:
                dtheta *= 0.5
                if dtheta < 1e-9:
                    raise CouplingError(f"implicit coupling: no solution path from the start-of-step "
                                        f"activities to the step length {h} (stuck at {theta:.3g} of it); "
                                        "reduce dt") from None
                continue
            theta, dtheta = trial, 2.0 * dtheta
        return u


def implicit_steps(solver: ImplicitCoupling, net: Network, X: np.ndarray, t: float, t_end: float) -> int:
    """Implicit steps from t to t_end, split so that λ h ≤ MAX_GROWTH for an unstable fast mode.

    An implicit step with λ h > 2 damps a growing mode, so at large γ h it would hold the
    network at an unstable balance point (as in ``solvers.stepping``); λ = γ × the fast growth
    rate of the concentrated network at the population means. Returns the number of steps.
    """
    taken = 0
    while t < t_end:
        rate = net.gamma * max(0.0, fast_growth_rate(net, X.mean(axis=1), t))
        t_next = t_end if rate * (t_end - t) <= MAX_GROWTH else min(t_end, t + MAX_GROWTH / rate)
        solver.step(t_next, t_next - t)
        t, taken = t_next, taken + 1
    return taken
