"""solvers: how densities evolve (finite volumes, implicit stepping, coupling), and rate networks."""
from .api import BACKENDS, DESINGULARISED_BACKENDS, solve, solve_desingularised
from .desingularised_2d_solution import Desingularised2DSolution
from .diagnostics import ResolutionWarning, TruncationWarning
from .methods import METHODS
from .log_density import LogSolution, solve_log
from .rates import (NashReport, RateTrajectory, best_responses, energies, equilibria, fixed_point_residual,
                    nash_check, simulate_rates, solve_lcp)
from .solution import DesingularisedSolution, Solution
from .two_variable_solution import TwoVariableSolution
from .stability import (GammaStar, LDSCertificate, MetzlerTest, gamma_star, is_lds, jacobian_spectrum,
                        lds_certificate, lds_value, metzler_majorant_test, principal_minor_2x2)

__all__ = ["solve", "solve_desingularised", "solve_log", "LogSolution", "METHODS", "BACKENDS", "DESINGULARISED_BACKENDS", "Solution", "DesingularisedSolution", "Desingularised2DSolution", "TwoVariableSolution", "ResolutionWarning",
           "TruncationWarning",
           "simulate_rates", "RateTrajectory", "equilibria", "fixed_point_residual", "solve_lcp", "energies",
           "best_responses", "nash_check", "NashReport",
           "lds_certificate", "LDSCertificate", "lds_value", "is_lds", "principal_minor_2x2",
           "metzler_majorant_test", "MetzlerTest", "jacobian_spectrum", "gamma_star", "GammaStar"]
