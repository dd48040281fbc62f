"""Particle throughput: particle-steps per second of the exact-OU network step (``ei_single``)
against bare ``Generator.standard_normal`` throughput, measured in the same run.

    python benchmarks/bench_particles.py [--n 1000000] [--steps 60] [--repeats 3] [--large] [--quick] [--output FILE]

Writes a Markdown table to benchmarks/results/particles.md (and prints it): best-of-``repeats`` throughput (the three measured in turn, ``repeats`` times) of
- ``Generator.standard_normal(out=buf)`` with buf of n doubles (one thread, the reference),
- ``simulate_particles`` with 1 thread and with every CPU (``threads=None``), with
  activations in double and in single precision (γ = 10, dt = 1e-3: the explicit coupling),
- the implicit coupling at γ = 1e6, dt = 1e-3 (γ Ā dt ≈ 1.2e3), 1 thread and every CPU,
  double precision (its coupling evaluations per step are printed too),
- two-variable FitzHugh–Nagumo networks (a particle-step advances x and w): ``fhn_electrical``
  at γ = 1e4 (γ G dt = 10: the mean-centred step), 1 thread and every CPU, and ``fhn_chemical``
  at γ = 10, 1 thread (σ_w = 0: one normal per particle-step, as the reference),
and their ratios. ``--large`` also runs n = 1e7 for a few steps and reports the peak
resident memory (the positions are kept only at the two output times). ``--quick`` measures
n = 200,000 particles for 30 steps, best of 1 (about ten seconds; the table says so).
"""
from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from fokker import presets
from results_table import md_table, write_results
from validation.particles import simulate_particles


def normal_throughput(n: int, draws: int) -> float:
    """Samples per second of ``standard_normal(out=buf)`` over ``draws`` fills of n doubles."""
    rng = np.random.default_rng(0)
    buf = np.empty(n)
    rng.standard_normal(out=buf)
    start = time.perf_counter()
    for _ in range(draws):
        rng.standard_normal(out=buf)
    return draws * n / (time.perf_counter() - start)


EVALUATIONS: dict[str, float] = {}
"""Coupling evaluations per step of the last implicit run, by case label."""


def particle_throughput(n: int, steps: int, threads: int | None, seed: int = 0,
                        precision: str = "double", gamma: float = 10.0, label: str = "",
                        preset: str = "ei_single") -> float:
    """Particle-steps per second of ``simulate_particles`` (``preset``, dt = 1e-3, coupling "auto")."""
    net = presets.PRESETS[preset](gamma)
    shape = (n, 2) if net.variables == 2 else (n,)
    x0 = np.random.default_rng(1).normal(0.0, 0.3, shape)
    run = simulate_particles(net, n, x0, (0.0, steps * 1e-3), 1e-3, seed=seed, threads=threads,
                             summary_only=True, precision=precision)
    if run.stats["coupling"] == "implicit" and run.stats["coupling_evaluations"] > 0:
        EVALUATIONS[label] = run.stats["evaluations_per_step"]
    return run.stats["particle_steps_per_second"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="particles (default 1e6; 2e5 with --quick)")
    parser.add_argument("--steps", type=int, default=None, help="steps per run (default 60; 30 with --quick)")
    parser.add_argument("--repeats", type=int, default=None, help="best of (default 3; 1 with --quick)")
    parser.add_argument("--large", action="store_true", help="also n = 1e7 (memory)")
    parser.add_argument("--quick", action="store_true", help="n = 2e5, 30 steps, best of 1")
    parser.add_argument("--output", help="write the Markdown here instead of benchmarks/results/particles.md")
    args = parser.parse_args(argv)
    quick_defaults, full_defaults = (200_000, 30, 1), (1_000_000, 60, 3)
    for key, default in zip(("n", "steps", "repeats"), quick_defaults if args.quick else full_defaults):
        if getattr(args, key) is None:
            setattr(args, key, default)
    n = args.n
    cpus = os.cpu_count() or 1
    cases = {"Generator.standard_normal(out=buf), 1 thread": lambda r: normal_throughput(n, args.steps)}
    for precision in ("double", "single"):
        for threads in (1, None):
            label = f"simulate_particles ei_single, {threads or cpus} thread(s), {precision}"
            cases[label] = lambda r, t=threads, p=precision: particle_throughput(n, args.steps, t, r, p)
    for threads in (1, None):
        label = f"implicit coupling γ=1e6 dt=1e-3, {threads or cpus} thread(s), double"
        cases[label] = lambda r, t=threads, s=label: particle_throughput(n, args.steps, t, r, gamma=1e6, label=s)
    for preset, gamma, thread_counts in (("fhn_electrical", 1e4, (1, None)), ("fhn_chemical", 10.0, (1,))):
        for threads in thread_counts:
            label = f"two-variable {preset} γ={gamma:g} dt=1e-3, {threads or cpus} thread(s), double"
            cases[label] = (lambda r, t=threads, s=label, p=preset, g=gamma:
                            particle_throughput(n, args.steps, t, r, gamma=g, label=s, preset=p))
    best = dict.fromkeys(cases, 0.0)
    for r in range(args.repeats):        # interleaved, so that other load affects every case alike
        for name, measure in cases.items():
            best[name] = max(best[name], measure(r))
    bare = best["Generator.standard_normal(out=buf), 1 thread"]
    body = [f"`ei_single` (and the two-variable presets), n = {n:,} particles, {args.steps} steps of dt = 1e-3, best of {args.repeats} "
            f"(cases interleaved); {cpus} CPUs. Throughput in millions of particle-steps per second "
            "(normals per second for the reference).", ""]
    body += md_table(("what", "M particle-steps (or normals) / s", "ratio to standard_normal"),
                     [(name, f"{value / 1e6:.1f}", f"{value / bare:.2f}") for name, value in best.items()])
    body += [f"- {name}: {evaluations:.2f} coupling evaluations per step (+ 1 accepting pass)"
             for name, evaluations in EVALUATIONS.items()]
    if args.large:
        big = 10_000_000
        net = presets.ei_single(10.0)
        start = time.perf_counter()
        run = simulate_particles(net, big, lambda rng, n: rng.normal(0.0, 0.3, n), (0.0, 0.005), 1e-3, seed=0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        body.append(f"- n = {big:,}: {run.stats['steps']} steps, {run.stats['particle_steps_per_second'] / 1e6:.1f} M "
                    f"particle-steps/s, wall {time.perf_counter() - start:.1f} s, peak RSS {rss:.2f} GB "
                    f"(positions stored: {run.x.nbytes / 1024**3:.2f} GB)")
    command = "python benchmarks/bench_particles.py" + "".join(
        f" --{k} {getattr(args, k)}" for k in ("n", "steps", "repeats")) + (" --large" if args.large else "")
    path = write_results("particles.md", "Particle throughput", command, body, args.output)
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
