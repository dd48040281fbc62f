"""The physical-frame equation through FiPy terms: the cross-check and performance baseline.

Each implicit stage of ``solvers.methods``,

    α p − a L(m) p = rhs,   L(m) p = −∂_x [ v(m) p ] + D ∂_xx p,   zero flux at both ends,

is, with p_old = rhs / α and Δt = a / α, one backward-Euler step of FiPy's

    TransientTerm() == DiffusionTerm(coeff=D) − ExponentialConvectionTerm(coeff=v_f)

on a ``Grid1D`` with the grid's cells: (p − p_old)/Δt = L p  ⇔  α p − rhs = a L p.
FiPy's exponential scheme weights the face value as φ_f = α_f φ_P + (1 − α_f) φ_A
with α_f = ((P − 1) e^P + 1) / (P (e^P − 1)), P = v_f h / D, which together with
the diffusive flux is exactly the Scharfetter–Gummel flux of ``solvers.fluxes``.
The face velocity v_f is the native face drift ``PhysicalFrame.drift(m)``
(f̄ + γ (B − A x_f)) at interior faces and 0 at the two exterior faces (zero
flux). The nonlocal activities use the native frame's quadrature and the same
``SecantNewton`` iteration with the same tolerance; only the linear solve of
an evaluation differs (the one hook ``Frame.solve_rows``: scipy's LU through FiPy
instead of LAPACK gtsv), so the two backends agree to the solvers' round-off. FiPy's
solution is not renormalised: its mass is conserved by the scheme itself.

Known difference inside FiPy: for |P| < 1e-3 FiPy uses α_f = 1/2 (central
differences) instead of 1/2 + P/12 + …; the resulting flux error is below
1e-7 of the local diffusive flux at such (rare) faces.
"""
from __future__ import annotations

import fipy
import numpy as np
from fipy.solvers.scipy import LinearLUSolver

from fokker import Grid, Network

from .physical import PhysicalFrame

LU_TOLERANCE = 1e-15     # relative residual of FiPy's LU solve (with iterative refinement)
LU_ITERATIONS = 10


class FipyFrame(PhysicalFrame):
    """``PhysicalFrame`` whose stage linear systems are assembled and solved by FiPy."""

    def __init__(self, net: Network, grid: Grid, tol: float) -> None:
        super().__init__(net, grid, tol)
        self.mesh = fipy.Grid1D(nx=grid.nx, dx=grid.width) + ((grid.lower,),)
        self.solver = LinearLUSolver(tolerance=LU_TOLERANCE, iterations=LU_ITERATIONS)
        self.density = []
        self.velocity = []
        self.equations = []
        for D in np.atleast_1d(self.D):
            p = fipy.CellVariable(mesh=self.mesh, value=0.0)
            v = fipy.FaceVariable(mesh=self.mesh, rank=1, value=0.0)
            eq = (fipy.TransientTerm()
                  == fipy.DiffusionTerm(coeff=float(D)) - fipy.ExponentialConvectionTerm(coeff=v))
            self.density.append(p)
            self.velocity.append(v)
            self.equations.append(eq)
        self._faces = np.zeros((1, grid.nx + 1))

    def solve_rows(self, face_drift: np.ndarray, diffusion: np.ndarray, alpha: float, a: float,
                   rhs: np.ndarray) -> np.ndarray:
        """p solving α p − a L p = rhs (P, n), one FiPy backward-Euler solve per population.

        Row i is population i, whose FiPy equation carries its diffusion coefficient.
        """
        out = np.empty_like(rhs)
        for i, (p, v, eq) in enumerate(zip(self.density, self.velocity, self.equations)):   # populations
            self._faces[0, 1:-1] = face_drift[i]
            v.setValue(self._faces)
            p.setValue(rhs[i] / alpha)
            eq.solve(var=p, dt=a / alpha, solver=self.solver)
            out[i] = p.value
        return out
