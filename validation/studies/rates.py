"""Rate-network studies (rate_networks.md §3–§5), each a list of tasks + a reducer + a figure.

(a) ``wilson_cowan_plane``: over (w_EE, w_IE), where I − W is LDS, where the Jacobian is
    stable without LDS (inhibition-stabilised), where there is multistability or no stable state.
(b) ``contrast_column``: relative contrast per layer of a stacked column against κ^ℓ.
(c) ``motif_comparison``: shared vs crossed inhibition from many random initial states, and
    the number of stable equilibria against bc/(1 − a).
(d) ``gamma_star_scaling``: γ*(N) of random Dale networks under 1/N and 1/√N weights, with
    fitted exponents; plus ``lds_benchmark``: the barrier LDS search against cvxpy.
Every study writes ``<name>.csv``, ``<name>.png`` and ``<name>.pdf`` into ``output`` atomically
and returns a dict of summary numbers.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from fokker.rates import (contrast_gain, crossed_inhibition, random_dale, shared_interneuron,  # noqa: E402
                          stacked_column, wilson_cowan)
from solvers.rates import equilibria, simulate_rates  # noqa: E402
from solvers.stability import (gamma_star, jacobian_spectrum, lds_certificate,  # noqa: E402
                               metzler_majorant_test, principal_minor_2x2)
from validation.atomic import atomic_write, save_figure, write_csv  # noqa: E402
from validation.runner import run_tasks  # noqa: E402

CLASSES = ("LDS certified", "stable, not LDS", "multistable", "no stable equilibrium")


# ====================================================================== (a) Wilson–Cowan plane
def _wc_point(w_EE: float, w_IE: float, w_EI: float, w_II: float, u_E: float, u_I: float) -> dict:
    net = wilson_cowan(w_EE=w_EE, w_EI=w_EI, w_IE=w_IE, w_II=w_II, u_E=u_E, u_I=u_I)
    A = np.eye(2) - net.W
    cert = lds_certificate(A, tol=1e-9)
    eqs = equilibria(net)
    abscissae = [float(jacobian_spectrum(net, x).real.max()) for x in eqs]
    n_stable = sum(a < 0 for a in abscissae)
    if cert.margin > 0:
        cls = 0
    elif n_stable == 1 and len(eqs) == 1:
        cls = 1
    elif n_stable >= 2:
        cls = 2
    else:
        cls = 3
    e_active = any(x[0] > 0 for x, a in zip(eqs, abscissae) if a < 0)
    return {"w_EE": w_EE, "w_IE": w_IE, "margin": cert.margin, "lds_2x2": principal_minor_2x2(A),
            "n_equilibria": len(eqs), "n_stable": n_stable,
            "max_abscissa": max(abscissae) if abscissae else float("nan"),
            "metzler_abscissa": metzler_majorant_test(net.W).abscissa,
            "isn": bool(cls == 1 and w_EE > 1 and e_active), "class": cls, "class_name": CLASSES[cls]}


def wilson_cowan_plane(output: Path, *, quick: bool = False, progress: bool = True,
                       w_EI: float = 3.0, w_II: float = 0.5, u_E: float = 2.0, u_I: float = 0.5) -> dict:
    """Study (a): classify the (w_EE, w_IE) plane; compare LDS search with the 2×2 criterion (LDS iff w_EE < 1)."""
    nx = 17 if quick else 49
    w_EE = np.linspace(0.0, 3.0, nx)
    w_IE = np.linspace(0.0, 5.0, nx)
    tasks = [dict(w_EE=float(a), w_IE=float(b), w_EI=w_EI, w_II=w_II, u_E=u_E, u_I=u_I) for b in w_IE for a in w_EE]
    rows = run_tasks(_wc_point, tasks, progress=progress, desc="(a) Wilson-Cowan")
    write_csv(output / "wilson_cowan.csv", rows)
    cls = np.array([r["class"] for r in rows]).reshape(nx, nx)
    margin = np.array([r["margin"] for r in rows]).reshape(nx, nx)
    away = [r for r in rows if abs(r["w_EE"] - 1.0) > 1e-6]
    agree = sum((r["margin"] > 0) == r["lds_2x2"] for r in away)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    cmap = matplotlib.colors.ListedColormap(["#4daf4a", "#377eb8", "#ff7f00", "#e41a1c"])
    ext = (w_EE[0], w_EE[-1], w_IE[0], w_IE[-1])
    axes[0].imshow(cls, origin="lower", extent=ext, aspect="auto", cmap=cmap, vmin=-0.5, vmax=3.5,
                   interpolation="nearest")
    axes[0].axvline(1.0, color="k", ls="--", lw=1, label="w_EE = 1 (2×2 criterion)")
    axes[0].axvline(2.0 + w_II, color="k", ls=":", lw=1, label="trace = 0 (both active)")
    wl = np.linspace(1.0, w_EE[-1], 50)
    axes[0].plot(wl, (wl - 1.0) * (1.0 + w_II) / w_EI, "k-.", lw=1, label="det = 0 (both active)")
    axes[0].set_ylim(w_IE[0], w_IE[-1])
    handles = [matplotlib.patches.Patch(color=cmap(i), label=c) for i, c in enumerate(CLASSES)]
    axes[0].legend(handles=handles + axes[0].get_legend_handles_labels()[0], fontsize=7, loc="upper left")
    axes[0].set_xlabel("w_EE")
    axes[0].set_ylabel("w_IE")
    axes[0].set_title(f"Wilson–Cowan, w_EI={w_EI}, w_II={w_II}, u=({u_E}, {u_I})")
    im = axes[1].imshow(margin, origin="lower", extent=ext, aspect="auto", cmap="RdBu",
                        vmin=-np.abs(margin).max(), vmax=np.abs(margin).max())
    axes[1].contour(w_EE, w_IE, margin, levels=[0.0], colors="k")
    fig.colorbar(im, ax=axes[1], label="LDS margin of I − W")
    axes[1].set_xlabel("w_EE")
    axes[1].set_ylabel("w_IE")
    axes[1].set_title("LDS margin (trace P = 2); zero contour")
    save_figure(fig, output / "wilson_cowan")
    counts = {c: int(np.sum(cls == i)) for i, c in enumerate(CLASSES)}
    return {"grid": f"{nx}x{nx}", "class_counts": counts,
            "lds_vs_2x2_agreement": f"{agree}/{len(away)}",
            "isn_points": int(sum(r["isn"] for r in rows)),
            "isn_points_lds_certified": int(sum(r["isn"] and r["margin"] > 0 for r in rows)),
            "max_margin_for_w_EE_above_1": float(max(r["margin"] for r in rows if r["w_EE"] > 1.0))}


# ====================================================================== (b) contrast column
def contrast_profile(n_layers: int, a: float, b: float, c: float, u1: float, u2: float) -> list[dict]:
    """Equilibrium contrast (x₁−x₂)/(x₁+x₂) of each layer of a stacked column vs κ^ℓ c₀."""
    kappa = contrast_gain(a, b, c)
    net = stacked_column(n_layers, a, b, c, u1, u2, feedforward=1 - a + 2 * b * c)
    x = equilibria(net)[0]
    c_in = (u1 - u2) / (u1 + u2)
    rows = []
    prev = c_in
    for layer in range(n_layers):
        x1, x2 = x[net.index(f"E1[{layer}]")], x[net.index(f"E2[{layer}]")]
        contrast = (x1 - x2) / (x1 + x2)
        rows.append({"a": a, "b": b, "c": c, "kappa": kappa, "layer": layer + 1, "x1": x1, "x2": x2,
                     "contrast": contrast, "predicted": min(kappa ** (layer + 1) * c_in, 1.0),
                     "kappa_measured": contrast / prev, "both_active": bool(x2 > 0)})
        prev = contrast
    return rows


def contrast_column(output: Path, *, quick: bool = False, progress: bool = True) -> dict:
    """Study (b): κ per layer, measured vs formula, until winner-take-all."""
    params = [(0.5, 0.5, 0.5), (0.2, 0.6, 0.5), (0.0, 0.3, 0.5)]
    n_layers = 8 if quick else 12
    tasks = [dict(n_layers=n_layers, a=a, b=b, c=c, u1=1.0, u2=0.96) for a, b, c in params]
    results = run_tasks(contrast_profile, tasks, progress=progress, desc="(b) contrast")
    rows = [r for res in results for r in res]
    write_csv(output / "contrast.csv", rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    summary = {}
    for res, color in zip(results, ("C0", "C1", "C2")):
        layers = [r["layer"] for r in res]
        k = res[0]["kappa"]
        axes[0].semilogy(layers, [r["contrast"] for r in res], "o", color=color, label=f"measured, κ = {k:.3g}")
        axes[0].semilogy(layers, [r["predicted"] for r in res], "-", color=color, lw=1, label="min(κ^ℓ c₀, 1)")
        active = [r for r in res if r["both_active"]]
        axes[1].plot([r["layer"] for r in active], [r["kappa_measured"] for r in active], "o", color=color)
        axes[1].axhline(k, color=color, lw=1, ls="--")
        err = max((abs(r["kappa_measured"] - k) for r in active), default=float("nan"))
        wta = next((r["layer"] for r in res if not r["both_active"]), None)
        summary[f"kappa={k:.4g}"] = {"max_abs_error_kappa_both_active": err, "wta_layer": wta,
                                     "kappa_measured": [round(r["kappa_measured"], 12) for r in active]}
    axes[0].axhline(1.0, color="k", lw=0.8, ls=":")
    axes[0].set_xlabel("layer ℓ")
    axes[0].set_ylabel("relative contrast (x₁−x₂)/(x₁+x₂)")
    axes[0].legend(fontsize=7)
    axes[0].set_title("column of shared-interneuron motifs, u = (1, 0.96)")
    axes[1].set_xlabel("layer ℓ (both E active)")
    axes[1].set_ylabel("κ measured = c_ℓ / c_{ℓ−1}")
    axes[1].set_title("measured gain per layer (dashed: (1 − a + 2bc)/(1 − a))")
    save_figure(fig, output / "contrast")
    return summary


# ====================================================================== (c) shared vs crossed
def _final_states(net, n_starts: int, seed: int, t_end: float = 60.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X0 = rng.uniform(0.0, 3.0, size=(n_starts, net.n))
    traj = simulate_rates(net, X0, (0.0, t_end), t_eval=[0.0, t_end], rtol=1e-9, atol=1e-11)
    return traj.x[-1]


def _attractors(final: np.ndarray, tol: float = 1e-5) -> list[tuple[np.ndarray, int]]:
    out: list[list] = []
    for x in final:
        for item in out:
            if np.max(np.abs(item[0] - x)) < tol:
                item[1] += 1
                break
        else:
            out.append([x, 1])
    return [(x, k) for x, k in out]


def _motif_scan_point(ratio: float, a: float, b: float) -> dict:
    c = ratio * (1 - a) / b
    row = {"bc_over_1_minus_a": ratio, "c": c}
    for name, build in (("shared", shared_interneuron), ("crossed", crossed_inhibition)):
        net = build(a, b, c, 1.0, 1.0)
        eqs = equilibria(net)
        stable = [x for x in eqs if jacobian_spectrum(net, x).real.max() < 0]
        row[f"{name}_n_equilibria"] = len(eqs)
        row[f"{name}_n_stable"] = len(stable)
        row[f"{name}_margin"] = lds_certificate(np.eye(net.n) - net.W, tol=1e-9).margin
    return row


def motif_comparison(output: Path, *, quick: bool = False, progress: bool = True) -> dict:
    """Study (c): shared inhibition has one attractor; crossed inhibition (bc > 1 − a) two, chosen by the start."""
    a, b, c = 0.5, 1.0, 1.0
    u = (1.0, 0.95)
    n_starts = 40 if quick else 200
    shared = shared_interneuron(a, b, c, *u)
    crossed = crossed_inhibition(a, b, c, *u)
    fin_s = _final_states(shared, n_starts, seed=1)
    fin_c = _final_states(crossed, n_starts, seed=2)
    att_s, att_c = _attractors(fin_s), _attractors(fin_c)
    ratios = np.linspace(0.2, 2.0, 19 if quick else 46) + 0.013   # keeps the degenerate bc = 1 − a off the grid
    scan = run_tasks(_motif_scan_point, [dict(ratio=float(r), a=a, b=b) for r in ratios], progress=progress,
                     desc="(c) motifs")
    rows = [{"kind": "attractor", "motif": m, "x_E1": x[0], "x_E2": x[1], "count": k, "n_starts": n_starts}
            for m, att in (("shared", att_s), ("crossed", att_c)) for x, k in att]
    write_csv(output / "motifs_attractors.csv", rows)
    write_csv(output / "motifs_scan.csv", scan)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, fin, att, title in ((axes[0], fin_s, att_s, "shared interneuron"),
                                (axes[1], fin_c, att_c, "crossed inhibition")):
        ax.scatter(fin[:, 0], fin[:, 1], s=12, alpha=0.5)
        lim = 1.1 * max(np.max(fin_s[:, :2]), np.max(fin_c[:, :2]))
        ax.set_xlim(-0.05 * lim, lim)
        ax.set_ylim(-0.05 * lim, lim)
        for x, k in att:
            ax.annotate(f"{k}/{n_starts}", (x[0], x[1]), textcoords="offset points", xytext=(6, 6), fontsize=8)
        ax.set_xlabel("final x_E1")
        ax.set_ylabel("final x_E2")
        ax.set_title(f"{title}: {len(att)} attractor(s) from {n_starts} random starts\n"
                     f"a={a}, b={b}, c={c}, u={u}", fontsize=9)
    r = np.array([s["bc_over_1_minus_a"] for s in scan])
    axes[2].plot(r, [s["shared_n_stable"] for s in scan], "o-", label="shared: # stable equilibria")
    axes[2].plot(r, [s["crossed_n_stable"] for s in scan], "s-", label="crossed: # stable equilibria")
    axes[2].axvline(1.0, color="k", ls="--", lw=1, label="bc = 1 − a")
    ax2 = axes[2].twinx()
    ax2.plot(r, [s["crossed_margin"] for s in scan], "C3:", label="crossed LDS margin")
    ax2.plot(r, [s["shared_margin"] for s in scan], "C2:", label="shared LDS margin")
    ax2.axhline(0.0, color="grey", lw=0.5)
    ax2.set_ylabel("LDS margin of I − W")
    axes[2].set_xlabel("bc / (1 − a)  (u₁ = u₂ = 1)")
    axes[2].set_ylabel("number of stable equilibria")
    axes[2].legend(fontsize=7, loc="upper left")
    ax2.legend(fontsize=7, loc="lower right")
    save_figure(fig, output / "motifs")
    crossed_bistable = [s["bc_over_1_minus_a"] for s in scan if s["crossed_n_stable"] >= 2]
    lost_lds = [s["bc_over_1_minus_a"] for s in scan if s["crossed_margin"] <= 0]
    return {"shared_attractors": [(np.round(x[:2], 6).tolist(), k) for x, k in att_s],
            "crossed_attractors": [(np.round(x[:2], 6).tolist(), k) for x, k in att_c],
            "crossed_bistable_from_ratio": min(crossed_bistable) if crossed_bistable else None,
            "crossed_lds_lost_from_ratio": min(lost_lds) if lost_lds else None,
            "shared_always_unique": all(s["shared_n_equilibria"] == 1 for s in scan)}


# ====================================================================== (d) γ*(N)
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
    """OLS fit log y = β log N + c; β with its standard error and a 95 % t-interval."""
    from scipy import stats

    res = stats.linregress(np.log(N), np.log(y))
    dof = len(N) - 2
    tq = float(stats.t.ppf(0.975, dof)) if dof > 0 else float("nan")
    return {"exponent": float(res.slope), "stderr": float(res.stderr),
            "ci95": [float(res.slope - tq * res.stderr), float(res.slope + tq * res.stderr)],
            "prefactor": float(math.exp(res.intercept)), "points": int(len(N))}


def gamma_star_scaling(output: Path, *, quick: bool = False, progress: bool = True) -> dict:
    """Study (d): γ*(N) under 1/N ("mean") and 1/√N ("sqrt") scaling, with fitted exponents."""
    sizes = [10, 20, 40, 80] if quick else [16, 32, 64, 128, 256]
    seeds = [0, 1] if quick else [0, 1, 2, 3]
    rtol = 2e-2 if quick else 5e-3
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


def lds_benchmark(output: Path, *, quick: bool = False, n: int | None = None, seed: int = 0) -> dict:
    """Barrier LDS search on an n-neuron Dale network (default 200; 40 with ``quick``) vs cvxpy (SCS, and CLARABEL if n ≤ 60)."""
    n = n or (40 if quick else 200)
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


# ====================================================================== all
STUDIES = {"a_wilson_cowan": wilson_cowan_plane, "b_contrast": contrast_column,
           "c_motifs": motif_comparison, "d_gamma_star": gamma_star_scaling}


def run_all(output: str | Path = "results/rates", *, quick: bool = False, progress: bool = True,
            benchmark: bool = True) -> dict:
    """Run studies (a)–(d) (and the LDS benchmark) and write ``summary.json`` next to their files."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"quick": quick}
    for name, study in STUDIES.items():
        start = time.perf_counter()
        summary[name] = study(out, quick=quick, progress=progress)
        summary[name]["wall_time_s"] = round(time.perf_counter() - start, 2)
    if benchmark:
        summary["lds_benchmark"] = lds_benchmark(out, quick=quick)

    def write(tmp: str) -> None:
        with open(tmp, "w") as fh:
            json.dump(summary, fh, indent=2, default=float)
    atomic_write(out / "summary.json", write)
    return summary
