"""The one loop that drives every frame: steps, error control, rescue, trackers, outputs.

Step sizes come from a policy:

- :class:`FixedSteps` (``rtol=None``): each stretch between output times is split into
  ceil(Δt / dt) equal steps (a stretch starts afresh when a tracker changes the step cap).
- :class:`AdaptiveSteps` (``rtol`` given): the method's embedded local error estimate e
  is measured in the weighted norm

      ‖e‖ = max( max_α RMS_i [ e_{p,α i} ] / w_{p,α},  max_α |e_{μ,α}| / w_{μ,α} ) / rtol^(1/q),
      w_{p,α} = atol + rtol · max_i max(|pⁿ_{α i}|, |pⁿ⁺¹_{α i}|),
      w_{μ,α} = atol + rtol · max(|μⁿ_α|, |μⁿ⁺¹_α|),

  i.e. the root-mean-square over the cells of each population's density error relative to
  that density's peak (relative errors in the far tails do not count) and the maximum over
  the centres μ (zero in the physical frame), q the method's order. The factor rtol^(1/q)
  converts the tolerance: a step's local error is held to rtol^((q+1)/q) · |y|, so the
  steps scale as rtol^(1/q) and the global error of an order-q method is proportional to
  rtol (tolerance proportionality), while stiff transients are still controlled per step.
  A step with ‖e‖ ≤ 1 is accepted and the next step is
  h · clip(SAFETY ‖e‖^(−0.7/k) ‖e_prev‖^(0.4/k), MIN_FACTOR, MAX_FACTOR) (a PI controller,
  k = the order of the estimate in h; no growth right after a rejection, no growth beyond
  the method's zero-stable step ratio); otherwise the step is retaken with
  h · max(MIN_FACTOR, SAFETY ‖e‖^(−1/k)). ``dt`` is the first step, ``max_step`` caps
  every step, and steps are shortened to land exactly on the output times.

In both modes a step is shortened to λ h ≤ MAX_GROWTH while the frame reports a growing
mode λ > 0 (``stats["substeps"]``). A step whose coupling fails is retaken as 2, 4, …, 64
backward-Euler substeps (``stats["rescued_steps"]``); adaptive runs first reject it and
retry with a quarter of the step, up to RESCUE_LEVELS times.

Fixed-step BDF2 on a frame with ``compiled_bdf2`` (``solvers.native``) and without per-step
trackers other than time-only ones takes its plain steps in compiled runs (:func:`compiled_steps`,
``solvers.kernels_bdf2``): the same steps, bit for bit, with every step that needs more (a
growth-rate evaluation, a substep, a restart, the limiter, a rescue) taken here as above. A
time-only tracker (the progress bar) is then updated after each run of at most WATCHED_CHUNK steps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .cost import DEFAULT_MAX_STEPS, StepLimitError, step_limit_message
from .coupling import CouplingError
from .frame import Frame, State, StepStats
from .methods import EULER, METHODS, Limiter, Method, Point
from .stepping import MAX_GROWTH, RESCUE_LEVELS
from .trackers import Regrid, Stop, Tracker, notify

SAFETY = 0.9
MIN_FACTOR = 0.2
MAX_FACTOR = 5.0
FINISHED = "The solver successfully reached the end of the integration interval."


class FixedSteps:
    """Equal steps of at most ``dt`` (and of the cap ``limit``) between consecutive output times."""

    adaptive = False

    def __init__(self, dt: float) -> None:
        self.dt = dt
        self.limit = math.inf
        self.end: float | None = None
        self.target = math.nan

    def set_limit(self, limit: float) -> None:
        self.limit = limit
        self.end = None                      # re-plan the rest of the stretch

    def next_time(self, t: float, target: float) -> float:
        if self.end is None or target != self.target:
            self.start, self.span, self.target = t, target - t, target
            self.n = max(1, math.ceil(self.span / min(self.dt, self.limit) * (1.0 - 1e-12)))
            self.j = 1
            self.end = target if self.n == 1 else t + self.span * 1 / self.n
        return self.end

    def accepted(self, t: float, h: float, error: float, order: int) -> None:
        if t == self.end:
            self.j += 1
            self.end = None if self.j > self.n else \
                (self.target if self.j == self.n else self.start + self.span * self.j / self.n)

    def plan(self, t: float, targets: np.ndarray, max_count: int) -> StepPlan:
        """The step end times that ``next_time`` and ``accepted`` would give from t through the output
        times ``targets`` (at most ``max_count`` steps, whole stretches only after the first; no cap
        change on the way), computed with the same arithmetic, without changing the policy."""
        step = min(self.dt, self.limit)
        targets = np.asarray(targets, dtype=float)
        if self.end is not None and targets[0] == self.target:
            first = (self.start, self.span, self.n, self.j)
        else:
            span = float(targets[0]) - t
            first = (t, span, max(1, math.ceil(span / step * (1.0 - 1e-12))), 1)
        starts = np.concatenate([[first[0]], targets[:-1]])
        spans = np.concatenate([[first[1]], np.diff(targets)])
        ns = np.concatenate([[first[2]], np.maximum(1, np.ceil(spans[1:] / step * (1.0 - 1e-12)))]).astype(np.int64)
        firsts = np.ones(targets.size, dtype=np.int64)
        firsts[0] = first[3]
        counts = ns - firsts + 1
        ends = np.cumsum(counts)
        m = max(1, int(np.searchsorted(ends, max_count, side="right")))        # whole stretches that fit
        starts, spans, ns, firsts, counts, ends = starts[:m], spans[:m], ns[:m], firsts[:m], counts[:m], ends[:m]
        stretch = np.repeat(np.arange(m), counts)
        j = np.arange(ends[-1]) - np.repeat(ends - counts, counts) + np.repeat(firsts, counts)
        times = starts[stretch] + spans[stretch] * j / ns[stretch]
        last = j == ns[stretch]
        times[last] = targets[stretch[last]]
        keep = min(times.size, max_count)
        return StepPlan(times[:keep], ends[ends <= keep] - 1, stretch[:keep], j[:keep], starts, spans, ns,
                        targets[:m])

    def resume(self, plan: StepPlan, taken: int) -> None:
        """Set the policy as if the first ``taken`` steps of ``plan`` had been accepted one by one."""
        if taken == 0:
            return
        q, j = int(plan.stretch[taken - 1]), int(plan.j[taken - 1]) + 1
        if j > plan.ns[q]:
            self.end = None
            return
        self.start, self.span, self.target = float(plan.starts[q]), float(plan.spans[q]), float(plan.targets[q])
        self.n, self.j = int(plan.ns[q]), j
        self.end = self.target if j == self.n else self.start + self.span * j / self.n


@dataclass
class StepPlan:
    """Planned fixed steps (``FixedSteps.plan``): end times, indices of the steps landing on the output
    times, and per step its stretch and index j in it (1 … n); per stretch its start, span, n and target."""

    times: np.ndarray
    out_steps: np.ndarray
    stretch: np.ndarray
    j: np.ndarray
    starts: np.ndarray
    spans: np.ndarray
    ns: np.ndarray
    targets: np.ndarray


class AdaptiveSteps:
    """Error-controlled steps (see the module docstring)."""

    adaptive = True

    def __init__(self, rtol: float, atol: float, max_step: float, first_step: float, method: Method) -> None:
        self.rtol, self.atol = rtol, atol
        self.conversion = rtol ** (1.0 / method.order)
        self.max_step = max_step
        self.limit = math.inf
        self.h = min(first_step, max_step)
        self.max_ratio = method.max_ratio
        self.previous_error = 1.0
        self.rejected_last = False

    def set_limit(self, limit: float) -> None:
        self.limit = limit

    def next_time(self, t: float, target: float) -> float:
        h = min(self.h, self.max_step, self.limit)
        if t + h >= target:
            return target
        if t + 2.0 * h > target:             # two near-equal steps instead of a long and a tiny one
            return t + 0.5 * (target - t)
        return t + h

    def norm(self, error: tuple[np.ndarray, np.ndarray], old: State, new: State) -> float:
        """The weighted error norm of the module docstring."""
        e_p, e_mu = error
        w_p = self.atol + self.rtol * np.maximum(np.abs(old.p).max(axis=-1), np.abs(new.p).max(axis=-1))
        w_mu = self.atol + self.rtol * np.maximum(np.abs(old.mu), np.abs(new.mu))
        rms_p = np.sqrt(np.mean(e_p * e_p, axis=-1))
        with np.errstate(divide="ignore", invalid="ignore"):
            r_p = np.where(rms_p == 0.0, 0.0, rms_p / w_p)
            r_mu = np.where(e_mu == 0.0, 0.0, np.abs(e_mu) / w_mu)
        value = max(float(np.max(r_p)), float(np.max(r_mu, initial=0.0)))
        value /= self.conversion
        return value if math.isfinite(value) else math.inf

    def failed(self, h: float) -> None:
        """The coupling of a step of size h failed: retry with a quarter of it."""
        self.h = 0.25 * h
        self.rejected_last = True

    def rejected(self, h: float, error: float, order: int) -> None:
        factor = MIN_FACTOR if not math.isfinite(error) else max(MIN_FACTOR, SAFETY * error ** (-1.0 / order))
        self.h = h * factor
        self.rejected_last = True

    def accepted(self, t: float, h: float, error: float, order: int) -> None:
        if error == 0.0:
            factor = MAX_FACTOR
        else:
            factor = SAFETY * error ** (-0.7 / order) * self.previous_error ** (0.4 / order)
        factor = min(MAX_FACTOR, max(MIN_FACTOR, factor), self.max_ratio)
        if self.rejected_last:
            factor = min(factor, 1.0)
        self.h = h * factor
        self.previous_error = max(error, 1e-4)
        self.rejected_last = False


@dataclass
class Run:
    """What the controller returns: output points (time, state, frame), counters, status, message,
    the frames used and (time, accepted steps so far) at every change of frame."""

    outputs: list[tuple[float, State, Frame]]
    stats: dict
    status: int
    message: str
    frames: list[Frame] = field(default_factory=list)
    regrids: list[tuple[float, int]] = field(default_factory=list)


def make_policy(dt: float, rtol: float | None, atol: float, max_step: float, method: str | Method,
                max_steps: int = DEFAULT_MAX_STEPS) -> FixedSteps | AdaptiveSteps:
    """FixedSteps of at most min(dt, max_step) when rtol is None, else error-controlled steps starting
    with dt for ``method`` (a name in METHODS, or any object with ``order`` and ``max_ratio``); the
    step cap ``max_steps`` travels on the policy (``policy.max_steps``, checked by the stepper)."""
    if rtol is None:
        policy = FixedSteps(min(dt, max_step))
    else:
        policy = AdaptiveSteps(rtol, atol, max_step, dt, METHODS[method]() if isinstance(method, str) else method)
    policy.set_limit(max_step)
    policy.max_steps = max_steps
    return policy


def next_step_time(frame: Frame, state: State, t: float, landing: float, policy, stats: StepStats,
                   max_steps: int, t_end: float) -> float:
    """The end of the next step from t toward ``landing``: the policy's proposal, shortened to λ h ≤ MAX_GROWTH
    while the frame has a growing mode λ (counted in ``stats.substeps``); the step cap and the step-size floor
    are checked first (``check_budget``, ``check_step_size``). Shared by every stepping loop."""
    check_budget(stats, max_steps, t, t_end)
    t_new = policy.next_time(t, landing)
    check_step_size(t, t_new)
    rate = frame.growth_rate(state, t)
    if rate * (t_new - t) > MAX_GROWTH:
        t_new = t + MAX_GROWTH / rate
        stats.substeps += 1
    return t_new


def retry_after_failure(frame: Frame, policy, stats: StepStats, failures: int, h: float) -> bool:
    """After a coupling failure on a step of size h: in adaptive runs, for the first RESCUE_LEVELS consecutive
    failures, reject it (the policy retries with a quarter of h) and return True; otherwise return False (the
    caller rescues the step with backward-Euler substeps)."""
    if policy.adaptive and failures < RESCUE_LEVELS:
        frame.reset_coupling()
        stats.rejected_steps += 1
        policy.failed(h)
        return True
    return False


def judge(policy, stats: StepStats, t_new: float, h: float, error: float | None, order: int) -> bool:
    """Record a step of size h to t_new whose weighted error norm is ``error`` (None: not estimated, i.e. fixed
    steps or a rescued step) with the policy; False when the error control rejects it (error > 1)."""
    if error is None:
        policy.accepted(t_new, h, 0.0, 1)
        return True
    if error > 1.0:
        stats.rejected_steps += 1
        policy.rejected(h, error, order)
        return False
    stats.max_error_estimate = max(stats.max_error_estimate, error)
    stats.last_error_estimate = error
    policy.accepted(t_new, h, error, order)
    return True


def check_budget(stats: StepStats, max_steps: int, t: float, t_end: float) -> None:
    """Raise ``StepLimitError`` once the accepted plus rejected steps reach the cap ``max_steps``."""
    if stats.steps + stats.rejected_steps >= max_steps:
        raise StepLimitError(step_limit_message(max_steps, stats.steps, stats.rejected_steps, t, t_end))


MIN_STEP_ULPS = 10
"""Smallest step, in units of the spacing of floating-point numbers at t (as scipy's solve_ivp)."""


def check_step_size(t: float, t_new: float) -> None:
    """Raise ``StepLimitError`` when the proposed step is below MIN_STEP_ULPS spacings of the floats at t
    (an error control that keeps rejecting has shrunk it to the resolution of t: the tolerance is
    unreachable, and t + h would only round)."""
    if not t_new - t >= MIN_STEP_ULPS * (math.nextafter(t, math.inf) - t):
        raise StepLimitError(f"the step size fell to {t_new - t:.3g} at t={t:g}, below {MIN_STEP_ULPS} spacings of "
                             "the floating-point numbers there: the error control keeps rejecting, the "
                             "tolerance is unreachable; loosen rtol/atol")


COMPILED_CHUNK = 4096
"""Most steps planned for one compiled fixed-step run (``compiled_steps``); the plan's arrays stay small."""

WATCHED_CHUNK = 256
"""Most steps of one compiled run while a time-only tracker (a progress bar) watches the steps: it is
updated after each run."""


def compiled_steps(frame: Frame, history: list[Point], t_out: np.ndarray, k: int, policy: FixedSteps,
                   stats: StepStats, max_steps: int, limit: Limiter, several_outputs: bool,
                   chunk: int = COMPILED_CHUNK) -> tuple[list[Point], list[State]]:
    """Fixed-step BDF2 steps from the last point of ``history`` toward t_out[k] (and the later output times
    when ``several_outputs``) in compiled code, as long as they are plain steps (``solvers.kernels_bdf2``):
    the step plan of ``policy`` (``FixedSteps.plan``, at most ``chunk`` steps) within the step cap and the
    step-size floor, run by ``frame.bdf2_steps``; the policy and ``stats`` are then advanced as the
    step-by-step loop would have. Returns the new history and the states of the output times reached
    (none: nothing was taken)."""
    t = history[-1].t
    budget = max_steps - stats.steps - stats.rejected_steps
    if budget <= 0:
        return history, []
    plan = policy.plan(t, t_out[k:] if several_outputs else t_out[k:k + 1], min(budget, chunk))
    before = np.concatenate([[t], plan.times[:-1]])
    floor = plan.times - before >= MIN_STEP_ULPS * (np.nextafter(before, math.inf) - before)
    usable = plan.times.size if floor.all() else int(np.argmin(floor))
    if usable == 0:
        return history, []
    taken, _, history, reached = frame.bdf2_steps(history, plan.times[:usable], plan.out_steps, limit.active)
    policy.resume(plan, taken)
    stats.steps += taken
    stats.stages += taken
    return history, reached


def rescue(frame: Frame, start: Point, t_new: float) -> tuple[Point, int]:
    """Retake a failed step as 2^k backward-Euler substeps, k = 1 … RESCUE_LEVELS (and at least
    enough to keep λ h ≤ MAX_GROWTH for an unstable mode); returns (point, substeps)."""
    t = start.t
    least = math.ceil(frame.growth_rate(start.state, t) * (t_new - t) / MAX_GROWTH)
    no_limit = Limiter(False)
    for level in range(1, RESCUE_LEVELS + 1):
        frame.reset_coupling()
        n = max(2**level, least)
        history = [start]
        try:
            for j in range(1, n + 1):
                t_j = t + (t_new - t) * j / n
                history = [history[-1], EULER.step(frame, history, t_j, no_limit, False).point]
            return history[-1], n
        except CouplingError:
            continue
    raise CouplingError(f"coupling failed on the step to t={t_new:g} even with {n} backward-Euler "
                        "substeps; reduce dt")


def run(frame: Frame, state0: State, t0: float, t_out: np.ndarray, method: str, policy,
        trackers: list[Tracker] = (), max_step: float = math.inf) -> Run:
    """Advance ``state0`` from t0 through the output times ``t_out`` (see the module docstring).

    Raises :class:`solvers.cost.StepLimitError` once the accepted plus rejected steps reach the
    policy's step cap ``policy.max_steps`` (``solvers.cost.DEFAULT_MAX_STEPS`` if it has none)."""
    max_steps = getattr(policy, "max_steps", DEFAULT_MAX_STEPS)
    t_end = float(t_out[-1])
    scheme = METHODS[method]()
    limit = Limiter(frame.nonnegative)
    stats = StepStats()
    policy.set_limit(max_step)
    step_trackers = [tr for tr in trackers if tr.every_step]
    watchers = [tr for tr in step_trackers if tr.time_only]          # updated after each compiled run
    stop_trackers = [tr for tr in trackers if tr.at_stops]
    output_trackers = [tr for tr in trackers if not (tr.every_step or tr.at_stops)]
    history = [Point(t0, state0)]
    frames = [frame]
    regrids: list[tuple[float, int]] = []
    outputs: list[tuple[float, State, Frame]] = []
    status, message = 0, FINISHED
    t = t0
    k = 0
    failures = 0                     # consecutive coupling failures (adaptive runs)
    compiled = (method == "bdf2" and isinstance(policy, FixedSteps) and len(watchers) == len(step_trackers)
                and not stop_trackers)
    for tr in trackers:
        tr.start(t0, float(t_out[-1]))
    try:
        while k < len(t_out):
            target = float(t_out[k])
            landing = min([target] + [tr.next_stop() for tr in stop_trackers]) if stop_trackers else target
            if (compiled and t < landing and len(history) == 2 and getattr(frame, "compiled_bdf2", False)
                    and frame.growth_reusable(frame.state_means(history[-1].state).tolist(), t)):
                t_before = t
                history, reached = compiled_steps(frame, history, t_out, k, policy, stats, max_steps, limit,
                                                  not output_trackers, WATCHED_CHUNK if watchers else COMPILED_CHUNK)
                t = history[-1].t
                if t > t_before:
                    notify(watchers, t, history[-1].state, frame)
                request = None
                for state in reached:
                    outputs.append((float(t_out[k]), state, frame))
                    k += 1
                    request = notify(output_trackers, t_out[k - 1], state, frame)
                if isinstance(request, Stop):
                    status, message = 1, request.message
                    break
                if reached:
                    continue
            if t < landing:
                t_new = next_step_time(frame, history[-1].state, t, landing, policy, stats, max_steps, t_end)
                h = t_new - t
                try:
                    step = scheme.step(frame, history, t_new, limit, policy.adaptive)
                    stats.stages += step.stages
                except CouplingError:
                    if retry_after_failure(frame, policy, stats, failures, h):
                        failures += 1
                        continue
                    point, used = rescue(frame, history[-1], t_new)
                    stats.rescued_steps += 1
                    stats.stages += used
                    step = None
                error = None if step is None or not policy.adaptive else \
                    policy.norm(step.error, history[-1].state, step.point.state)
                if not judge(policy, stats, t_new, h, error, step.error_order if step is not None else 1):
                    continue
                failures = 0
                history = [history[-1], step.point if step is not None else point]
                stats.steps += 1
                t = t_new
                request = notify(step_trackers, t, history[-1].state, frame)
                if stop_trackers:
                    request = notify([tr for tr in stop_trackers if t == tr.next_stop()], t, history[-1].state,
                                     frame) or request
                if isinstance(request, Regrid):
                    history, frame = _carry(history, request), request.frame
                    frames.append(frame)
                    regrids.append((t, stats.steps))
                    policy.set_limit(request.max_step)
                elif isinstance(request, Stop):
                    status, message = 1, request.message
                    if t >= target:               # the output time was reached: keep it
                        outputs.append((t, history[-1].state, frame))
                    break
                if t < target:
                    continue
            outputs.append((t, history[-1].state, frame))
            k += 1
            request = notify(output_trackers, t, history[-1].state, frame)
            if isinstance(request, Stop):
                status, message = 1, request.message
                break
    finally:
        for tr in trackers:
            tr.finish()
    out = stats.as_dict()
    for f in frames:
        for key, value in f.stats().items():
            out[key] = out.get(key, 0) + value
    return Run(outputs, out, status, message, frames, regrids)


def _carry(history: list[Point], request: Regrid) -> list[Point]:
    """The history on the requested frame: every state's density carried across, the newest
    one setting the new frame's invariants; derivatives recomputed on demand."""
    new = request.frame
    *older, last = history
    moved = [Point(p.t, new.adopt(request.carry(p.state.p), p.state.mu, p.t)) for p in older]
    moved.append(Point(last.t, new.initial_state(request.carry(last.state.p), last.t, last.state.mu)))
    return moved

