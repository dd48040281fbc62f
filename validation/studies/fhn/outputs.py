"""Files of the FitzHugh–Nagumo study: CSV tables, figures (PNG + PDF), the density animation (GIF) and
``report.md`` (every file written atomically), and the report section other reports include."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...atomic import atomic_write
from ...output import Section, heat_map, markdown_table, pyplot, save_figure, write_csv, write_report
from .config import FhnConfig
from .figures import (chemical_figure, compare_figure, onset_figure, pair_figure, period_figure, rest_figure,
                      _cycle)

SUMMARY_COLUMNS = ("part", "quantity", "fitted", "fitted_se", "predicted", "points", "selection")

TEXT = {
    "period": ("F2: electrical coupling, oscillatory current (I = 0.5)",
               "Particles from a concentrated law on the uncoupled limit cycle. Period of the mean voltage "
               "(upward crossings of the section through the unstable rest point) against the ODE period; every γ "
               "shares its noise with a reference run at γ_ref, so |T_γ − T_ref| isolates the γ-dependence "
               "(theory: O(1/γ), the dotted curve is the period of the mean dynamics with ⟨f⟩ averaged over "
               "N(μ, σ²/(2γG))). T_ref − T_ODE (finite n, the particle step's O(dt) error) is in the summary."),
    "rest": ("F3: electrical coupling, excitable current",
             "Particles started off the rest point; the means averaged over the second half of the run against "
             "the ODE rest point. The offset from the common-noise reference run is fitted (theory O(1/γ); "
             "dotted: the rest point of the mean dynamics with ⟨f⟩ over N(μ, σ²/(2γG)))."),
    "chemical": ("F4: chemical coupling (fhn_chemical)",
                 "Particles from x̄ with the recovery away from its target: the voltage clamps at the balance "
                 "voltage x̄ of `net.balance()` (|μ − x̄| = O(1/γ)), the width √γ·std(x) → σ/√(2Ā), and the "
                 "recovery relaxes to (x̄ + a)/b at the slow rate c b."),
    "particles": ("F5: particles against the PDE (fhn_electrical)",
                  "n particles sampled from the PDE's initial density; W1 of the x- and w-marginals at a fixed time "
                  "against n (theory n^(−1/2)) and across γ at fixed n."),
    "onset": ("F6: onset of synchrony (fhn_electrical, weak coupling, noise)",
              "From phases spread uniformly along the uncoupled cycle: the amplitude √2·std of the mean voltage "
              "late in the run (PDE and particles) and the growth rate of the mean's oscillation (PDE: slope of "
              "the log of the per-window amplitude, windows before it saturates). γ_c: the zero of a line fitted "
              "to the PDE growth rates (error by the delta method) and, for particles, the bracket between the "
              "largest desynchronised and the smallest synchronised γ."),
    "pair": ("fhn_pair: chemical and electrical coupling together",
             "E and I FitzHugh–Nagumo populations with chemical synapses and gap junctions between them; the "
             "means averaged late in the run against the balance voltages, the oscillation amplitude of the means, "
             "and the gap |μ_E − μ_I|."),
}


def write_animation(anim: dict, cfg: FhnConfig, folder: Path) -> list[Path]:
    """The density p(x, w) of one PDE run as a GIF (matplotlib's PillowWriter) and four frames as PNG + PDF."""
    from matplotlib.animation import FuncAnimation, PillowWriter
    plt = pyplot()
    frames, times = anim["frames"][:, 0], anim["frame_t"]
    nx, nw = frames.shape[1:]
    (x0, x1), (w0, w1) = anim["x_box"], anim["w_box"]
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ws = w0 + (np.arange(nw) + 0.5) * (w1 - w0) / nw
    t, mx, mw = anim["t"], anim["mean"][:, 0], anim["mean_w"][:, 0]
    title = f"fhn_electrical, γ = {cfg.animation_gamma:g}: density p(x, w)"

    def draw(ax, k, ylabel=True):
        ax.clear()
        heat_map(ax, xs, ws, frames[k].T, cmap="magma", vmin=0.0, vmax=float(frames[k].max()))
        _cycle(ax, color="white", alpha=0.6)
        upto = t <= times[k]
        ax.plot(mx[upto], mw[upto], color="cyan", lw=0.8, label="mean (x, w)")
        ax.set_xlim(x0, x1)
        ax.set_ylim(w0, w1)
        ax.set_xlabel("voltage x")
        if ylabel:
            ax.set_ylabel("recovery w")
        ax.set_title(f"t = {times[k]:.1f}", fontsize=9)
        ax.legend(loc="upper left", fontsize=7)

    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    fig.suptitle(title, fontsize=9)
    movie = FuncAnimation(fig, lambda k: draw(ax, k), frames=len(times))

    def save(tmp: str) -> None:
        named = f"{tmp}.gif"                                  # Pillow picks the format from the suffix
        movie.save(named, writer=PillowWriter(fps=cfg.animation_fps), dpi=72)
        os.replace(named, tmp)
    out = [atomic_write(folder / "fhn_density.gif", save)]
    plt.close(fig)
    ks = np.unique(np.round(np.linspace(0, len(times) - 1, 4)).astype(int))
    fig, axes = plt.subplots(1, ks.size, figsize=(4.2 * ks.size, 3.6), layout="constrained")
    for i, (a, k) in enumerate(zip(np.atleast_1d(axes), ks)):
        draw(a, k, ylabel=i == 0)
    fig.suptitle(title, fontsize=10)
    return out + save_figure(fig, folder / "fhn_density_frames")


def write_outputs(res, cfg: FhnConfig, folder: Path) -> list[Path]:
    """CSV tables, figures, the animation and ``report.md`` under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    sections: list[Section] = []

    def part(name, table, stem, figure_files, extra=()):
        files.append(write_csv(folder / f"{stem}.csv", table, "%.10g"))
        files.extend(figure_files)
        heading, text = TEXT[name]
        sections.append(Section(heading, text, figures=[f for f in figure_files if f.suffix == ".png"],
                                tables=[markdown_table(table.drop(columns=["wall_time"], errors="ignore"), digits=7)]
                                + list(extra)))

    if res.period is not None:
        part("period", res.period, "fhn_period", period_figure(res.period, res.traces["period"], cfg, folder))
    if res.rest is not None:
        part("rest", res.rest, "fhn_rest", rest_figure(res.rest, res.traces["rest"], cfg, folder))
    if res.chemical is not None:
        part("chemical", res.chemical, "fhn_chemical", chemical_figure(res.chemical, res.traces["chemical"], cfg,
                                                                       folder))
    if res.compare is not None:
        part("particles", res.compare, "fhn_particles", compare_figure(res.compare, cfg, folder))
    if res.onset_pde is not None:
        onset_rows = res.summary[res.summary.part == "F6"]
        files.append(write_csv(folder / "fhn_onset_particles.csv", res.onset_particles, "%.10g"))
        part("onset", res.onset_pde, "fhn_onset_pde",
             onset_figure(res.onset_pde, res.onset_particles, res.traces["onset_pde"], onset_rows, cfg, folder),
             extra=[markdown_table(res.onset_particles)])
    if res.pair is not None:
        part("pair", res.pair, "fhn_pair", pair_figure(res.pair, cfg, folder))
    if res.animation is not None:
        anim = write_animation(res.animation, cfg, folder)
        files.extend(anim)
        sections.append(Section("The density in the phase plane",
                                f"The PDE density of `fhn_electrical` at γ = {cfg.animation_gamma:g} from phases "
                                "spread along the uncoupled cycle (white): the population synchronises into one "
                                "travelling blob (animation, then four frames)."
                                + (f" Solver warnings: {res.animation.get('warnings')}." if res.animation.get("warnings")
                                   else ""),
                                figures=[f for f in anim if f.suffix in (".gif", ".png")]))
    summary = res.summary[list(SUMMARY_COLUMNS)] if len(res.summary) else res.summary
    if len(res.summary):
        files.append(write_csv(folder / "fhn_summary.csv", summary, "%.10g"))
    intro = ("Fitted against predicted values (least squares, ± standard error; the selection column states which "
             "points each fit uses):\n\n" + markdown_table(summary, digits=5))
    files.append(write_report(folder / "report.md", "FitzHugh–Nagumo networks as γ grows", sections, intro=intro))
    return files


def report_section(folder: Path) -> Section:
    """The FitzHugh–Nagumo section of another report, from the files of a finished run in ``folder``."""
    import pandas as pd
    path = folder / "fhn_summary.csv"
    tables = [markdown_table(pd.read_csv(path), digits=5)] if path.is_file() else []
    figures = [folder / f"{stem}.png" for stem in ("fhn_period", "fhn_onset") if (folder / f"{stem}.png").is_file()]
    return Section("FitzHugh–Nagumo networks as γ grows (F2–F6)",
                   f"Fitted against predicted values; every part with its figures: [{folder.name}/report.md]"
                   f"({folder.name}/report.md).", figures=figures, tables=tables)
