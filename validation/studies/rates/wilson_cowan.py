"""Rate study (a): classify the Wilson–Cowan (w_EE, w_IE) plane: LDS, inhibition-stabilised, multistable, none."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fokker.rates import wilson_cowan
from solvers.rates import equilibria
from solvers.stability import jacobian_spectrum, lds_certificate, metzler_majorant_test, principal_minor_2x2

from ...output import pyplot, save_figure, write_csv
from ...store.runner import run_tasks
from .config import RatesConfig

CLASSES = ("LDS certified", "stable, not LDS", "multistable", "no stable equilibrium")


def wilson_cowan_point(w_EE: float, w_IE: float, w_EI: float, w_II: float, u_E: float, u_I: float) -> dict:
    """One point of the plane: LDS margin of I − W, equilibria and their stability, and its class (``CLASSES``)."""
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


def wilson_cowan_plane(output: Path, cfg: RatesConfig, *, progress: bool = True,
                       w_EI: float = 3.0, w_II: float = 0.5, u_E: float = 2.0, u_I: float = 0.5) -> dict:
    """Study (a): classify the (w_EE, w_IE) plane; compare LDS search with the 2×2 criterion (LDS iff w_EE < 1)."""
    plt = pyplot()
    nx = cfg.wc_cells
    w_EE = np.linspace(0.0, 3.0, nx)
    w_IE = np.linspace(0.0, 5.0, nx)
    tasks = [dict(w_EE=float(a), w_IE=float(b), w_EI=w_EI, w_II=w_II, u_E=u_E, u_I=u_I) for b in w_IE for a in w_EE]
    rows = run_tasks(wilson_cowan_point, tasks, progress=progress, desc="(a) Wilson-Cowan")
    write_csv(output / "wilson_cowan.csv", rows)
    cls = np.array([r["class"] for r in rows]).reshape(nx, nx)
    margin = np.array([r["margin"] for r in rows]).reshape(nx, nx)
    away = [r for r in rows if abs(r["w_EE"] - 1.0) > 1e-6]
    agree = sum((r["margin"] > 0) == r["lds_2x2"] for r in away)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    cmap = plt.matplotlib.colors.ListedColormap(["#4daf4a", "#377eb8", "#ff7f00", "#e41a1c"])
    ext = (w_EE[0], w_EE[-1], w_IE[0], w_IE[-1])
    axes[0].imshow(cls, origin="lower", extent=ext, aspect="auto", cmap=cmap, vmin=-0.5, vmax=3.5,
                   interpolation="nearest")
    axes[0].axvline(1.0, color="k", ls="--", lw=1, label="w_EE = 1 (2×2 criterion)")
    axes[0].axvline(2.0 + w_II, color="k", ls=":", lw=1, label="trace = 0 (both active)")
    wl = np.linspace(1.0, w_EE[-1], 50)
    axes[0].plot(wl, (wl - 1.0) * (1.0 + w_II) / w_EI, "k-.", lw=1, label="det = 0 (both active)")
    axes[0].set_ylim(w_IE[0], w_IE[-1])
    handles = [plt.matplotlib.patches.Patch(color=cmap(i), label=c) for i, c in enumerate(CLASSES)]
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
