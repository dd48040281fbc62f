"""The curated defects of ``tools/mutation.py``: realistic mistakes, one text replacement each.

``equivalent`` is None for a real defect; for a mutant that cannot change any asserted result it
holds the reason (such mutants do not count in the score).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """Replace ``old`` (which must occur exactly once) by ``new`` in ``file``."""

    id: str
    file: str
    old: str
    new: str
    description: str
    equivalent: str | None = None


MUTANTS: list[Mutant] = [
    # -- fokker: the model ----------------------------------------------------------------------
    Mutant("M01", "fokker/activation.py", "return self.s_max * self.slope * e * (1.0 - e)",
           "return self.s_max * self.slope * e * (1.0 + e)", "sigmoid derivative: wrong sign"),
    Mutant("M02", "fokker/activation.py",
           "return self.s_max * expit(self.slope * (np.asarray(x, dtype=float) - self.threshold))",
           "return self.s_max * expit(self.slope * (np.asarray(x, dtype=float) + self.threshold))",
           "sigmoid threshold with the wrong sign"),
    Mutant("M03", "fokker/network.py", "        A = np.asarray(m) @ self.weights.T\n        if self.has_electrical:",
           "        A = (np.asarray(m) * ~self.is_external) @ self.weights.T\n        if self.has_electrical:",
           "total conductance A drops the external channels"),
    Mutant("M04", "fokker/network.py", "            A = A + self._electrical_row_sums",
           "            A = A + 0.5 * self._electrical_row_sums", "electrical conductance halved"),
    Mutant("M05", "fokker/network.py", "B = (np.asarray(m) * self.reversal) @ self.weights.T",
           "B = (np.asarray(m) * np.abs(self.reversal)) @ self.weights.T",
           "reversal current with |E| (inhibition becomes excitation)"),
    Mutant("M06", "fokker/balance.py", "    return jac + net.electrical if net.has_electrical else jac",
           "    return jac", "net-current Jacobian misses the gap-junction term G"),
    Mutant("M07", "fokker/balance.py", "stable=bool(np.all(transverse.real < 0))",
           "stable=bool(np.all(transverse.real <= 0))", "stability test accepts neutral eigenvalues"),
    Mutant("M08", "fokker/balance.py", "    for i in np.flatnonzero(F[:-1] * F[1:] < 0):",
           "    for i in np.flatnonzero(F[:-1] * F[1:] < 0)[:1]:", "scalar balance: only the first root is refined"),
    Mutant("M09", "fokker/grid.py", "        self.faces = np.linspace(self.lower, self.upper, self.nx + 1)",
           "        self.faces = np.linspace(self.lower, self.upper + self.width, self.nx + 1)",
           "grid faces shifted by one cell at the upper end (off-by-one)"),
    Mutant("M10", "fokker/grid.py", "        return np.sqrt(self.variance(p))",
           "        return np.sqrt(self.variance(p) + self.width**2 / 12.0)", "std with a spurious Sheppard term"),
    Mutant("M11", "fokker/intrinsic.py", "        return 0.5 * (l + r) - (l**3 + l * l * r + l * r * r + r**3) / 12.0 + self.current",
           "        return 0.5 * (l + r) - (l**3 + l * r * r + r**3) / 12.0 + self.current",
           "cubic face average drops a term (not exact any more)"),
    Mutant("M12", "fokker/fhn.py", "        return x - self.cubic * x**3 - _float(w) + self.current",
           "        return x - self.cubic * x**3 + _float(w) + self.current", "FitzHugh–Nagumo: recovery enters f with + sign"),
    Mutant("M13", "fokker/fhn.py", "        factor = h if r == 0 else -np.expm1(-r * h) / r",
           "        factor = h if r == 0 else -np.expm1(-2.0 * r * h) / r", "recovery flow: wrong decay exponent"),
    # -- solvers: discretisation ------------------------------------------------------------------
    Mutant("M14", "solvers/fluxes.py", "    lower = upper + c * z            # c B(−z) = c (B(z) + z)",
           "    lower = upper - c * z            # c B(−z) = c (B(z) + z)",
           "Scharfetter–Gummel: B(−z) = B(z) − z (drift reversed in the L bands)"),
    Mutant("M15", "solvers/fluxes.py", "    out[z == 0.0] = 1.0\n", "    out[z == 0.0] = 0.5\n",
           "Bernoulli function wrong at z = 0 (pure diffusion faces)"),
    Mutant("M16", "solvers/remap.py", "        out[i] = np.maximum(np.diff(F), 0.0) / destination.width",
           "        out[i] = np.maximum(np.diff(F), 0.0) / source.width", "remap divides by the source cell width"),
    Mutant("M17", "solvers/recovery.py", "    return np.exp(-rate) * np.ones_like(x + a), c * (x + a) * h * phi1(rate)",
           "    return np.exp(-0.5 * rate) * np.ones_like(x + a), c * (x + a) * h * phi1(rate)",
           "w-step: characteristic contraction over half the step"),
    # -- validation: particles and metrics ----------------------------------------------------------
    Mutant("M18", "validation/particles/stepper.py",
           "        var = np.where(small, h * (1.0 - rh), -np.expm1(-2.0 * rh) / (2.0 * safe_r))",
           "        var = np.where(small, h * (1.0 - rh), -np.expm1(-2.0 * rh) / safe_r)",
           "exact OU step: noise variance twice too large"),
    Mutant("M19", "validation/particles/stepper.py",
           "        phi = np.where(small, h * (1.0 - 0.5 * rh), -np.expm1(-rh) / safe_r)",
           "        phi = np.where(small, h * (1.0 - 0.5 * rh), -np.expm1(-rh) / safe_r * 0.5)",
           "exact OU step: drift factor φ halved for large r h"),
    Mutant("M20", "validation/particles/stepper.py", "SERIES_RH = 1e-10", "SERIES_RH = 1e-1",
           "OU step: series branch used far outside its accuracy"),
    Mutant("M21", "validation/metrics/moments.py", "    var = float(d @ d / (n - 1))", "    var = float(d @ d / n)",
           "biased variance", equivalent=None),
    Mutant("M22", "validation/metrics/moments.py", "mean_se=float(np.sqrt(var / n))", "mean_se=float(np.sqrt(var / n) / 2.0)",
           "standard error of the mean halved"),
    Mutant("M23", "validation/metrics/distances.py", "    return float(max(np.max(i - F), np.max(F - (i - 1.0 / x.size))))",
           "    return float(np.max(i - F))", "KS distance: one-sided"),
    Mutant("M24", "validation/metrics/fits.py", "    slope = float(dx @ (y - y.mean()) / sxx)",
           "    slope = float(dx @ y / (sxx + 1e-3))", "line fit: regularised slope"),
]
