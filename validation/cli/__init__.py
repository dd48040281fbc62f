"""The ``fokker-balance`` command line (also ``python -m validation``).

Each subcommand lives in its own module under ``validation.cli.commands`` with
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``; it is
imported only when used, so ``--help`` stays fast.

Errors: a user error — a configuration error (:class:`validation.config.ConfigError`,
which names the file and key path), any other ValueError (a value out of range, a
study folder of another configuration), a FileNotFoundError or PermissionError —
prints one line ``fokker-balance CMD: error: ...`` and exits with 2. Anything else is
a bug (a TypeError, AttributeError, ...): its traceback is printed and the exit code
is 1. ``--traceback`` prints the traceback of user errors too.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable

COMMANDS: dict[str, str] = {
    "demo": "validation.cli.commands.demo",
    "validate": "validation.cli.commands.validate",
    "solve": "validation.cli.commands.solve",
    "simulate": "validation.cli.commands.simulate",
    "balance": "validation.cli.commands.balance",
    "study": "validation.cli.commands.study",
    "report": "validation.cli.commands.report",
    "theorem": "validation.cli.commands.theorem",
    "rates": "validation.cli.commands.rates",
}

USER_ERRORS = (ValueError, FileNotFoundError, PermissionError)
"""Exceptions reported as one-line user errors (exit 2); ConfigError is a ValueError."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="fokker-balance",
        description="Mean-field Fokker-Planck equations of strongly coupled neuron networks.")
    parser.add_argument("--traceback", action="store_true",
                        help="print the full traceback of user errors too (they are one line by default)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def run_command(command: str, run: Callable[[], object], *, show_traceback: bool = False) -> int:
    """Call ``run()`` and turn its outcome into an exit code (the error policy of the module docstring)."""
    try:
        return int(run() or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as exc:
        if show_traceback:
            traceback.print_exc()
        print(f"fokker-balance {command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print(f"fokker-balance {command}: internal error (a bug; the traceback is above)", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """Run ``fokker-balance`` with ``argv`` (default: the process arguments); the exit code."""
    args = build_parser().parse_args(argv)
    return run_command(args.command, lambda: args._run(args), show_traceback=args.traceback)


if __name__ == "__main__":
    sys.exit(main())
