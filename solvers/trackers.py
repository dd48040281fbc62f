"""Observers of a run of the stepper (in the manner of py-pde's trackers).

A tracker is called after every accepted step (``every_step = True``), at times of its own
that the steps land on exactly (``at_stops = True``: at ``next_stop()``), or else at every
output time, with (t, state, frame). An every-step tracker that reads only t and answers None
(``time_only = True``: a progress display) lets a compiled run of many fixed steps go on: it is then
called once after the run, at its last step. A tracker may answer with a request:

- :class:`Stop` ends the run (the solution then ends at the last output time reached);
- :class:`Regrid` moves the run onto another frame (e.g. a zoomed co-moving grid): the
  controller carries every state of the method's history across with ``carry``, so a
  multistep method keeps its order.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from .frame import Frame, State


@dataclass
class Stop:
    """End the run; ``message`` becomes the solution's message."""

    message: str


@dataclass
class Regrid:
    """Continue on ``frame``; ``carry(p)`` maps a density of the current frame onto it.

    ``max_step`` caps the steps from now on (``math.inf``: only the run's own limits).
    """

    frame: Frame
    carry: Callable[[np.ndarray], np.ndarray]
    max_step: float = math.inf


class Tracker:
    """Base tracker: does nothing; subclasses override ``handle`` (and ``start``/``finish``)."""

    every_step: bool = False
    at_stops: bool = False
    time_only: bool = False

    def start(self, t0: float, t1: float) -> None:
        """Called once before the first step."""

    def next_stop(self) -> float:
        """The next time (at_stops trackers) at which the steps must land and ``handle`` is called."""
        return math.inf

    def handle(self, t: float, state: State, frame: Frame) -> Stop | Regrid | None:
        """Called after each accepted step (every_step) or at each output time."""
        return None

    def finish(self) -> None:
        """Called once when the run ends (normally or not)."""


def notify(trackers, t: float, state: State, frame: Frame) -> Stop | Regrid | None:
    """Call ``handle`` of every tracker in turn; the last request any of them made (or None)."""
    request = None
    for tr in trackers:
        request = tr.handle(t, state, frame) or request
    return request


class ProgressTracker(Tracker):
    """A tqdm progress bar over the simulated time."""

    every_step = True
    time_only = True

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar = None
        self.last = 0.0

    def start(self, t0: float, t1: float) -> None:
        self.bar = tqdm(total=t1 - t0, desc=self.description, leave=False,
                        bar_format="{l_bar}{bar}| t={n:.4g}/{total:.4g} [{elapsed}<{remaining}]")
        self.last = t0

    def handle(self, t, state, frame):
        self.bar.update(t - self.last)
        self.last = t
        return None

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()


class CallbackTracker(Tracker):
    """The user's ``callback(t, density, m) -> bool`` after every accepted step; True stops the run
    (the results then end at the last output time reached).

    ``view(state, frame)`` is the density handed to the callback (default: ``state.p``).
    """

    every_step = True

    def __init__(self, callback: Callable, view: Callable[[State, Frame], np.ndarray] | None = None) -> None:
        self.callback = callback
        self.view = view or (lambda state, frame: state.p)

    def handle(self, t, state, frame):
        if self.callback(t, self.view(state, frame), state.m.copy()):
            return Stop(f"stopped by the callback at t={t:g}")
        return None


def check_callback(callback: object) -> Callable | None:
    """None or a callable; TypeError naming ``callback`` otherwise."""
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(t, density, m) -> bool, got "
                        f"{type(callback).__name__}")
    return callback


def standard_trackers(progress: bool, callback: Callable | None, description: str,
                      view: Callable[[State, Frame], np.ndarray] | None = None) -> list[Tracker]:
    """The progress bar (if asked) and the user's callback (if given, seeing ``view(state, frame)``)."""
    trackers: list[Tracker] = []
    if progress:
        trackers.append(ProgressTracker(description))
    if callback is not None:
        trackers.append(CallbackTracker(callback, view))
    return trackers
