"""
Quick start: one population, one solve
======================================

The preset ``ei_single`` is one population with an excitatory and an inhibitory channel,
both driven by the population itself. At coupling scale :math:`\\gamma` its density
concentrates around the balance voltage :math:`\\bar x \\approx 0.270962` with a width
:math:`\\sigma/\\sqrt{2\\gamma\\bar A}`.
"""
import math

import matplotlib.pyplot as plt
import numpy as np

from fokker import Grid, presets
from solvers import solve

net = presets.ei_single(gamma=100.0)
(pt,) = net.balance()
print(f"balance voltage {pt.voltage[0]:.6f}, conductance {pt.conductance[0]:.6f}, stable: {pt.stable}")

# %%
# Solve the Fokker–Planck equation from a wide Gaussian with the second-order,
# L-stable BDF2 scheme. The solution holds the densities at the output times and
# their moments.
grid = Grid(-2.0, 2.0, 800)
sol = solve(net, grid, grid.gaussian(-0.5, 0.3), t_span=(0.0, 1.0), dt=0.005, method="bdf2")
limit = net.populations[0].sigma / math.sqrt(2 * net.gamma * pt.conductance[0])
print(f"mean(t=1) = {sol.mean()[-1, 0]:.6f}, std(t=1) = {sol.std()[-1, 0]:.6f}, "
      f"predicted width sigma/sqrt(2 gamma A) = {limit:.6f}")
print(f"mass drift {np.max(np.abs(sol.mass() - 1)):.1e}, steps {sol.stats['steps']}")

# %%
# The density collapses onto the balance voltage in a time of order :math:`1/\gamma`.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
for i in (0, 2, 5, 10, 100):
    ax1.plot(grid.centers, sol.p[i, 0], label=f"t = {sol.t[i]:.2f}")
ax1.axvline(pt.voltage[0], color="k", ls=":", label=r"$\bar x$")
ax1.set(xlabel="x", ylabel="p(t, x)", xlim=(-1.5, 1.0))
ax1.legend(fontsize=8)
ax2.plot(sol.t, sol.mean()[:, 0], label="mean")
ax2.plot(sol.t, sol.std()[:, 0], label="std")
ax2.axhline(limit, color="C1", ls=":", label=r"$\sigma/\sqrt{2\gamma\bar A}$")
ax2.set(xlabel="t")
ax2.legend(fontsize=8)
fig.tight_layout()
