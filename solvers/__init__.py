"""solvers: how densities evolve (finite volumes, implicit stepping, coupling)."""
from .diagnostics import ResolutionWarning, TruncationWarning
from .physical import solve
from .solution import Solution

__all__ = ["solve", "Solution", "ResolutionWarning", "TruncationWarning"]
