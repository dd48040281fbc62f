"""
Particles against the Fokker–Planck equation
============================================

The mean-field equation is the limit of the finite network as the number of neurons grows. Here
the network ``ei_single`` at γ = 10 is simulated with :math:`n` neurons (exact
Ornstein–Uhlenbeck step, same initial law as the density), and the Wasserstein-1 distance
between the empirical law and the Fokker–Planck density is measured; it should decay like
:math:`n^{-1/2}`. Full-size studies use :math:`n` up to :math:`10^6` and 8 seeds
(``fokker-balance validate``).
"""
import matplotlib.pyplot as plt
import numpy as np

from fokker import Grid, presets
from solvers import solve
from validation import simulate_particles, wasserstein1

net = presets.ei_single(gamma=10.0)
grid = Grid(-1.5, 1.5, 800)
p0 = grid.gaussian(0.0, 0.25)
t_eval = [0.0, 0.1, 0.5]
pde = solve(net, grid, p0, t_span=(0.0, 0.5), dt=1e-3, t_eval=t_eval)

sizes = [1000, 4000, 16000, 64000]
distances = {n: [] for n in sizes}
for n in sizes:
    for seed in range(3):
        run = simulate_particles(net, n, (grid, p0), (0.0, 0.5), 1e-3, seed=seed, t_eval=t_eval, threads=1)
        distances[n].append(wasserstein1(grid, pde.p[-1, 0], run.x[-1, 0]))
    print(f"n = {n:6d}: W1 at t = 0.5 = {np.mean(distances[n]):.2e} (mean of 3 seeds); "
          f"coupling {run.stats['coupling']}")

mean_w1 = np.array([np.mean(distances[n]) for n in sizes])
slope = np.polyfit(np.log(sizes), np.log(mean_w1), 1)[0]
print(f"fitted slope of W1 in n: {slope:.2f} (predicted -0.5)")

# %%
# The histogram of the largest run against the density, and the decay in :math:`n`.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
ax1.hist(run.x[-1, 0], bins=120, range=(-0.3, 0.8), density=True, color="0.75", label=f"{sizes[-1]} particles")
ax1.plot(grid.centers, pde.p[-1, 0], "C0", label="Fokker–Planck")
ax1.set(xlabel="x", ylabel="density at t = 0.5", xlim=(-0.3, 0.8))
ax1.legend(fontsize=8)
ax2.loglog(sizes, mean_w1, "o-", label="measured")
ax2.loglog(sizes, mean_w1[0] * (np.array(sizes) / sizes[0]) ** -0.5, "k:", label=r"$n^{-1/2}$")
ax2.set(xlabel="n", ylabel="W1(particles, p)")
ax2.legend(fontsize=8)
fig.tight_layout()
