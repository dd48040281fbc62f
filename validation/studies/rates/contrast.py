"""Rate study (b): relative contrast per layer of a stacked column of shared-interneuron motifs against κ^ℓ."""
from __future__ import annotations

from pathlib import Path

from fokker.rates import contrast_gain, stacked_column
from solvers.rates import equilibria

from ...output import pyplot, save_figure, write_csv
from ...store.runner import run_tasks
from .config import RatesConfig


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


def contrast_column(output: Path, cfg: RatesConfig, *, progress: bool = True) -> dict:
    """Study (b): κ per layer, measured vs formula, until winner-take-all."""
    params = [(0.5, 0.5, 0.5), (0.2, 0.6, 0.5), (0.0, 0.3, 0.5)]
    plt = pyplot()
    n_layers = cfg.contrast_layers
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
