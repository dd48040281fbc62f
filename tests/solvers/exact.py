"""Re-export of the library's exact solutions for the solver tests."""
from fokker.exact import ou_density, ou_moments  # noqa: F401
