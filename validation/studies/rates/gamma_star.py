"""Rate study (d): γ*(N) of random Dale networks under 1/N and 1/√N weights, and the LDS search benchmark."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from fokker.rates import random_dale
from solvers.stability import gamma_star, lds_certificate, metzler_majorant_test

from ...metrics.fits import fit_power
from ...output import pyplot, save_figure, write_csv
from ...store.runner import run_tasks
from .config import RatesConfig


def _gamma_point(n: int, scaling: str, seed: int, rtol: float) -> dict:
    net = random_dale(n, scaling=scaling, seed=seed, weights=(1.0, 2.0, 1.0, 2.0))
    start = time.perf_counter()
    g = gamma_star(net.W, rtol=rtol, tol=1e-9)
    e = net.n_excitatory
    rho = float(np.max(np.abs(np.linalg.eigvals(net.W[:e, :e]))))
    return {"N": n, "scaling": scaling, "seed": seed, "gamma_star": g.value, "lower": g.lower, "upper": g.upper,
            "bound_1_over_rho_EE": 1.0 / rho, "bound_metzler": 1.0 / metzler_majorant_test(net.W).abscissa,
            "evaluations": g.evaluations, "wall_time": time.perf_counter() - start}


def fit_exponent(N: np.ndarray, y: np.ndarray) -> dict:
    """Least-squares fit log y = β log N + c (:func:`validation.metrics.fit_power`): β, its standard
    error and 95 % Student-t interval, the prefactor exp(c) and the number of points."""
    fit = fit_power(N, y)
    return {"exponent": fit.slope, "stderr": fit.slope_se, "ci95": list(fit.slope_interval(0.95)),
            "prefactor": fit.prefactor, "points": fit.points}


def gamma_star_scaling(output: Path, cfg: RatesConfig, *, progress: bool = True) -> dict:
    """Study (d): γ*(N) under 1/N ("mean") and 1/√N ("sqrt") scaling, with fitted exponents."""
    plt = pyplot()
    sizes = list(cfg.gamma_sizes)
    seeds = list(range(cfg.gamma_seeds))
    rtol = cfg.gamma_rtol
    # independent networks for the two scalings (with shared seeds γ*_sqrt = γ*_mean/√N exactly)
    tasks = [dict(n=n, scaling=s, seed=k + 1000 * (s == "sqrt"), rtol=rtol)
             for s in ("mean", "sqrt") for n in sizes for k in seeds]
    rows = run_tasks(_gamma_point, tasks, progress=progress, desc="(d) gamma*")
    write_csv(output / "gamma_star.csv", rows)
    fig, ax = plt.subplots(figsize=(6, 4.4))
    fits = {}
    for s, color, label in (("mean", "C0", "1/N"), ("sqrt", "C1", "1/√N")):
        sub = [r for r in rows if r["scaling"] == s]
        N = np.array([r["N"] for r in sub], dtype=float)
        y = np.array([r["gamma_star"] for r in sub])
        fit = fit_exponent(N, y)
        fits[s] = fit
        fits[f"{s}: bound 1/rho(J_EE)"] = fit_exponent(N, np.array([r["bound_1_over_rho_EE"] for r in sub]))
        fits[f"{s}: ratio gamma* rho(J_EE)"] = {"min": float(min(y * [1 / r["bound_1_over_rho_EE"] for r in sub])),
                                               "max": float(max(y * [1 / r["bound_1_over_rho_EE"] for r in sub]))}
        ax.loglog(N, y, "o", color=color, alpha=0.7,
                  label=f"{label}: γ* ∝ N^({fit['exponent']:.3f} ± {fit['stderr']:.3f})")
        ax.loglog(N, [r["bound_1_over_rho_EE"] for r in sub], "x", color=color, ms=5)
        Ns = np.array(sorted(set(N)))
        ax.loglog(Ns, fit["prefactor"] * Ns ** fit["exponent"], "-", color=color, lw=1)
    ax.plot([], [], "kx", label="1/ρ(J_EE) (upper bound)")
    ax.set_xlabel("network size N")
    ax.set_ylabel("γ* = sup{γ : I − γJ LDS}")
    ax.set_title("random Dale networks (80 % E), weights (1, 2, 1, 2)")
    ax.legend(fontsize=8)
    save_figure(fig, output / "gamma_star")
    return {"sizes": sizes, "seeds": len(seeds), "rtol": rtol, "fits": fits,
            "max_wall_time_per_network": max(r["wall_time"] for r in rows)}


def lds_benchmark(output: Path, cfg: RatesConfig, *, seed: int = 0) -> dict:
    """Barrier LDS search on a ``cfg.benchmark_n``-neuron Dale network vs cvxpy (SCS, and CLARABEL if n ≤ 60)."""
    n = cfg.benchmark_n
    net = random_dale(n, scaling="sqrt", seed=seed, weights=(0.3, 1.0, 1.0, 1.0))
    A = np.eye(n) - net.W
    rows = []
    ref = lds_certificate(A)
    rows.append({"n": n, "method": "barrier", "solver": ref.solver, "margin": ref.margin, "wall_time": ref.wall_time,
                 "abs_diff_to_barrier": 0.0})
    solvers = ["SCS"] + (["CLARABEL"] if n <= 60 else [])
    for solver in solvers:
        cert = lds_certificate(A, method="cvxpy", solver=solver, tol=1e-9 if solver == "SCS" else 1e-8)
        rows.append({"n": n, "method": "cvxpy", "solver": solver, "margin": cert.margin, "wall_time": cert.wall_time,
                     "abs_diff_to_barrier": abs(cert.margin - ref.margin)})
    write_csv(output / "lds_benchmark.csv", rows)
    return {r["solver"]: {"margin": r["margin"], "wall_time_s": round(r["wall_time"], 3),
                          "abs_diff_to_barrier": r["abs_diff_to_barrier"]} for r in rows}
