"""The frame contract: abstract methods, the one linear hook, the reused growth rate."""
import numpy as np
import pytest

from fokker import Grid, presets
from fokker.balance import fast_growth_rate
from solvers.controller import FixedSteps, run
from solvers.desingularised import DesingularisedFrame
from solvers.frame import Frame
from solvers.physical import PhysicalFrame


def test_the_contract_is_abstract():
    assert Frame.__abstractmethods__ == {"initial_state", "adopt", "stage", "rate", "growth_rate", "expected_width"}
    assert Frame.nonnegative is True
    with pytest.raises(TypeError):
        Frame(presets.ei_single(1.0), Grid(-1, 1, 10), 1e-10)


@pytest.mark.parametrize("base", [PhysicalFrame, DesingularisedFrame])
def test_all_linear_work_goes_through_solve_rows(base):
    """A backend overriding only solve_rows (here: the same solve, counted) changes every linear solve."""

    class Counted(base):
        calls = 0

        def solve_rows(self, face_drift, diffusion, alpha, a, rhs):
            type(self).calls += 1
            assert face_drift.shape == (rhs.shape[0], rhs.shape[1] - 1) and diffusion.shape == (rhs.shape[0],)
            return super().solve_rows(face_drift, diffusion, alpha, a, rhs)

    net = presets.ei_pair(100.0)
    grid = Grid(-3.0, 3.0, 120)
    p0 = np.stack([grid.gaussian(0.0, 0.5)] * 2)
    results = []
    for cls in (base, Counted):
        frame = cls(net, grid, 1e-10)
        state = frame.initial_state(p0, 0.0, np.array([0.3, 0.3]))
        results.append(run(frame, state, 0.0, np.array([0.05]), "trbdf2", FixedSteps(0.01)))
    assert Counted.calls == results[1].stats["linear_solves"] // 2 > 0
    np.testing.assert_array_equal(results[0].outputs[-1][1].p, results[1].outputs[-1][1].p)


def test_growth_rate_is_reused_only_while_the_means_stay():
    net = presets.ei_bistable(1e4)
    frame = DesingularisedFrame(net, Grid(-4.0, 4.0, 50), 1e-10)
    unstable = net.balance()[1].voltage
    expected = max(0.0, fast_growth_rate(net, unstable, 0.0))
    assert expected > 0
    assert frame.fast_growth(unstable, 0.0) == expected
    assert frame.fast_growth(unstable * (1 + 1e-13), 0.0) == expected          # reused
    moved = unstable + 0.05
    assert frame.fast_growth(moved, 0.0) == max(0.0, fast_growth_rate(net, moved, 0.0))


@pytest.mark.parametrize("backend", ["numpy", "native"])
def test_stage_states_carry_the_means_of_their_densities(backend):
    """The means a physical stage leaves on its State (used by the growth-rate control) are those
    of the state's density (the compiled stage computes them on the way; numpy leaves None)."""
    from solvers.api import BACKENDS
    from solvers.methods import BDF2, Limiter, Point

    net = presets.ei_single(1e3)
    grid = Grid(-2.0, 2.0, 200)
    frame = BACKENDS[backend](net, grid, 1e-10)
    history = [Point(0.0, frame.initial_state(grid.gaussian(0.2, 0.3)[None, :], 0.0))]
    for j in range(1, 4):
        history = [history[-1], BDF2().step(frame, history, 0.01 * j, Limiter(True), False).point]
        state = history[-1].state
        if backend == "numpy":
            assert state.means is None
        else:
            np.testing.assert_allclose(state.means, frame.means(state.p), rtol=1e-13)
