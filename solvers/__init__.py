"""solvers: how densities evolve (finite volumes, implicit stepping, coupling)."""
