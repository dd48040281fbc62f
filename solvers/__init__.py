"""solvers: how densities evolve (finite volumes, implicit stepping, coupling)."""
from .diagnostics import ResolutionWarning, TruncationWarning
from .desingularised import solve_desingularised
from .physical import solve
from .solution import DesingularisedSolution, Solution

__all__ = ["solve", "solve_desingularised", "Solution", "DesingularisedSolution", "ResolutionWarning", "TruncationWarning"]
