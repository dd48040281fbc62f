"""
Reproducing the convergence theorem (small)
===========================================

As γ grows, :math:`\\sqrt\\gamma\\,\\mathrm{std}(p_\\gamma) \\to \\sigma/\\sqrt{2\\bar A}` and the mean
offset :math:`\\mu - \\bar x` vanishes, both at rate :math:`1/\\gamma` (predictions P2 and P3).
The desingularised solver makes every γ cost the same, so a sweep over four decades takes a few
seconds. The stationary state is reached by integrating for a few relaxation times of the fast
dynamics. The full study (``fokker-balance theorem``) also measures P0 and P4–P7, on ``ei_single``
and ``ei_pair``, up to γ = 1e8.
"""
import math

import matplotlib.pyplot as plt
import numpy as np

from fokker import Grid, presets
from solvers import solve_desingularised

net = presets.ei_single()
(pt,) = net.balance()
sigma = net.populations[0].sigma
limit = sigma / math.sqrt(2 * pt.conductance[0])

y = Grid(-4.0, 4.0, 800)
q0 = y.gaussian(0.0, limit)
gammas = np.array([1e2, 1e3, 1e4, 1e5, 1e6])
width_error, offset = [], []
for gamma in gammas:
    # t in [0, 30]: many leak times (rate 1) and ~30 gamma relaxation times (rate gamma A)
    ds = solve_desingularised(net.with_gamma(gamma), y, q0, pt.voltage[0], t_span=(0.0, 30.0), dt=0.05,
                              t_eval=[30.0], method="trbdf2")
    width_error.append(abs(ds.std_y()[-1, 0] - limit))
    offset.append(abs(ds.mu[-1, 0] - pt.voltage[0]))
    print(f"gamma = {gamma:8.0e}: sqrt(gamma) std = {ds.std_y()[-1, 0]:.8f}, |mu - x_bar| = {offset[-1]:.3e}")

for name, values in (("P2 error of sqrt(gamma) std", width_error), ("P3 mean offset", offset)):
    slope = np.polyfit(np.log(gammas), np.log(values), 1)[0]
    print(f"{name}: fitted slope {slope:.3f} (predicted -1)")

# %%
# Both errors fall by a factor 10 per decade of γ.
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(gammas, width_error, "o-", label=r"$|\sqrt{\gamma}\,\mathrm{std} - \sigma/\sqrt{2\bar A}|$")
ax.loglog(gammas, offset, "s-", label=r"$|\mu - \bar x|$")
ax.loglog(gammas, offset[0] * gammas[0] / gammas, "k:", label=r"$\propto 1/\gamma$")
ax.set(xlabel="γ")
ax.legend(fontsize=8)
fig.tight_layout()
