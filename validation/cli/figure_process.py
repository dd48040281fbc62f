"""Figures drawn in a separate Python process while the parent computes (``fokker-balance solve``).

Importing matplotlib (with the Agg and PDF backends) costs about as much as the solve of a small
configuration. :meth:`FigureProcess.start` runs ``python -m validation.cli.figure_process`` (the
same interpreter, :data:`sys.executable`; no fork, so it works on every OS) before the parent's own
heavy imports; the child imports matplotlib meanwhile and waits on its standard input.
:meth:`FigureProcess.submit` queues a pickled list of jobs ``(name, keyword arguments)`` — names of
:data:`FIGURES`, plain arrays only — that a thread sends (the parent goes on at once); the child
draws each batch as it arrives (every file written atomically, as in-process). :meth:`FigureProcess.result`
closes the child's input and waits for its one pickled answer on its standard output,
``("ok", files of each job)`` or ``("error", message)`` (it stops at the first error); then it exits.

Failures: an error in the child, or a child that exits without an answer, raises
:class:`FigureProcessError` (one line) in the parent. Leaving the ``with`` block of a FigureProcess
in any other way (an error, Ctrl-C, SIGTERM) terminates the child: on SIGTERM and SIGINT it unwinds
like the parent (a file being written is removed, none is left half-written) and exits; a child
whose parent is gone sees the end of its input and exits. The child uses ``MPLBACKEND`` as
:func:`validation.output.pyplot` does, and prints warnings as one line each, like the CLI.
"""
from __future__ import annotations

import pickle
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from ..output.solution_figures import density_figure, moments_figure

FIGURES = {"density": density_figure, "moments": moments_figure}
"""The figures a child can draw, by name."""

STOP_TIMEOUT = 5.0    # s: a terminated child that has not exited after this long is killed


class FigureProcessError(RuntimeError):
    """The figure process failed: its error, or its exit without an answer."""


def draw(jobs: list[tuple[str, dict]]) -> list[list[Path]]:
    """Draw ``jobs`` (name in :data:`FIGURES`, keyword arguments) in this process; the files written by
    each job."""
    for name, _ in jobs:
        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; known: {sorted(FIGURES)}")
    return [FIGURES[name](**kwargs) for name, kwargs in jobs]


class FigureProcess:
    """A child process that draws figures (module docstring). Use as a context manager."""

    def __init__(self, process: subprocess.Popen) -> None:
        self._process = process
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._sender: threading.Thread | None = None
        self._send_error: Exception | None = None
        self._complete = False

    @classmethod
    def start(cls) -> FigureProcess | None:
        """Start the child; None if it cannot be started (then draw in-process with :func:`draw`)."""
        try:
            process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE)
        except OSError:
            return None
        return cls(process)

    def _send(self) -> None:
        """The sender thread: write each queued batch to the child's input; close it after the last one
        (or on failure: the child then sees the end of its input)."""
        stdin = self._process.stdin
        try:
            while (data := self._outbox.get()) is not None:
                stdin.write(data)
                stdin.flush()
        except (OSError, ValueError) as exc:         # the child is gone (or close() closed its input)
            self._send_error = exc
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def submit(self, jobs: list[tuple[str, dict]]) -> None:
        """Queue ``jobs`` for the child (sent by a thread: returns at once); it draws them in order."""
        if self._complete:
            raise RuntimeError("the jobs of this FigureProcess are complete (result() was called)")
        self._outbox.put(pickle.dumps(jobs, protocol=pickle.HIGHEST_PROTOCOL))
        if self._sender is None:
            self._sender = threading.Thread(target=self._send, name="figure-process-input", daemon=True)
            self._sender.start()

    def result(self) -> list[list[Path]]:
        """Close the child's input and wait for its answer: the files written by each job, in the order
        submitted; FigureProcessError if it failed."""
        if self._sender is None:
            raise RuntimeError("submit the jobs first")
        self._complete = True
        self._outbox.put(None)
        self._sender.join()
        answer = self._process.stdout.read()
        code = self._process.wait()
        try:
            status, value = pickle.loads(answer)
        except Exception:                            # no (complete) answer: the child died
            raise FigureProcessError(f"the figure process exited with code {code} without drawing the figures"
                                     + (f" ({self._send_error})" if self._send_error else "")) from None
        if status != "ok":
            raise FigureProcessError(f"figure process: {value}")
        return value

    def close(self) -> None:
        """Terminate the child if it still runs, and wait for it (killed after :data:`STOP_TIMEOUT`)."""
        process = self._process
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def __enter__(self) -> FigureProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt()


def main() -> int:
    """The child: import matplotlib, read the jobs, draw them, answer (module docstring)."""
    signal.signal(signal.SIGTERM, _interrupted)
    answer_to = sys.stdout.buffer
    sys.stdout = sys.stderr                          # nothing else may write to the answer channel
    from . import one_line_warnings
    try:
        with one_line_warnings():
            from ..output import pyplot
            pyplot()
            import matplotlib.backends.backend_agg  # noqa: F401  (both backends are loaded while the parent works)
            import matplotlib.backends.backend_pdf  # noqa: F401
            results: list[list[Path]] = []
            while True:
                try:
                    jobs = pickle.load(sys.stdin.buffer)
                except EOFError:                     # the parent's last batch was sent
                    answer = ("ok", results)
                    break
                try:
                    results += draw(jobs)
                except Exception as exc:
                    answer = ("error", f"{type(exc).__name__}: {exc}")
                    break
        answer_to.write(pickle.dumps(answer))
        answer_to.flush()
        return 0 if answer[0] == "ok" else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    from . import exit_process
    exit_process(main())
