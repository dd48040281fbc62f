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


class FipyFrozen2D:
    """Backward-Euler steps of the two-variable equation with frozen coupling, assembled and solved by FiPy.

    For each population, with the coupling scalars γA, γB held fixed,

        (p − p_old)/Δt = −∂_x (v p) − ∂_w (g p) + D ∂_xx p + D_w ∂_ww p,   zero flux on the boundary,

    as TransientTerm() == DiffusionTerm(diag(D, D_w)) − ExponentialConvectionTerm(u) on a
    ``fipy.Grid2D`` with the cells of the ``TwoVariableFrame``'s Grid2D (FiPy numbers the cells x
    fastest, the frame's own state layout). The face velocity u is the frame's: at the faces between
    x-cells the face drift of the voltage step (the exact face mean of f(·, w_j) plus γB − γA x_f), at
    the faces between w-cells g = c (x_i + a − b w_f); 0 on the boundary (zero flux). In x this is the
    Scharfetter–Gummel operator of the native voltage step (FiPy's exponential scheme, see
    :class:`FipyFrame`); in w it is FiPy's exponential scheme as well (upwind where D_w = 0), where the
    native solver uses the exact characteristics and heat semigroup — and the native step is split
    (Strang) where this one is not; with D_w = 0 the w-scheme is upwind. The two therefore differ by O(Δt) (this step's first-order error
    of the w-part, the splitting) plus the O(h_w) / O(h_w²) difference of the w-discretisations.
    """

    def __init__(self, frame, gA: np.ndarray, gB: np.ndarray) -> None:
        grid = frame.grid2d
        nx, nw = grid.shape
        self.shape = (frame.net.P, nx, nw)
        self.mesh = fipy.Grid2D(dx=grid.x.width, dy=grid.w.width, nx=nx, ny=nw) + ((grid.x.lower,), (grid.w.lower,))
        self.solver = LinearLUSolver(tolerance=LU_TOLERANCE, iterations=LU_ITERATIONS)
        self.frame = frame
        xc, w_faces = grid.x.centers, grid.w.faces
        self.density, self.equations = [], []
        for al in range(frame.net.P):
            along_x = np.zeros((nw, nx + 1))                   # vertical faces, row by row
            along_x[:, 1:-1] = frame.f_faces[al] + (gB[al] - gA[al] * frame.x_faces)[None, :]
            along_w = np.zeros((nw + 1, nx))                   # horizontal faces, face row by face row
            along_w[1:-1] = frame.c[al] * (xc[None, :] + frame.a[al] - frame.b[al] * w_faces[1:-1, None])
            velocity = fipy.FaceVariable(mesh=self.mesh, rank=1, value=0.0)
            value = np.zeros((2, self.mesh.numberOfFaces))
            value[1, :along_w.size] = along_w.ravel()
            value[0, along_w.size:] = along_x.ravel()
            velocity.setValue(value)
            p = fipy.CellVariable(mesh=self.mesh, value=0.0)
            diffusion = [((float(frame.D[al]), 0.0), (0.0, float(frame.D_w[al])))]
            self.density.append(p)
            self.equations.append(fipy.TransientTerm() == fipy.DiffusionTerm(coeff=diffusion)
                                  - fipy.ExponentialConvectionTerm(coeff=velocity))

    def step(self, p: np.ndarray, dt: float) -> np.ndarray:
        """One backward-Euler step of length dt from p (P, nx, nw); returns the new (P, nx, nw) density."""
        if p.shape != self.shape:
            raise ValueError(f"p must have shape {self.shape}, got {p.shape}")
        out = np.empty(self.shape)
        flat = self.frame.flat(p)
        for al, (var, eq) in enumerate(zip(self.density, self.equations)):
            var.setValue(flat[al])
            # D_w = 0: FiPy's Péclet number v h / D is 0/0 or v/0 at the w-faces, which its exponential
            # scheme then treats as upwind (a numpy warning inside FiPy, not an error of the step)
            with np.errstate(divide="ignore", invalid="ignore"):
                eq.solve(var=var, dt=dt, solver=self.solver)
            out[al] = self.frame.density(np.asarray(var.value)[None])[0]
        return out

    def run(self, p: np.ndarray, dt: float, steps: int) -> np.ndarray:
        """``steps`` backward-Euler steps of length dt from p (P, nx, nw)."""
        for _ in range(steps):
            p = self.step(p, dt)
        return p
