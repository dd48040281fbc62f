"""
A network from its parts, and its balance points
================================================

A network is a list of populations, a list of channels and a weight matrix with one row per
population and one column per channel. Here: one population whose inhibition switches on
*before* its excitation (the structure of the preset ``ei_bistable``), so that the net current
has three zeros.
"""
import matplotlib.pyplot as plt
import numpy as np

from fokker import Channel, Grid, Leak, Network, Population, Sigmoid
from solvers import solve

net = Network(
    populations=[Population("E", intrinsic=Leak(rate=1.0, rest=-0.5), sigma=0.5)],
    channels=[Channel("exc", reversal=1.0, activation=Sigmoid(s_max=1.0, slope=6.0, threshold=0.3), source="E"),
              Channel("inh", reversal=-1.0, activation=Sigmoid(s_max=1.0, slope=6.0, threshold=-0.3), source="E")],
    weights=[[1.0, 0.2]], gamma=1000.0)

points = net.balance()
for pt in points:
    print(f"x = {pt.voltage[0]:+.4f}  A = {pt.conductance[0]:.4f}  "
          f"eigenvalue {pt.eigenvalues[0]:+.4f}  {'stable' if pt.stable else 'unstable'}")

# %%
# The balance points are the zeros of the net current
# :math:`F(x) = \sum_k J_k S_k(x) (E_k - x)`; a zero is stable where :math:`F` decreases.
x = np.linspace(-1.0, 1.0, 801)
F = sum(J * channel.activation(x) * (channel.reversal - x) for J, channel in zip(net.weights[0], net.channels))

# %%
# From two initial densities on either side of the unstable point, the network reaches
# different stable points, each within a time of order :math:`1/\gamma`. With γ dt = 10 the solver substeps
# near the unstable point so that the growing mode is not damped by the implicit step.
grid = Grid(-1.5, 1.5, 3000)
runs = {m0: solve(net, grid, grid.gaussian(m0, 0.05), t_span=(0.0, 0.3), dt=0.01) for m0 in (0.0, 0.17)}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
ax1.plot(x, F, color="k")
ax1.axhline(0.0, color="0.7", lw=0.8)
for pt in points:
    ax1.plot(pt.voltage[0], 0.0, "o", color="C2" if pt.stable else "C3",
             mfc="C2" if pt.stable else "white", label="stable" if pt.stable else "unstable")
handles, labels = ax1.get_legend_handles_labels()
ax1.legend(dict(zip(labels, handles)).values(), dict(zip(labels, handles)).keys(), fontsize=8)
ax1.set(xlabel="x", ylabel="net current F(x)")
for m0, sol in runs.items():
    ax2.plot(sol.t, sol.mean()[:, 0], label=f"mean from N({m0}, 0.05²)")
for pt in points:
    ax2.axhline(pt.voltage[0], color="C2" if pt.stable else "C3", ls=":", lw=1)
ax2.set(xlabel="t", ylabel="mean voltage")
ax2.legend(fontsize=8)
fig.tight_layout()

for m0, sol in runs.items():
    print(f"from {m0}: mean(t=0.3) = {sol.mean()[-1, 0]:+.4f}, substeps {sol.stats.get('substeps')}")
