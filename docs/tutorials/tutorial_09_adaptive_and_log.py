"""
Adaptive steps, callbacks and the log-density solver
====================================================

Three features of the solvers (see :ref:`adaptive-steps`, :ref:`frame-contract` and
:ref:`log-density-solver`):

- error-controlled steps (``rtol=``), here through the initial layer of ``ei_single`` at
  :math:`\\gamma = 10^4`, against fixed steps;
- a callback that is called after every accepted step and can stop the run;
- ``solve_log``, which integrates :math:`\\log p` and so sees tails far below the round-off of
  :math:`p`.
"""
import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from fokker import Grid, presets
from solvers import solve, solve_log

# %%
# Adaptive against fixed steps through the initial layer
# ------------------------------------------------------
# From :math:`\mathcal N(0, 0.3^2)` the density collapses within a time of order
# :math:`1/(\gamma\bar A) \approx 10^{-4}` to its balanced width. ``frame="auto"`` solves the layer
# on co-moving, zooming grids; we compare the mean and standard deviation at three times in and
# after the layer with a tight adaptive reference (``rtol=1e-6``).
net = presets.ei_single(1e4)
grid = Grid(-1.5, 1.5, 300)
p0 = grid.gaussian(0.0, 0.3)
times = [3e-4, 1e-3, 2e-3]
common = dict(t_span=(0.0, 2e-3), t_eval=times, frame="auto", method="trbdf2", tol=1e-13)
reference = solve(net, grid, p0, dt=1e-7, rtol=1e-6, **common)


def error(sol):
    """Largest error of mean and std at the output times, against the reference."""
    return max(np.abs(sol.mean() - reference.mean()).max(), np.abs(sol.std() - reference.std()).max())


rows = {"fixed": [], "adaptive": []}
for dt in (4e-6, 2e-6, 1e-6):
    sol = solve(net, grid, p0, dt=dt, **common)
    rows["fixed"].append((sol.stats["steps"], error(sol)))
    print(f"fixed dt = {dt:.0e}: {sol.stats['steps']:5d} steps, error {error(sol):.2e}")
for rtol in (1e-3, 1e-4, 1e-5):
    sol = solve(net, grid, p0, dt=1e-7, rtol=rtol, **common)
    rows["adaptive"].append((sol.stats["steps"], error(sol)))
    print(f"rtol = {rtol:.0e}:     {sol.stats['steps']:5d} steps ({sol.stats['rejected_steps']} rejected), "
          f"error {error(sol):.2e}, largest error estimate {sol.stats['max_error_estimate']:.2f}")

# %%
# At equal accuracy the error-controlled run needs about three times fewer steps: its steps are
# short only while the density moves fast. Each tenfold reduction of ``rtol`` reduces the error
# about tenfold (the tolerance is converted so that the *global* error is proportional to it).
fig, ax = plt.subplots(figsize=(5, 3.5))
for label, marker in (("fixed", "o-"), ("adaptive", "s-")):
    steps, errors = zip(*rows[label])
    ax.loglog(steps, errors, marker, label=label)
ax.xaxis.set_minor_formatter(NullFormatter())
ax.set_xlabel("steps")
ax.set_ylabel("max error of mean and std")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# A callback that stops the run
# -----------------------------
# ``callback(t, p, m)`` is called after every accepted step with the density and the activities;
# returning ``True`` stops the run. Here the run over :math:`[0, 1]` at :math:`\gamma = 10^2` stops
# as soon as the standard deviation is within 10 % of its balanced value. ``status`` is then 1,
# ``message`` says when, and the arrays end at the last output time reached.
net2 = presets.ei_single(1e2)
(point,) = net2.balance()
balanced = net2.populations[0].sigma / math.sqrt(2 * net2.gamma * point.conductance[0])
grid2 = Grid(-2.0, 2.0, 800)
x = grid2.centers


