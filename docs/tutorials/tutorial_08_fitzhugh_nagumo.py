"""
FitzHugh–Nagumo neurons with electrical coupling
================================================

Two-variable neurons (voltage :math:`x`, recovery :math:`w`) coupled by gap junctions only
(``presets.fhn_electrical``): the voltage drift is :math:`f(x, w) + \\gamma G(\\bar x - x)`, with
:math:`\\bar x` the population's mean voltage. The coupling pulls every neuron to the mean but
does not pin the mean itself, so the balance points form a line, and the synchronised population
follows the single-neuron dynamics: here a limit cycle (see :doc:`../theory/fitzhugh_nagumo`).

This tutorial computes the single-neuron limit cycle, asks the network for its balance points,
and runs 2000 two-variable particles at :math:`\\gamma = 10^3`.
"""
import math

import matplotlib.pyplot as plt
import numpy as np
from scipy.integrate import solve_ivp

from fokker import FitzHughNagumo, presets
from validation import simulate_particles

# %%
# One neuron: the limit cycle
# ---------------------------
# At :math:`I = 0.5` the rest point of the classical parameters :math:`(a, b, c) = (0.7, 0.8, 0.08)`
# is unstable and the uncoupled neuron oscillates. ``limit_cycle()`` finds the attracting orbit by
# an accurate ODE solve (DOP853, rtol 1e-11) and returns its period and one period of the orbit.
fhn = FitzHughNagumo(current=0.5)
cycle = fhn.limit_cycle()
(rest,) = fhn.rest_points()
print(f"period {cycle.period:.6f}, x in [{cycle.x_range[0]:.4f}, {cycle.x_range[1]:.4f}], "
      f"w in [{cycle.w_range[0]:.4f}, {cycle.w_range[1]:.4f}]")
print(f"rest point ({rest.x:.5f}, {rest.w:.5f}), stable: {rest.stable}, eigenvalues {np.round(rest.eigenvalues, 4)}")

# %%
# The network: a continuum of balance points
# ------------------------------------------
# With gap junctions alone the net input :math:`\gamma G(\bar x - x)` vanishes on *every* point
# mass, so there is no isolated balance point: ``balance()`` returns one point of the line with
# ``isolated=False`` and the direction of the continuum in ``neutral``. Its conductance is
# :math:`\bar A = G`, so the population collapses to the width :math:`\sigma/\sqrt{2\gamma G}` around
# its mean, while the mean itself moves with the single-neuron dynamics.
gamma = 1e3
net = presets.fhn_electrical(gamma=gamma)
(point,) = net.balance()
pop = net.populations[0]
width = pop.sigma / math.sqrt(2 * gamma * point.conductance[0])
print(f"isolated: {point.isolated}, neutral direction {point.neutral.ravel()}, A = {point.conductance[0]:g}, "
      f"eigenvalues {point.eigenvalues}")
print(f"sigma = {pop.sigma}, sigma_w = {pop.sigma_w}: balanced width sigma/sqrt(2 gamma A) = {width:.5f}")

# %%
# Two-variable particles
# ----------------------
# Initial states of shape ``(n, 2)`` (columns :math:`x, w`): a broad cloud. With gap junctions
# every step is the mean-centred exact step (:ref:`mean-centred-step`): the mean is advanced by its
# own exact linear flow, the deviations relax exactly, so the mean keeps moving by
# :math:`h\langle f\rangle` per step although :math:`\gamma G\,\mathrm{dt} = 20`.
n, dt, t_end = 2000, 0.02, 80.0
rng = np.random.default_rng(1)
initial = np.column_stack([rng.normal(-1.0, 0.5, n), rng.normal(0.0, 0.3, n)])
t_eval = np.linspace(0.0, t_end, 401)
run = simulate_particles(net, n, initial, (0.0, t_end), dt, seed=1, t_eval=t_eval, threads=1)
print(f"step: {run.stats['step']}, coupling: {run.stats['coupling']}, {run.stats['steps']} steps, "
      f"wall {run.stats['wall_time']:.2f} s")
