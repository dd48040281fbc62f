"""
Firing-rate networks: equilibria, certificates, contrast
========================================================

The rate model :math:`\\dot x = -x + \\Phi(Wx + u)` with Dale's law. Its equilibria are the Nash
equilibria of a game in which every neuron minimises its own energy; Lyapunov diagonal
stability (LDS) of :math:`I - W` certifies a unique, globally stable equilibrium.
"""
import matplotlib.pyplot as plt
import numpy as np

from fokker import contrast_gain, random_dale, shared_interneuron, wilson_cowan
from solvers import (equilibria, gamma_star, jacobian_spectrum, lds_certificate, nash_check,
                     principal_minor_2x2, simulate_rates)

# %%
# Wilson–Cowan in the inhibition-stabilised regime
# ------------------------------------------------
# With :math:`w_{EE} > 1` the excitatory unit alone would run away; inhibition stabilises the
# equilibrium (the Jacobian is stable) but :math:`I - W` is not LDS, so no certificate exists.
# The energy of the E unit, :math:`\tfrac12(1 - w_{EE})x_E^2 - \dots`, is concave in its own rate:
# the fixed point is *not* a Nash equilibrium (E could lower its energy without bound). The
# game picture needs every self-coupling :math:`w_{ii} < 1`.
net = wilson_cowan(w_EE=1.5, w_EI=2.0, w_IE=2.0, w_II=0.5, u_E=1.0, u_I=0.2)
(x_eq,) = equilibria(net)
cert = lds_certificate(np.eye(2) - net.W)
print(f"equilibrium {x_eq}, Jacobian eigenvalues {jacobian_spectrum(net, x_eq)}")
print(f"LDS margin {cert.margin:.4f} (> 0 iff LDS); 2x2 minor test: {principal_minor_2x2(np.eye(2) - net.W)}")
print(f"Nash equilibrium: {nash_check(net, x_eq).is_nash}")  # w_EE > 1

starts = np.array([[0.0, 0.0], [2.0, 0.1], [0.2, 2.0], [1.5, 1.5]])
traj = simulate_rates(net, starts, (0.0, 15.0))

# %%
# Contrast enhancement by a shared interneuron
# --------------------------------------------
# Two excitatory units with self-excitation :math:`a < 1` share one inhibitory unit. While both
# are active the relative contrast of their rates is the input contrast times
# :math:`\kappa = (1 - a + 2bc)/(1 - a)`; the equilibrium stays unique (LDS).
a, b, c = 0.5, 1.0, 0.5
motif = shared_interneuron(a, b, c, u1=1.0, u2=0.9)
(x_m,) = equilibria(motif)
measured = (x_m[0] - x_m[1]) / (x_m[0] + x_m[1])
print(f"kappa = {contrast_gain(a, b, c):.3f}; input contrast {0.1 / 1.9:.4f}, "
      f"rate contrast {measured:.4f} = {measured / (0.1 / 1.9):.3f} x input contrast")
print(f"LDS margin of I - W: {lds_certificate(np.eye(3) - motif.W).margin:.4f}; "
      f"Nash equilibrium: {nash_check(motif, x_m).is_nash}")

# %%
# How strong can coupling get while staying certified?
# ----------------------------------------------------
# For :math:`W = \gamma J`, the LDS certificate holds for :math:`\gamma < \gamma^*`.
for n in (20, 40, 80):
    J = random_dale(n, scaling="sqrt", seed=0).W
    gs = gamma_star(J)
    print(f"random Dale network, n = {n}, 1/sqrt(n) weights: gamma* in [{gs.lower:.4f}, {gs.upper:.4f}]")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
for i in range(len(starts)):
    ax1.plot(traj.x[:, i, 0], traj.x[:, i, 1], lw=1)
    ax1.plot(*starts[i], "o", color="0.5", ms=4)
ax1.plot(*x_eq, "k*", ms=10, label="equilibrium")
ax1.set(xlabel=r"$x_E$", ylabel=r"$x_I$", title="Wilson–Cowan, $w_{EE}$ = 1.5")
ax1.legend(fontsize=8)
ax2.bar(["$E_1$", "$E_2$", "$I$"], x_m, color=["C0", "C1", "C3"])
ax2.set(ylabel="equilibrium rate", title=f"shared interneuron, κ = {contrast_gain(a, b, c):.1f}")
fig.tight_layout()