def collapsed(t, p, m):
    mass = p[0].sum()
    mean = (x * p[0]).sum() / mass
    std = math.sqrt(((x - mean) ** 2 * p[0]).sum() / mass)
    return std < 1.1 * balanced


stopped = solve(net2, grid2, grid2.gaussian(0.0, 0.3), t_span=(0.0, 1.0), dt=1e-3, callback=collapsed)
print(f"status {stopped.status}: {stopped.message}; outputs kept up to t = {stopped.t[-1]:g} "
      f"({len(stopped.t)} of 101), std there {stopped.std()[-1, 0]:.4f}, balanced {balanced:.4f}")

# %%
# The log-density far below round-off
# -----------------------------------
# At :math:`\gamma = 10^6` the balanced width is :math:`s \approx 3.3\times 10^{-4}`. On a grid of
# :math:`\pm 200\,s` the stationary log-density falls to about :math:`-2\times 10^4` at the ends, far
# below the smallest double (:math:`\log p \approx -745`). ``solve_log`` integrates :math:`\log p`
# itself (the Scharfetter–Gummel scheme in log variables); ``solve`` integrates :math:`p`, which
# underflows to 0 in most cells. We start near balance (``log_p0``: a Gaussian offset by
# :math:`2s` and narrower than :math:`s`, whose tails lie below the stationary ones) and run
# 20 relaxation times :math:`1/(\gamma\bar A)`.
net3 = presets.ei_single(1e6)
(point3,) = net3.balance()
xbar, A = point3.voltage[0], point3.conductance[0]
s = net3.populations[0].sigma / math.sqrt(2 * net3.gamma * A)
grid3 = Grid(xbar - 200 * s, xbar + 200 * s, 2400)
x3 = grid3.centers
log_p0 = -0.5 * ((x3 - xbar - 2 * s) / (0.7 * s)) ** 2
T = 20.0 / (net3.gamma * A)
log_run = solve_log(net3, grid3, log_p0=log_p0, t_span=(0.0, T), dt=T / 200, t_eval=[0.0, T], method="bdf2")
with np.errstate(under="ignore"):
    p_run = solve(net3, grid3, np.exp(log_p0), t_span=(0.0, T), dt=T / 200, t_eval=[0.0, T], method="bdf2")
log_p, p = log_run.log_p[-1, 0], p_run.p[-1, 0]
representable = p > 1e-300
with np.errstate(divide="ignore"):
    difference = np.abs(np.log(p[representable]) - log_p[representable]).max()
print(f"solve_log: log p from {log_p.max():.2f} down to {log_p.min():.4g}, all finite: {np.isfinite(log_p).all()}")
print(f"solve: p = 0 in {np.count_nonzero(p == 0.0)} of {p.size} cells; where p > 1e-300 the two agree "
      f"to {difference:.1e} in log p")
print(f"std / s: solve_log {log_run.std()[-1, 0] / s:.9f}, solve {p_run.std()[-1, 0] / s:.9f}")

# %%
# The stationary log-density is the parabola :math:`-(x - \mu)^2/(2s^2)` down to the ends of the
# grid; the density of ``solve`` (the same scheme, in :math:`p`) follows it only as far as doubles
# reach. In :math:`u = \gamma^{-1}\log p`, the variable of the convergence theorem, this is the limit
# profile :math:`-\bar A(x - \bar x)^2/\sigma^2` (prediction P7).
fig, ax = plt.subplots(figsize=(6, 3.5))
with np.errstate(divide="ignore"):
    ax.plot((x3 - xbar) / s, np.log(p), lw=3, alpha=0.5, label="solve: log p (−inf where p underflows)")
ax.plot((x3 - xbar) / s, log_p, "k", lw=1, label="solve_log: log p")
ax.axhline(math.log(np.finfo(float).tiny * np.finfo(float).eps), color="0.6", ls=":",
           label="smallest double")
ax.set_xlabel(r"$(x - \bar x)/s$")
ax.set_ylabel(r"$\log p$")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
