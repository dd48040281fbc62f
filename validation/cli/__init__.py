"""The ``fokker-balance`` command line (also ``python -m validation``).

Each subcommand lives in its own module under ``validation.cli.commands`` with
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``; it is
imported only when used, so ``--help`` stays fast.

Errors: a user error — a configuration error (:class:`validation.config.ConfigError`,
which names the file and key path), any other ValueError (a value out of range, a
study folder of another configuration), a FileNotFoundError or PermissionError —
prints one line ``fokker-balance CMD: error: ...`` and exits with 2. So does a run whose cost
estimate (``solvers.cost``: memory, steps) exceeds the machine or the step cap, before any
work, and, as a last resort, a MemoryError (one line, no traceback). Anything else is
a bug (a TypeError, AttributeError, ...): its traceback is printed and the exit code
is 1. ``--traceback`` prints the traceback of user errors too.

Interruptions: Ctrl-C (SIGINT) exits with 130 and SIGTERM with 143 (128 + the signal
number, as shells report them); both unwind normally, so finished study points stay stored
and a rerun resumes.

Warnings: while :func:`main` runs, each warning is printed as one line
``warning: <message> [<Category>]`` on stderr, without the source line the default
format adds (the library itself keeps Python's default format for its other users). The
Dask worker processes that ``study`` starts print theirs the same way
(:mod:`validation.cli.worker_warnings`).
"""
from __future__ import annotations

import argparse
import importlib
import gc
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

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
    "fhn": "validation.cli.commands.fhn",
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


RESEND_DELAY = 0.01    # s: an interruption lost in a finaliser is sent again this long after its hook returned


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM (unwinds like Ctrl-C)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _unraisable_hook(previous: Callable) -> Callable:
    """A ``sys.unraisablehook`` that does not let an interruption be lost.

    A signal's exception raised while Python runs a ``__del__`` or a finaliser cannot
    propagate ("Exception ignored in ..."), so the run would go on. The hook has the signal
    sent again by a timer thread RESEND_DELAY later, so that its handler runs in the main
    thread after the hook has returned (a signal sent from within the hook could be handled
    inside the hook, where its exception is lost as well). Once an interruption is under way, the clean-up
    failures of objects it cut off half-built are expected and not printed.
    """
    state = {"interrupted": False}

    def hook(unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            state["interrupted"] = True
            signum = signal.SIGTERM if isinstance(unraisable.exc_value, Terminated) else signal.SIGINT
            timer = threading.Timer(RESEND_DELAY, os.kill, (os.getpid(), signum))
            timer.daemon = True
            timer.start()
        elif not state["interrupted"]:
            previous(unraisable)

    return hook


@contextmanager
def interrupts_unwind() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` and SIGINT KeyboardInterrupt (also when the
    process inherited SIGINT ignored, as a shell's background job does: Python then installs no
    handler of its own), and neither is lost in a finaliser (see :func:`_unraisable_hook`);
    everything is restored after."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:                                        # not the main thread: leave signals alone
        yield
        return
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable_hook(previous_hook)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        sys.unraisablehook = previous_hook


def format_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                   line: str | None = None) -> str:
    """One line ``warning: <message> [<Category>]`` (no file, line number or source line)."""
    text = " ".join(str(message).split())
    return f"warning: {text} [{category.__name__}]\n"


def show_warning_line(message, category, filename, lineno, file=None, line=None) -> None:
    """A ``warnings.showwarning`` that writes :func:`format_warning`'s line (to stderr by default)."""
    stream = sys.stderr if file is None else file
    try:
        stream.write(format_warning(message, category, filename, lineno, line))
    except (OSError, AttributeError):                         # stderr closed or gone
        pass


@contextmanager
def one_line_warnings() -> Iterator[None]:
    """Within the block, warnings are printed by :func:`format_warning` (restored after)."""
    with warnings.catch_warnings():
        warnings.showwarning = show_warning_line
        yield


def run_command(command: str, run: Callable[[], object], *, show_traceback: bool = False) -> int:
    """Call ``run()`` and turn its outcome into an exit code (the error policy of the module docstring)."""
    hook = sys.unraisablehook
    try:
        return int(run() or 0)
    except Terminated:
        interruption = (128 + signal.SIGTERM, "terminated (SIGTERM)")
        sys.unraisablehook = _ignore_unraisable
    except KeyboardInterrupt:
        interruption = (130, "interrupted")
        sys.unraisablehook = _ignore_unraisable
    except USER_ERRORS as exc:
        if show_traceback:
            traceback.print_exc()
        print(f"fokker-balance {command}: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        if show_traceback:
            traceback.print_exc()
        print(f"fokker-balance {command}: error: out of memory (the cost estimate of solvers.cost missed this "
              "run): use a coarser grid, fewer output times or fewer neurons", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print(f"fokker-balance {command}: internal error (a bug; the traceback is above)", file=sys.stderr)
        return 1
    # Interrupted. The objects the interruption cut off half-built (an open NetCDF file, say) are
    # freed now that the exception is gone; their finalisers may fail, as expected, and must not
    # print after the one-line message (nor at exit): collect them with those failures ignored.
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook
    code, text = interruption
    print(text, file=sys.stderr)
    return code


def _ignore_unraisable(unraisable) -> None:
    """A ``sys.unraisablehook`` that drops the failure (finalisers of objects an interruption cut off)."""


def main(argv: list[str] | None = None) -> int:
    """Run ``fokker-balance`` with ``argv`` (default: the process arguments); the exit code."""
    with one_line_warnings(), interrupts_unwind():
        args = build_parser().parse_args(argv)
        return run_command(args.command, lambda: args._run(args), show_traceback=args.traceback)


def exit_process(code: int) -> NoReturn:
    """End this process with exit code ``code``, without the collection of every object at exit.

    The memory goes back to the system anyway; walking the objects of the loaded libraries (xarray,
    pandas, numba, scipy) to collect them costs about 0.3 s. They are frozen (``gc.freeze``) first:
    files, finalisers and ``atexit`` handlers run as usual, only the cyclic collector skips them.
    """
    gc.freeze()
    sys.exit(code)


def run() -> NoReturn:
    """The ``fokker-balance`` program: :func:`main` with the process arguments, then :func:`exit_process`."""
    exit_process(main())


if __name__ == "__main__":
    run()
