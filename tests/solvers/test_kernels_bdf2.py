"""Compiled fixed-step BDF2 runs (solvers.kernels_bdf2): bit-for-bit the step-by-step controller path,
the step plan of FixedSteps, and each reason to hand a step back to Python."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fokker import Grid, presets
from solvers import kernels_bdf2, native, solve
from solvers.controller import WATCHED_CHUNK, FixedSteps, make_policy, run
from solvers.cost import StepLimitError
from solvers.methods import Point
from solvers.trackers import ProgressTracker


def gaussian(grid, P, mean=0.0, std=0.3):
    p0 = np.repeat(grid.gaussian(mean, std)[None, :], P, axis=0)
    return p0 / grid.integrate(p0)[:, None]


def both_paths(monkeypatch, net, grid, p0, **options):
    """The same solve with compiled runs and step by step (compiled runs switched off); the first one
    carries the number of steps the compiled runs took as ``compiled_steps``."""
    taken = []
    plain = native.NativePhysicalFrame.bdf2_steps

    def counted(self, *args):
        result = plain(self, *args)
        taken.append(result[0])
        return result

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with monkeypatch.context() as m:
            m.setattr(native.NativePhysicalFrame, "bdf2_steps", counted)
            fast = solve(net, grid, p0, **options)
        fast.compiled_steps = sum(taken)
        with monkeypatch.context() as m:
            m.setattr(native.NativePhysicalFrame, "compiled_bdf2", property(lambda self: False))
            slow = solve(net, grid, p0, **options)
    return fast, slow


def counters(sol):
    return {k: v for k, v in sol.stats.items() if k != "wall_time"}


@pytest.mark.parametrize("preset, gamma, options", [
    ("ei_single", 1e2, {}),
    ("ei_single", 1e4, {}),
    ("ei_pair", 1e4, {}),
    ("ei_pair", 1e2, {"dt": 0.003, "t_eval": [0.0, 3.0]}),                        # one long stretch
    ("ei_single", 1e4, {"t_eval": [0.0, 1e-3, 0.5, 0.50001, 3.0]}),               # BDF2 restarts (ω > 2)
    ("ei_single", 1e6, {"dt": 0.05}),                                             # a rescued step
])
def test_compiled_runs_equal_the_step_by_step_path_bit_for_bit(monkeypatch, preset, gamma, options):
    net = getattr(presets, preset)(gamma)
    grid = Grid(-2.0, 2.0, 400)
    opts = {"t_span": (0.0, 3.0), "dt": 0.01, "method": "bdf2", "tol": 1e-10, **options}
    fast, slow = both_paths(monkeypatch, net, grid, gaussian(grid, net.P), **opts)
    np.testing.assert_array_equal(fast.t, slow.t)
    np.testing.assert_array_equal(fast.p, slow.p)
    np.testing.assert_array_equal(fast.activity, slow.activity)
    assert counters(fast) == counters(slow)
    assert fast.compiled_steps >= 0.5 * fast.stats["steps"]


def test_the_step_cap_stops_both_paths_at_the_same_step(monkeypatch):
    net = presets.ei_single(1e4)
    grid = Grid(-2.0, 2.0, 400)
    t_out = np.linspace(0.0, 3.0, 31)
    ends = []
    for compiled in (True, False):
        with monkeypatch.context() as m:
            if not compiled:
                m.setattr(native.NativePhysicalFrame, "compiled_bdf2", property(lambda self: False))
            frame = native.NativePhysicalFrame(net, grid, 1e-10)
            policy = make_policy(0.01, None, 1e-10, math.inf, "bdf2", max_steps=57)
            with pytest.raises(StepLimitError) as info:
                run(frame, frame.initial_state(gaussian(grid, 1), 0.0), 0.0, t_out, "bdf2", policy)
            ends.append((str(info.value), frame.coupling.evaluations))
    assert "57" in ends[0][0]
    assert ends[0] == ends[1]


def test_a_callback_runs_step_by_step_and_sees_every_step():
    net = presets.ei_single(1e2)
    grid = Grid(-2.0, 2.0, 200)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, gaussian(grid, 1), t_span=(0.0, 1.0), dt=0.01,
                    callback=lambda t, p, m: seen.append(t) and False)
    assert len(seen) == sol.stats["steps"] == 100


def test_a_progress_bar_keeps_the_compiled_runs_and_is_updated_after_each(monkeypatch):
    """progress=True: the same solution bit for bit, still mostly compiled steps; the bar is updated at
    least every WATCHED_CHUNK steps and ends at t1."""
    net = presets.ei_single(1e4)
    grid = Grid(-2.0, 2.0, 400)
    opts = {"t_span": (0.0, 3.0), "dt": 0.001, "t_eval": [0.0, 3.0], "method": "bdf2", "tol": 1e-10}
    updates = []
    plain_handle = ProgressTracker.handle

    def handle(self, t, state, frame):
        updates.append(t)
        return plain_handle(self, t, state, frame)

    monkeypatch.setattr(ProgressTracker, "handle", handle)
    watched, quiet = (both_paths(monkeypatch, net, grid, gaussian(grid, net.P), progress=progress, **opts)[0]
                      for progress in (True, False))
    np.testing.assert_array_equal(watched.p, quiet.p)
    assert counters(watched) == counters(quiet)
    steps = watched.stats["steps"]
    assert min(watched.compiled_steps, quiet.compiled_steps) >= 0.5 * steps   # shorter runs: a few more checks
    watched_updates = updates[:len(updates) - steps]       # then both_paths ran it step by step: every step
    assert watched_updates[-1] == 3.0 and np.all(np.diff(watched_updates) > 0)
    assert steps / WATCHED_CHUNK <= len(watched_updates) < steps
    assert np.max(np.diff([0.0] + watched_updates)) <= WATCHED_CHUNK * 0.001 * (1 + 1e-9)


def replay(policy, t, targets, count):
    """Step end times from next_time/accepted, one by one."""
    times = []
    for target in targets:
        while t < target and len(times) < count:
            t = policy.next_time(t, target)
            policy.accepted(t, 0.0, 0.0, 1)
            times.append(t)
    return times


@settings(max_examples=200, deadline=None)
@given(dt=st.floats(1e-3, 0.5), gaps=st.lists(st.floats(1e-6, 2.0), min_size=1, max_size=12),
       done=st.integers(0, 30), count=st.integers(1, 200), taken=st.integers(0, 200))
def test_fixed_step_plan_is_the_sequence_of_next_time_and_resume_continues_it(dt, gaps, done, count, taken):
    targets = np.cumsum(gaps)
    policy = FixedSteps(dt)
    t = float(replay(policy, 0.0, targets, done)[-1]) if done else 0.0
    k = int(np.searchsorted(targets, t, side="right"))
    if k == targets.size:
        return
    plan = policy.plan(t, targets[k:], count)
    ref = FixedSteps(dt)
    ref_times = replay(ref, 0.0, targets, done + plan.times.size)[done:]
    assert plan.times.tolist() == ref_times
    assert plan.times.size <= count
    landing = [i for i, s in enumerate(plan.times) if s in targets]
    assert plan.out_steps.tolist() == landing
    # resume after `taken` steps of the plan gives the rest of the sequence
    taken = min(taken, plan.times.size)
    policy.resume(plan, taken)
    t_after = float(plan.times[taken - 1]) if taken else t
    rest = replay(policy, t_after, targets[k:], 5)
    again = FixedSteps(dt)
    assert rest == replay(again, 0.0, targets, done + taken + 5)[done + taken:]


def frame_after(steps: int = 40):
    """A native frame and its two-point history after a few steps of ei_single (γ = 1e4, dt = 0.01)."""
    net = presets.ei_single(1e4)
    grid = Grid(-2.0, 2.0, 400)
    frame = native.NativePhysicalFrame(net, grid, 1e-10)
    state = frame.initial_state(gaussian(grid, 1), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(net, grid, gaussian(grid, 1), t_span=(0.0, 0.01 * steps), dt=0.01,
                    t_eval=[0.0, 0.01 * (steps - 1), 0.01 * steps])
    a, b = (frame.adopt(p, state.mu, t) for p, t in zip(sol.p[-2:], sol.t[-2:]))
    history = [Point(float(sol.t[-2]), a), Point(float(sol.t[-1]), b)]
    frame.growth_rate(b, float(sol.t[-1]))                 # evaluates and caches the fast growth rate
    return frame, history


def test_each_reason_hands_the_step_back_untouched():
    frame, history = frame_after()
    t = history[-1].t
    times = t + 0.01 * np.arange(1, 6)
    c = frame.coupling
    # every step plain: all taken, outputs where asked
    taken, reason, new, outputs = frame.bdf2_steps(history, times, np.array([1, 4]), True)
    assert (taken, reason, len(outputs)) == (5, kernels_bdf2.STOP_DONE, 2)
    assert new[-1].t == times[-1] and new[-2].t == times[-2]
    np.testing.assert_array_equal(outputs[1].p, new[-1].state.p)
    assert math.isclose(frame.grid.integrate(new[-1].state.p)[0], 1.0, rel_tol=0, abs_tol=1e-13)
    assert np.all(new[-1].state.p >= 0)

    def untouched(start, times, expected_reason):
        before = (c.evaluations, c.jacobian_updates, None if c.jacobian is None else c.jacobian.copy())
        taken, reason, new, outputs = frame.bdf2_steps(start, times, np.array([times.size - 1]), True)
        assert (taken, reason, outputs) == (0, expected_reason, [])
        assert new is start
        assert (c.evaluations, c.jacobian_updates) == before[:2]
        if before[2] is not None:
            np.testing.assert_array_equal(c.jacobian, before[2])

    # ω > 2: BDF2 would restart with backward Euler
    untouched(history, np.array([t + 0.03]), kernels_bdf2.STOP_RESTART)
    # the means moved since the growth rate was evaluated
    saved = frame._growth_at
    frame._growth_at = ([v + 1e-6 for v in saved[0]], saved[1])
    untouched(history, times, kernels_bdf2.STOP_GROWTH)
    frame._growth_at = saved
    # a right-hand side with negative entries: the limiter would change it
    older = history[0].state
    spiky = Point(history[0].t, type(older)(older.p * 10.0, older.mu, older.m, older.u, older.means))
    untouched([spiky, history[1]], times, kernels_bdf2.STOP_LIMITER)
    # a coupling failure (a poor guess, one evaluation allowed): the counters and the Jacobian are as before the step
    c.max_evaluations = 1
    off = [Point(pt.t, type(pt.state)(pt.state.p, pt.state.mu, pt.state.m, pt.state.u + 0.1, pt.state.means))
           for pt in history]
    untouched(off, times, kernels_bdf2.STOP_COUPLING)