print(f"std of x after the collapse {run.std[-1, 0]:.5f} (balanced width {width:.5f}), std of w {run.std_w[-1, 0]:.5f}")

# %%
# The mean voltage oscillates with the period of the single neuron. After the collapse (a time of
# order :math:`1/(\gamma G)`) the population is nearly a point mass, so its mean follows the
# uncoupled ODE started at the initial means; the period measured from upward crossings of
# :math:`x = 0` differs from the ODE's by the first-order error of the step (dt = 0.02) and the
# sampling noise of n = 2000.
x_mean, w_mean = run.mean[:, 0], run.mean_w[:, 0]
up = np.flatnonzero((x_mean[:-1] < 0.0) & (x_mean[1:] >= 0.0))
crossings = t_eval[up] - x_mean[up] * (t_eval[up + 1] - t_eval[up]) / (x_mean[up + 1] - x_mean[up])
print(f"upward crossings of x = 0 at t = {np.round(crossings, 3)}; period {np.diff(crossings)[0]:.3f} "
      f"(single neuron: {cycle.period:.3f})")
ode = solve_ivp(lambda t, z: [fhn.f(z[0], z[1]), fhn.g(z[0], z[1])], (0.0, t_end),
                [initial[:, 0].mean(), initial[:, 1].mean()], t_eval=t_eval, rtol=1e-9, atol=1e-11)

# %%
# Left: the mean voltage of the particles and the single-neuron ODE from the same start.
# Right: the phase plane with the nullclines :math:`\dot x = 0` (:math:`w = x - x^3/3 + I`) and
# :math:`\dot w = 0` (:math:`w = (x + a)/b`), the limit cycle, and the particles at a few times
# (every fourth one). The voltages collapse within a time of order :math:`1/(\gamma G)` (by
# :math:`t = 1` the cloud is a vertical segment), while the spread in :math:`w` — with
# :math:`\sigma_w = 0` nothing drives it — contracts only at the slow recovery rate
# :math:`cb = 0.064`; the cluster then travels around the cycle.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
ax1.plot(t_eval, x_mean, label="particles: mean voltage")
ax1.plot(t_eval, ode.y[0], "k--", lw=1, label="single-neuron ODE")
ax1.set_xlabel("t")
ax1.set_ylabel(r"$\bar x(t)$")
ax1.legend(loc="lower right", fontsize=8)

x = np.linspace(-2.4, 2.4, 300)
ax2.plot(x, x - fhn.cubic * x**3 + fhn.current, color="0.5", lw=1, label=r"$\dot x = 0$")
ax2.plot(x, (x + fhn.a) / fhn.b, color="0.5", lw=1, ls=":", label=r"$\dot w = 0$")
ax2.plot(cycle.x, cycle.w, "k", lw=0.8, label="limit cycle")
for time in (0.0, 1.0, 10.0, 25.0, 50.0):
    k = int(np.argmin(np.abs(t_eval - time)))
    ax2.scatter(run.x[k, 0, ::4], run.w[k, 0, ::4], s=2, alpha=0.5, label=f"t = {t_eval[k]:g}")
ax2.set_xlim(-2.5, 2.5)
ax2.set_ylim(-1.0, 2.0)
ax2.set_xlabel("x")
ax2.set_ylabel("w")
ax2.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, markerscale=4)
fig.tight_layout()
plt.show()

# %%
# At full size (n = 1e5 and dt = 0.005) the measured period approaches the ODE's, and the
# widths approach :math:`\sigma/\sqrt{2\gamma G}`. With channels added (``presets.fhn_chemical``,
# ``presets.fhn_pair``) the balance points are isolated again: the voltage clamps at the balance
# voltage and the recovery relaxes slowly towards :math:`(\bar x + a)/b`.
