"""``fokker-balance balance CONFIG``: the balance points of a configuration and their stability.

Prints one row per balance point x̄ (docs/theory/balance.md): the voltages x̄_α, the limiting
conductances Ā_α, the eigenvalues of the net-current Jacobian ∂F/∂x and whether the
point is stable (all real parts < 0), the residual max |F_α(x̄)| and whether the point is
isolated ("yes"), or lies on a continuum of balance points ("no" with the neutral directions,
the orthonormal columns of ``BalancePoint.neutral``).
Exit code 0 when at least one balance point exists, 1 otherwise.
"""
from __future__ import annotations

import argparse

HELP = "print the balance points of a configuration's network and their stability"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="TOML configuration file (see the README, section Configuration files)")
    parser.add_argument("--t", type=float, default=None,
                        help="time at which external activities a_k(t) are taken (default: time.t0)")


def _isolated(bp) -> str:
    """"yes", or "no, along (v_1, ..., v_P)" with each neutral direction of the continuum."""
    if bp.isolated:
        return "yes"
    return "no, along " + "; ".join("(" + ", ".join(f"{v:.4g}" for v in d) + ")" for d in bp.neutral.T)


def table(net, points) -> str:
    """The balance points as a fixed-width text table."""
    names = net.population_names
    header = (["#"] + [f"xbar[{n}]" for n in names] + [f"Abar[{n}]" for n in names]
              + ["eigenvalues", "stable", "residual", "isolated"])
    rows = []
    for i, bp in enumerate(points):
        eig = ", ".join(f"{e.real:.4g}" + (f"{e.imag:+.3g}j" if abs(e.imag) > 0 else "") for e in bp.eigenvalues)
        rows.append([str(i)] + [f"{v:.6f}" for v in bp.voltage] + [f"{v:.6f}" for v in bp.conductance]
                    + [eig, "yes" if bp.stable else "no", f"{bp.residual:.1e}", _isolated(bp)])
    widths = [max(len(r[j]) for r in [header] + rows) for j in range(len(header))]
    fmt = lambda r: "  ".join(c.rjust(w) for c, w in zip(r, widths))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def run(args: argparse.Namespace) -> int:
    from ...config import load
    config = load(args.config)
    net = config.network()
    t = config.t_span[0] if args.t is None else args.t
    points = net.balance(t)
    print(f"balance points of {net!r} at t = {t:g}: {len(points)} "
          f"({sum(bp.stable for bp in points)} stable)")
    if points:
        print(table(net, points))
    return 0 if points else 1
