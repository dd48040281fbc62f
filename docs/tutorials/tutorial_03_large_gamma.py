"""
Large γ: the automatic frame and the desingularised equation
============================================================

At :math:`\\gamma = 10^8` the density of ``ei_single`` collapses to a width
:math:`\\sigma/\\sqrt{2\\gamma\\bar A} \\approx 3\\times 10^{-5}`, far below the cell width of an
ordinary grid. ``frame="auto"`` solves the initial layer in co-moving, zooming coordinates and
then continues in the rescaled variable :math:`y = (x - \\mu)/\\varepsilon`; the moments are
exact even though the output grid cannot show the density.
"""
import math
import warnings

import matplotlib.pyplot as plt
import numpy as np

from fokker import Grid, presets
from solvers import solve, solve_desingularised

net = presets.ei_single(gamma=1e8)
(pt,) = net.balance()
sigma = net.populations[0].sigma
limit = sigma / math.sqrt(2 * pt.conductance[0])

grid = Grid(-2.0, 2.0, 400)
with warnings.catch_warnings():
    # the 400-cell output grid cannot resolve a width of 3e-5: the solver says so, once
    warnings.simplefilter("ignore")
    # outputs on a logarithmic time axis, to see the initial layer of duration ~1/gamma
    t_eval = np.concatenate([[0.0], np.logspace(-10.0, math.log10(3.0), 80)])
    sol = solve(net, grid, grid.gaussian(0.0, 0.2), t_span=(0.0, 3.0), dt=0.01, t_eval=t_eval, frame="auto")
print(f"sqrt(gamma) * std(t=3) = {math.sqrt(net.gamma) * sol.std()[-1, 0]:.8f}, "
      f"sigma/sqrt(2 A) = {limit:.8f}; wall {sol.stats['wall_time']:.2f} s")

# %%
# The rescaled equation at finite γ and its γ = ∞ limit
# -----------------------------------------------------
# ``solve_desingularised`` works directly in :math:`y`; its cost does not depend on γ. With
# ``net.with_gamma(math.inf)`` it integrates the limit equation, in the fast time
# :math:`\tau = \gamma t` (the result's ``time_unit`` says so).
y = Grid(-4.0, 4.0, 400)
q0 = y.gaussian(0.0, 0.5)
results = {}
for gamma in (1e2, 1e4, math.inf):
    t_end, dt = (20.0, 0.05) if math.isinf(gamma) else (20.0 / gamma, 0.05 / gamma)
    results[gamma] = solve_desingularised(net.with_gamma(gamma), y, q0, 0.3, t_span=(0.0, t_end), dt=dt)
    ds = results[gamma]
    print(f"gamma = {gamma:g}: mu = {ds.mu[-1, 0]:.6f} (balance {pt.voltage[0]:.6f}), "
          f"std_y = {ds.std_y()[-1, 0]:.6f} (limit {limit:.6f}), time unit: {ds.time_unit}")

# %%
# Left: the limit profile relaxes to the Gaussian :math:`\mathcal N(0, \sigma^2/(2\bar A))` in :math:`y`.
# Right: at γ = 1e8 the width collapses within a fast time
# :math:`\gamma t` of a few units, i.e. a physical time of order :math:`10^{-8}`.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
ds = results[math.inf]
for i in (0, 5, 20, 100):
    ax1.plot(y.centers, ds.q[i, 0], label=f"τ = {ds.t[i]:.1f}")
ax1.plot(y.centers, np.exp(-y.centers**2 / (2 * limit**2)) / (limit * math.sqrt(2 * math.pi)), "k:",
         label=r"Gaussian, variance $\sigma^2/(2\bar A)$")
ax1.set(xlabel="y", ylabel="q(τ, y)", title="γ = ∞")
ax1.legend(fontsize=7, loc="upper right")
ax2.loglog(net.gamma * sol.t[1:], math.sqrt(net.gamma) * sol.std()[1:, 0], label=r"$\sqrt{\gamma}\,$std, frame='auto'")
ax2.axhline(limit, color="k", ls=":", label=r"$\sigma/\sqrt{2\bar A}$")
ax2.set(xlabel="γ t", title="γ = 1e8, from N(0, 0.2²)")
ax2.legend(fontsize=8)
fig.tight_layout()
