"""Rate study (c): shared against crossed inhibition, from many random initial states and across bc/(1 − a)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fokker.rates import crossed_inhibition, shared_interneuron
from solvers.rates import equilibria, simulate_rates
from solvers.stability import jacobian_spectrum, lds_certificate

from ...output import pyplot, save_figure, write_csv
from ...store.runner import run_tasks
from .config import RatesConfig


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


def motif_comparison(output: Path, cfg: RatesConfig, *, progress: bool = True) -> dict:
    """Study (c): shared inhibition has one attractor; crossed inhibition (bc > 1 − a) two, chosen by the start."""
    a, b, c = 0.5, 1.0, 1.0
    u = (1.0, 0.95)
    plt = pyplot()
    n_starts = cfg.motif_starts
    shared = shared_interneuron(a, b, c, *u)
    crossed = crossed_inhibition(a, b, c, *u)
    fin_s = _final_states(shared, n_starts, seed=1)
    fin_c = _final_states(crossed, n_starts, seed=2)
    att_s, att_c = _attractors(fin_s), _attractors(fin_c)
    ratios = np.linspace(0.2, 2.0, cfg.motif_ratios) + 0.013   # keeps the degenerate bc = 1 − a off the grid
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
