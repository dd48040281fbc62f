"""The nonlocal coupling of one implicit stage, solved as a small fixed point.

Each implicit stage has a handful of scalar unknowns u (the internal channel
activities m_k, and in the rescaled frame one centring constant per
population); given u the densities follow from one tridiagonal solve per
population, and the stage is consistent when the residual r(u) vanishes, e.g.
r = m − ∫ S p(m) for the activities. Plain Picard iteration u ← u − r(u)
contracts by |dx*/dμ| per sweep whatever dt is, so it stalls at large γ;
here r(u) = 0 is solved by Newton's method with a Jacobian from finite
differences, kept across stages and refreshed by Broyden's rank-one update
(a secant method): each iteration costs one evaluation, i.e. one tridiagonal
solve per population, and the Jacobian is recomputed only when progress stalls; a step taken with a
fresh Jacobian that increases the residual is halved (backtracking) up to
MAX_HALVINGS times.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


MAX_HALVINGS = 8


class CouplingError(RuntimeError):
    """The stage's coupling did not converge to the requested tolerance."""


class SecantNewton:
    """Solve r(u) = 0 with |r_i| ≤ tol · scale_i, reusing the Jacobian across calls.

    ``evaluate(u) -> (r, payload)``; the payload (e.g. the densities) of the
    accepted iterate is returned with it. ``evaluations`` counts every call.
    """

    def __init__(self, tol: float, scale: np.ndarray, typical: np.ndarray, max_evaluations: int = 60) -> None:
        self.tol = tol
        self.scale = np.asarray(scale, dtype=float)
        self.typical = np.asarray(typical, dtype=float)
        self.max_evaluations = max_evaluations
        self.jacobian: np.ndarray | None = None
        self.evaluations = 0
        self.jacobian_updates = 0

    def _norm(self, r: np.ndarray) -> float:
        return float(np.max(np.abs(r) / self.scale))

    def _converged(self, r: np.ndarray) -> bool:
        return bool(np.all(np.abs(r) <= self.tol * self.scale))

    def _finite_difference(self, evaluate, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        n = u.size
        jac = np.empty((n, n))
        for j in range(n):
            step = 1e-7 * max(abs(u[j]), self.typical[j])
            v = u.copy()
            v[j] += step
            jac[:, j] = (evaluate(v)[0] - r) / step
        self.evaluations += n
        self.jacobian_updates += 1
        return jac

    def newton_estimate(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        """u − J⁻¹ r with the current Jacobian: the quasi-Newton estimate of the root from a converged
        point, the best predictor for the next solve whether the fixed-point map u ↦ u − r(u)
        contracts (the Picard value u − r is then better than u) or expands (it is then worse); u
        itself when there is no Jacobian or it is singular. Costs no evaluation."""
        if self.jacobian is None:
            return u
        try:
            return u - np.linalg.solve(self.jacobian, r)
        except np.linalg.LinAlgError:
            return u

    def solve(self, evaluate: Callable[[np.ndarray], tuple[np.ndarray, Any]], u0: np.ndarray):
        """Return (u, r, payload) with r = r(u) converged."""
        u = np.array(u0, dtype=float)
        r, payload = evaluate(u)
        self.evaluations += 1
        used = 1
        fresh = False
        while not self._converged(r):
            if not np.all(np.isfinite(r)):
                raise CouplingError(f"non-finite coupling residual {r} at u = {u}")
            if used > self.max_evaluations:
                raise CouplingError(f"coupling did not converge in {self.max_evaluations} evaluations: "
                                    f"residual {self._norm(r):.3e} > tol {self.tol:.1e} "
                                    "(reduce dt, or check the network for a bifurcation)")
            if self.jacobian is None:
                self.jacobian = self._finite_difference(evaluate, u, r)
                used += u.size
                fresh = True
            try:
                du = -np.linalg.solve(self.jacobian, r)
            except np.linalg.LinAlgError:
                self.jacobian = None
                if fresh:
                    raise CouplingError("singular coupling Jacobian") from None
                continue
            r_new, payload_new = evaluate(u + du)
            self.evaluations += 1
            used += 1
            if fresh and self._norm(r_new) > self._norm(r):
                # a Newton step with an exact Jacobian that overshoots: backtrack along it
                for _ in range(MAX_HALVINGS):
                    du *= 0.5
                    r_new, payload_new = evaluate(u + du)
                    self.evaluations += 1
                    used += 1
                    if self._norm(r_new) < self._norm(r):
                        break
                else:
                    raise CouplingError("coupling Newton step increased the residual even when halved "
                                        f"{MAX_HALVINGS} times; reduce dt")
            # Broyden's good update: J ← J + (Δr − J du) duᵀ / duᵀdu
            dr = r_new - r
            self.jacobian += np.outer(dr - self.jacobian @ du, du) / (du @ du)
            if self._norm(r_new) > 0.5 * self._norm(r):
                self.jacobian = None          # poor progress: rebuild the Jacobian next time
            fresh = False
            u, r, payload = u + du, r_new, payload_new
        return u, r, payload
