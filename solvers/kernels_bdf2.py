"""Fixed-step BDF2 runs of the compiled physical frame, many steps per call.

The controller (``solvers.controller.run``) takes a fixed-step BDF2 step in Python: the step
proposal, the growth-rate check, the right-hand side (1+ω) pⁿ − ω²/(1+ω) pⁿ⁻¹, the positivity
limiter, the linear predictor of the coupling unknowns and one compiled stage
(``kernels.PhysicalStageKernel``). At nx = 400 the Python part costs more than the stage. Here
the same steps run in one compiled loop over a planned sequence of step times: for each step
t → t_new (h = t_new − t, h_old = t − t_prev, ω = h / h_old) it forms

    rhs = (1+ω) pⁿ − ω²/(1+ω) pⁿ⁻¹   (``kernels._combine_rows``: the same products and sums),
    u_guess = uⁿ + (uⁿ − uⁿ⁻¹) (h / h_old)   (uⁿ if h > BDF2_MAX_RATIO h_old),
    α = (1+2ω)/(1+ω),  a = h,

and solves the stage with the compiled secant–Newton iteration (``kernels._physical_stage``),
i.e. exactly the arithmetic of ``solvers.methods.BDF2.step`` on ``solvers.native``'s frame: the
results are bit-for-bit those of the step-by-step path (``tests/solvers/test_kernels_bdf2.py``).
The method is therefore the variable-step BDF2 of ``solvers.methods`` (order 2, L-stable, mass
conserved to round-off, p ≥ 0).

The loop stops *before* any step that needs more than this arithmetic, leaving the state, the
coupling Jacobian and the counters as they were before that step, and returns why
(``STOP_*``); the controller then takes that step in Python (growth-rate evaluation, substeps,
a backward-Euler restart, the limiter, a coupling failure and its rescue) and calls the loop
again:

- the means moved by more than ``GROWTH_REUSE`` (relative) since the fast growth rate λ was
  last evaluated (``Frame.fast_growth`` would evaluate it again), or λ h > MAX_GROWTH;
- ω > BDF2_MAX_RATIO (BDF2 restarts with backward Euler);
- the right-hand side has a negative entry (the positivity limiter would change it);
- the coupling iteration fails.

Densities and stage right-hand sides of the two newest points live in slot arrays of shape
(2, P, n); ``newest`` is the slot of the last accepted point.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .kernels import _CONVERGED, _combine_rows, _physical_stage

STOP_DONE, STOP_GROWTH, STOP_RESTART, STOP_LIMITER, STOP_COUPLING = 0, 1, 2, 3, 4
"""Why a compiled run stopped: every planned step taken; the growth rate must be evaluated (or the step
shortened); ω > BDF2_MAX_RATIO; the limiter would act; the coupling iteration failed."""


@njit(cache=True)
def _bdf2_run(f_faces, x_faces, diffusion, h, quadrature, source, internal, weights, reversal, gamma, row_weights,
              external, tol, scale, typical, max_evaluations, max_halvings, jacobian, has_jacobian,
              times, out_steps, t_slots, p_slots, rhs_slots, stage_slots, m_slots, u_slots, means_slots, newest,
              growth_means, growth, growth_reuse, max_growth, max_ratio, nonnegative, out_p, out_m, out_u, out_means,
              counters):
    """Take the planned BDF2 steps to ``times`` (see the module docstring) until one needs Python.

    Slots (index ``newest`` = the last accepted point, 1 − newest the one before): t_slots (2,),
    p_slots and rhs_slots (2, P, n), stage_slots (2, 2) = (α, a) of the stage that produced the
    point, m_slots (2, K) all activities, u_slots (2, Ki) the coupling unknowns (predictor seeds),
    means_slots (2, P). After step j, if j == out_steps[q], the point goes to out_p[q], out_m[q], out_u[q],
    out_means[q] (out_steps increasing).
    ``growth_means`` (P,) and ``growth`` are the means at which the fast growth rate was last
    evaluated and its value. ``counters`` (2,) += (evaluations, Jacobian updates) of the steps taken.
    Returns (steps taken, STOP_* reason, newest slot, has_jacobian).
    """
    P, n = p_slots.shape[1], p_slots.shape[2]
    Ki = u_slots.shape[1]
    rhs = np.empty((P, n))
    p_new = np.empty((P, n))
    small = np.empty(4 * Ki + P)
    u0 = np.empty(Ki)
    saved = np.empty_like(jacobian)
    q = 0
    rate = gamma * growth
    for j in range(times.shape[0]):
        cur, old = newest, 1 - newest
        t, t_new = t_slots[cur], times[j]
        step = t_new - t
        h_old = t - t_slots[old]
        for al in range(P):
            x, y = means_slots[cur, al], growth_means[al]
            if abs(x - y) > growth_reuse * (1.0 + abs(y)):
                return j, STOP_GROWTH, newest, has_jacobian
        if rate * step > max_growth:
            return j, STOP_GROWTH, newest, has_jacobian
        w = step / h_old
        if w > max_ratio:
            return j, STOP_RESTART, newest, has_jacobian
        lowest = _combine_rows(1.0 + w, p_slots[cur], -w * w / (1.0 + w), p_slots[old], rhs)
        if nonnegative and lowest < 0.0:
            return j, STOP_LIMITER, newest, has_jacobian
        if step > max_ratio * h_old:
            u0[:] = u_slots[cur]
        else:
            for i in range(Ki):
                u0[i] = u_slots[cur, i] + (u_slots[cur, i] - u_slots[old, i]) * w
        alpha = (1.0 + 2.0 * w) / (1.0 + w)
        saved[...] = jacobian
        status, evaluations, updates, has = _physical_stage(
            f_faces, x_faces, diffusion, h, quadrature, source, internal, weights, reversal, gamma, row_weights,
            external, alpha, step, rhs.reshape((P, 1, n)), u0, jacobian, has_jacobian, tol, scale, typical,
            max_evaluations, max_halvings, p_new.reshape((P, 1, n)), small)
        if status != _CONVERGED:
            jacobian[...] = saved
            return j, STOP_COUPLING, newest, has_jacobian
        has_jacobian = has
        counters[0] += evaluations
        counters[1] += updates
        p_slots[old] = p_new
        rhs_slots[old] = rhs
        stage_slots[old, 0] = alpha
        stage_slots[old, 1] = step
        m_slots[old] = external
        for i in range(Ki):
            m_slots[old, internal[i]] = small[2 * Ki + i]
        u_slots[old] = small[3 * Ki + P:]
        means_slots[old] = small[3 * Ki:3 * Ki + P]
        t_slots[old] = t_new
        newest = old
        while q < out_steps.shape[0] and out_steps[q] == j:
            out_p[q] = p_new
            out_m[q] = m_slots[old]
            out_u[q] = u_slots[old]
            out_means[q] = means_slots[old]
            q += 1
    return times.shape[0], STOP_DONE, newest, has_jacobian
