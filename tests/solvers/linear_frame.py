"""A linear test frame y' = λ y implementing the frame contract exactly (no coupling)."""
from __future__ import annotations

import numpy as np

from solvers.coupling import CouplingError
from solvers.frame import Frame, State


class LinearFrame(Frame):
    """dp/dt = λ p, dμ/dt = λ μ with scalar p (1, 1) and μ (1,); stages solved in closed form.

    ``growth`` is what growth_rate reports; a stage with a > ``fail_above`` raises CouplingError.
    """

    nonnegative = False

    def __init__(self, lam: float, growth: float = 0.0, fail_above: float = np.inf) -> None:
        self.lam, self.growth, self.fail_above = lam, growth, fail_above
        self.linear_solves = 0
        self.stages = []

    def initial_state(self, p0, t0, mu0=None):
        return self.adopt(np.asarray(p0, dtype=float).reshape(1, 1),
                          np.asarray(p0 if mu0 is None else mu0, dtype=float).reshape(1), t0)

    def adopt(self, p, mu, t):
        return State(p, mu, np.zeros(0), np.zeros(0))

    def stage(self, rhs_p, rhs_mu, alpha, a, t, u_guess):
        if a > self.fail_above:
            raise CouplingError("test frame: stage too long")
        self.stages.append(a)
        self.linear_solves += 1
        return self.adopt(rhs_p / (alpha - a * self.lam), rhs_mu / (alpha - a * self.lam), t)

    def rate(self, state, t):
        return self.lam * state.p, self.lam * state.mu

    def growth_rate(self, state, t):
        return self.growth

    def expected_width(self, m):
        return np.ones(1)

    def reset_coupling(self):
        pass

    def stats(self):
        return {"linear_solves": self.linear_solves}
