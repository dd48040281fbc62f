"""The ``fokker-balance`` command line (also ``python -m validation``).

Each subcommand lives in its own module under ``validation.commands`` with
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``; it is
imported only when used, so ``--help`` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, str] = {
    "demo": "validation.commands.demo",
    "validate": "validation.commands.validate",
    "solve": "validation.commands.solve",
    "simulate": "validation.commands.simulate",
    "balance": "validation.commands.balance",
    "study": "validation.commands.study",
    "report": "validation.commands.report",
    "theorem": "validation.commands.theorem",
    "rates": "validation.commands.rates",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fokker-balance",
        description="Mean-field Fokker-Planck equations of strongly coupled neuron networks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"fokker-balance {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
