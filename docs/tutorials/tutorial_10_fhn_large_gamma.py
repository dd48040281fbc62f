"""
FitzHugh–Nagumo populations at large γ
======================================

Tutorial 8 ran particles of ``presets.fhn_electrical`` at :math:`\\gamma = 10^3`. At larger γ the
voltage spread :math:`\\sigma/\\sqrt{2\\gamma A}` becomes far thinner than any useful voltage grid, while
the mean voltage still travels over the whole limit cycle. Only the voltage is rescaled: with
:math:`\\varepsilon = \\gamma^{-1/2}`, :math:`x = \\mu(t) + \\varepsilon y` and
:math:`q(t, y, w) = \\varepsilon\\, p(t, \\mu + \\varepsilon y, w)`,

.. math::

   \\partial_t q = \\gamma\\,\\partial_y\\big[(A y - \\varepsilon f(\\mu + \\varepsilon y, w) + c)\\,q\\big]
   + \\gamma\\,\\tfrac{\\sigma^2}{2}\\,\\partial_{yy} q - \\partial_w\\big[g(\\mu + \\varepsilon y, w)\\,q\\big]
   + \\tfrac{\\sigma_w^2}{2}\\,\\partial_{ww} q,
   \\qquad \\frac{\\mathrm d\\mu}{\\mathrm dt} = \\gamma A (x^* - \\mu) + \\langle f\\rangle,

an exact change of variables whose coefficients are all of order one, so the cost does not depend
on γ (see :doc:`../numerics`, "Two variables at large γ"). This tutorial solves it with
``solve_desingularised`` on a ``Grid2D(y, w)``, takes the limit γ = ∞, starts from ordinary O(1)-wide
data with ``frame="auto"``, and clamps the voltage with chemical synapses (``presets.fhn_chemical``).
"""
import math

import matplotlib.pyplot as plt
import numpy as np
from scipy.integrate import solve_ivp

from fokker import Grid, Grid2D, presets
from solvers import solve, solve_desingularised

# %%
# The single neuron and the grids
# -------------------------------
# The uncoupled neuron :math:`\dot x = f = x - x^3/3 - w + I`, :math:`\dot w = g = c(x + a - bw)`
# oscillates at :math:`I = 0.5`. We give the recovery variable a little noise, :math:`\sigma_w = 0.1`:
# the neurons share one voltage at large γ, so their deviations in :math:`w` obey a linear
# Ornstein–Uhlenbeck equation of rate :math:`cb` and keep the stationary spread
# :math:`\sigma_w/\sqrt{2cb} = 0.28` (with :math:`\sigma_w = 0` they would contract without bound and
# outgrow every fixed :math:`w`-grid from below). The grids are coarse on purpose: 60 cells over
# :math:`y \in [-1.25, 1.25]` (five cells per balanced width :math:`\sigma/\sqrt{2G} = 0.21`, six widths
# on each side) and 104 over :math:`w \in [-1.9, 3.3]` (the cycle's range of :math:`w` plus 5.5 spreads).
fhn = presets.fhn_electrical().populations[0].intrinsic
cycle = fhn.limit_cycle()
sigma, sigma_w = 0.3, 0.1
spread_w = sigma_w / math.sqrt(2 * fhn.c * fhn.b)
print(f"limit cycle: period {cycle.period:.5f}, x in [{cycle.x_range[0]:.3f}, {cycle.x_range[1]:.3f}], "
      f"w in [{cycle.w_range[0]:.3f}, {cycle.w_range[1]:.3f}]; stationary spread of w {spread_w:.4f}")

w_grid = Grid(-1.9, 3.3, 104)
yw = Grid2D(Grid(-1.25, 1.25, 60), w_grid)
x0, w0 = float(cycle.x[0]), float(cycle.w[0])            # a point of the cycle (upward crossing of x = 0)
q0 = yw.gaussian((0.0, w0), (sigma / math.sqrt(2.0), spread_w))   # the balanced y-profile N(0, σ²/(2G))
T, dt = cycle.period, 0.2
t_eval = np.linspace(0.0, T, 201)
ode = solve_ivp(lambda t, z: [fhn.f(z[0], z[1]), fhn.g(z[0], z[1])], (0.0, T), [x0, w0], t_eval=t_eval,
                rtol=1e-10, atol=1e-12)

# %%
# Electrical coupling at γ = 1e4 and 1e6
# --------------------------------------
# ``solve_desingularised(net, Grid2D(y, w), q0, mean0, ...)`` returns a ``Desingularised2DSolution``:
# the rescaled density ``q`` (time, population, y, w), the centres ``mu`` (the mean voltage for
# centred data) and the moments ``mean_w()``, ``std_y()``, ``std_w()``. With gap junctions alone the
# net input vanishes on the mean, so :math:`\mu` moves at the O(1) speed :math:`\langle f\rangle`, and
# :math:`(\mu, \bar w)` follows the single-neuron ODE up to :math:`O(1/\gamma)` (the cubic term sees the
# voltage variance :math:`\sigma^2/(2\gamma G)`). The voltage spread relaxes to
# :math:`\sigma/\sqrt{2\gamma G}`, i.e. :math:`\sqrt{2\gamma G}\,\mathrm{std}(x)/\sigma =
# \sqrt 2\,\mathrm{std}(y)/\sigma \to 1`. At finite γ the neuron's own drift enters at order
# :math:`1/\gamma`: its slope :math:`f'(\mu) = 1 - \mu^2` weakens (:math:`|\mu| < 1`) or strengthens the restoring
# force :math:`\gamma G`, and the spread of :math:`w` (which :math:`f` feels as :math:`-w`) pushes each
# neuron's voltage by :math:`-(w - \bar w)/(\gamma G)`. Together, to first order,
#
# .. math::
#
#    \frac{\sqrt{2\gamma G}\,\mathrm{std}(x)}{\sigma} = 1 + \frac{1}{\gamma G}\Big(\frac{1 - \mu^2}{2}
#    + \frac{\mathrm{var}(w)}{\sigma^2}\Big).
G = 1.0
runs = {}
for gamma in (1e4, 1e6):
    net = presets.fhn_electrical(gamma, sigma=sigma, sigma_w=sigma_w, electrical=G)
    runs[gamma] = solve_desingularised(net, yw, q0, x0, t_span=(0.0, T), dt=dt, t_eval=t_eval, method="trbdf2")
    ds = runs[gamma]
    ratio = math.sqrt(2.0) * ds.std_y()[1:, 0] / sigma    # = sqrt(2 gamma G) std(x) / sigma, t > 0
    print(f"gamma = {gamma:g}: after one ODE period mu - x0 = {ds.mu[-1, 0] - x0:+.2e}, "
          f"mean_w - w0 = {ds.mean_w()[-1, 0] - w0:+.2e}; sqrt(2 gamma G) std(x)/sigma - 1 in "
          f"[{ratio.min() - 1:.2e}, {ratio.max() - 1:.2e}]; std_w/{spread_w:.3f} = {ds.std_w()[-1, 0] / spread_w:.4f}; "
          f"{ds.stats['steps']} steps, wall {ds.stats['wall_time']:.2f} s")

# %%
# After one period the mean is back at its start to about :math:`10^{-3}`: that is the time error of
# TR-BDF2 at dt = 0.2 (second order: dt = 0.1 gives a quarter of it), the same at both γ. The spread
# ratio departs from 1 by :math:`\approx 10^{-4}` at :math:`\gamma = 10^4` and :math:`\approx 10^{-6}` at
# :math:`10^6` (the :math:`O(1/\gamma)` correction) once the first step has relaxed the initial
# profile (its cell averages carry the extra variance :math:`h_y^2/12`, a relative :math:`1.6\cdot10^{-3}`);
# the spread of :math:`w` is its exact value to 0.3 %, the second-order error of the 104-cell
# :math:`w`-grid.
#
# The γ = ∞ limit
# ---------------
# At γ = ∞ the profile in :math:`y` is exactly Gaussian, :math:`q = \mathcal N(0, \sigma^2/(2\bar A))(y)\,
# \rho(t, w)`, the recovery marginal is carried at the voltage :math:`\mu`,
# :math:`\partial_t\rho = -\partial_w[g(\mu, w)\rho] + \tfrac{\sigma_w^2}{2}\partial_{ww}\rho`, and the
# common voltage moves by :math:`\dot\mu = f(\mu, \bar w)` (:math:`f` is linear in :math:`w`). So
# :math:`(\mu, \bar w)` solves the single-neuron ODE, up to the time step only. Unlike the
# one-variable limit (tutorial 3) this runs in physical time :math:`t`: the two-variable slow motion is
# of order one in :math:`t`.
limit = solve_desingularised(presets.fhn_electrical(math.inf, sigma=sigma, sigma_w=sigma_w), yw, q0, x0,
                             t_span=(0.0, T), dt=dt, t_eval=t_eval)
print(f"gamma = inf: time unit {limit.time_unit!r}, max |mu - x_ODE| = {np.abs(limit.mu[:, 0] - ode.y[0]).max():.2e}, "
      f"max |mean_w - w_ODE| = {np.abs(limit.mean_w()[:, 0] - ode.y[1]).max():.2e}, "
      f"sqrt(2) std_y/sigma = {math.sqrt(2.0) * limit.std_y()[-1, 0] / sigma:.8f}; wall {limit.stats['wall_time']:.2f} s")
for gamma, ds in runs.items():
    print(f"gamma = {gamma:g} against gamma = inf: max |mu difference| = {np.abs(ds.mu[:, 0] - limit.mu[:, 0]).max():.2e}")

# %%
# The limit's :math:`(\mu, \bar w)` is the ODE solution to :math:`5\cdot10^{-3}` at dt = 0.2 (its
# second-order time error, largest at the fast jumps), and the finite-γ runs are within
# :math:`8\cdot10^{-3}` of it: two different second-order schemes at the same step, whose difference
# is again a time error; the limit run takes a twentieth of the time, as it has no :math:`y`-equation
# to solve.
#
# Left: the mean trajectories in the phase plane on top of the ODE limit cycle (indistinguishable at
# this scale; the largest gap to the ODE is at the fast jumps of the voltage, where the time error of
# dt = 0.2 is largest). Right: the deviation of the spread ratio from 1, multiplied by :math:`\gamma`:
# both γ give the same curve (to 0.05, i.e. :math:`5\cdot10^{-8}` in the ratio at :math:`\gamma = 10^6`), and it is
# the first-order prediction above (dotted, evaluated on the
# γ = ∞ trajectory) — the :math:`O(1/\gamma)` correction is resolved by this coarse grid.
x_line = np.linspace(-2.4, 2.4, 300)


def phase_plane(ax):
    """Nullclines and limit cycle of the single neuron."""
    ax.plot(x_line, x_line - fhn.cubic * x_line**3 + fhn.current, color="0.6", lw=1, label=r"$\dot x = 0$")
    ax.plot(x_line, (x_line + fhn.a) / fhn.b, color="0.6", lw=1, ls=":", label=r"$\dot w = 0$")
    ax.plot(cycle.x, cycle.w, "k", lw=2.5, alpha=0.35, label="ODE limit cycle")
    ax.set(xlim=(-2.5, 2.5), ylim=(-1.0, 2.0), xlabel="voltage x", ylabel="recovery w")


fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
phase_plane(ax1)
for (gamma, ds), style in zip(runs.items(), ("C0-", "C1--")):
    ax1.plot(ds.mu[:, 0], ds.mean_w()[:, 0], style, lw=1, label=rf"$(\mu, \bar w)$, $\gamma = 10^{{{math.log10(gamma):.0f}}}$")
ax1.plot(limit.mu[:, 0], limit.mean_w()[:, 0], "C3:", lw=1.5, label=r"$(\mu, \bar w)$, $\gamma = \infty$")
ax1.plot([x0], [w0], "ko", ms=4, label="start")
ax1.set_title("mean trajectory over one period")
ax1.legend(fontsize=7, loc="upper left")
for (gamma, ds), style in zip(runs.items(), ("C0-", "C1--")):
    ratio = math.sqrt(2.0) * ds.std_y()[1:, 0] / sigma
    ax2.plot(ds.t[1:], gamma * (ratio - 1.0), style, label=rf"$\gamma = 10^{{{math.log10(gamma):.0f}}}$")
predicted = ((1.0 - limit.mu[:, 0] ** 2) / 2 + limit.std_w()[:, 0] ** 2 / sigma**2) / G
ax2.plot(limit.t, predicted, "k:", lw=2, label=r"$[(1 - \mu^2)/2 + \mathrm{var}(w)/\sigma^2]/G$")
ax2.set(xlabel="time t", ylabel=r"$\gamma\,(\sqrt{2\gamma G}\,\mathrm{std}(x)/\sigma - 1)$",
        title="voltage spread against the balanced width")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# From ordinary data: ``frame="auto"``
# ------------------------------------
# Users rarely have well-prepared data. ``solve(net, Grid2D(x, w), p0, frame="auto")`` takes an
# ordinary density on a physical grid — here a Gaussian of voltage spread 0.3, 45 balanced widths at
# :math:`\gamma = 10^3` — solves the initial collapse (a time of order :math:`\log\gamma/\gamma`) on
# co-moving grids that zoom in, then continues in the rescaled frame with the user's step. The
# densities come back on the user's grid (``sol.p``), and ``mean()``, ``std()``, ``mean_w()``,
# ``std_w()`` are computed in the rescaled frame. ``auto_cells=100`` co-moving cells instead of the
# default 800 keep this fast; the moments agree with a 200-cell run to :math:`10^{-7}`.
gamma = 1e3
xw = Grid2D(Grid(-2.5, 2.5, 500), w_grid)
p0 = xw.gaussian((-1.0, 0.5), (0.3, spread_w))
net = presets.fhn_electrical(gamma, sigma=sigma, sigma_w=sigma_w, electrical=G)
auto = solve(net, xw, p0, t_span=(0.0, T), dt=dt, t_eval=t_eval, frame="auto", method="trbdf2", auto_cells=100)
print(auto.notes[-1])
width = sigma / math.sqrt(2 * gamma * G)
print(f"balanced width {width:.5f} against the user's cell width {xw.x.width:.3f}: std(x) at t = T from the frame "
      f"{auto.std()[-1, 0]:.5f}, from the user's grid {xw.std_x(auto.p[-1])[0]:.5f}; wall {auto.stats['wall_time']:.2f} s")
start = solve_ivp(lambda t, z: [fhn.f(z[0], z[1]), fhn.g(z[0], z[1])], (0.0, T), [-1.0, 0.5], t_eval=t_eval,
                  rtol=1e-10, atol=1e-12)
print(f"max |mean - x_ODE| = {np.abs(auto.mean()[:, 0] - start.y[0]).max():.2e}, "
      f"max |mean_w - w_ODE| = {np.abs(auto.mean_w()[:, 0] - start.y[1]).max():.2e}")

# %%
# The balanced width 0.0067 is below the user's cell width 0.01, so the user's grid shows a
# smeared stripe and its own standard deviation is the cell width's, not the density's; the
# frame's ``std()`` is exact. The mean follows the ODE started at the initial means to
# :math:`2\cdot10^{-2}`, mostly the time error of dt = 0.2 at the fast voltage jumps (dt = 0.1 gives a
# third of it). Below: the density in the :math:`(x, w)` plane
# at three times, with the nullclines and the cycle. The voltages collapse at once onto a vertical
# segment of length set by the spread of :math:`w`, which travels around the cycle.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, time_ in zip(axes, (0.0, 8.0, 25.0)):
    k = int(np.argmin(np.abs(auto.t - time_)))
    mesh = ax.pcolormesh(xw.x.faces, xw.w.faces, auto.p[k, 0].T, cmap="magma_r", rasterized=True)
    phase_plane(ax)
    ax.plot(auto.mean()[: k + 1, 0], auto.mean_w()[: k + 1, 0], "C0", lw=1, label=r"$(\bar x, \bar w)$ so far")
    ax.set_title(f"p(t, x, w) at t = {auto.t[k]:.1f}")
    fig.colorbar(mesh, ax=ax, pad=0.02, label="p")
axes[1].set_ylabel("")
axes[2].set_ylabel("")
axes[0].legend(fontsize=7, loc="upper left")
fig.tight_layout()
plt.show()

# %%
# Chemical synapses: the clamped voltage
# --------------------------------------
# ``presets.fhn_chemical`` has the excitatory and inhibitory channels of ``ei_single`` and no gap
# junctions. Its balance point is isolated: the net input :math:`\gamma A(x^* - x)` clamps the voltage at
# the balance voltage :math:`\bar x` from ``net.balance()``, whatever :math:`w` does, and the recovery
# then relaxes at the slow rate :math:`cb` to :math:`(\bar x + a)/b`,
# :math:`\bar w(t) = w^* + (\bar w_0 - w^*)e^{-cbt}` (exactly, because :math:`g` is linear). The
# balanced width is :math:`\sigma/\sqrt{2\gamma\bar A}` with :math:`\bar A = 1.18`, so the y-grid needs
# 66 cells for five per width. We start away from balance, at :math:`\mu_0 = 0`, :math:`\bar w_0 = 0`
# (much further down the voltage axis the conductance, hence the restoring force, is small and the
# profile in :math:`y` would widen beyond this grid during the clamp).
chem = presets.fhn_chemical(1e4, sigma=sigma, sigma_w=sigma_w)
(point,) = chem.balance()
x_bar = float(point.voltage[0])
w_star = (x_bar + fhn.a) / fhn.b
yw_chem = Grid2D(Grid(-1.25, 1.25, 66), w_grid)
q0_chem = yw_chem.gaussian((0.0, 0.0), (sigma / math.sqrt(2 * point.conductance[0]), spread_w))
t_chem = np.concatenate([[0.0], np.geomspace(1e-6, 60.0, 140)])
clamped = solve_desingularised(chem, yw_chem, q0_chem, 0.0, t_span=(0.0, 60.0), dt=0.5, t_eval=t_chem,
                               method="trbdf2")
w_exact = w_star - w_star * np.exp(-fhn.c * fhn.b * clamped.t)
print(f"balance voltage {x_bar:.6f} (A = {point.conductance[0]:.6f}); mu(60) = {clamped.mu[-1, 0]:.6f}; "
      f"w* = (x + a)/b = {w_star:.5f}, mean_w(60) = {clamped.mean_w()[-1, 0]:.5f}, "
      f"max |mean_w - exact| = {np.abs(clamped.mean_w()[:, 0] - w_exact).max():.1e}; wall {clamped.stats['wall_time']:.2f} s")

# %%
# The voltage reaches the balance voltage within a time of order :math:`1/(\gamma\bar A)` and stays
# there (to :math:`O(1/\gamma)`: the intrinsic drift :math:`f` shifts it by :math:`f/(\gamma\bar A)`), while
# :math:`\bar w` needs a time of order :math:`1/(cb) = 16`: the two time scales differ by a factor
# :math:`\gamma\bar A/(cb) \approx 2\cdot10^5`, and the solver takes the same steps for both.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
ax1.semilogx(clamped.t[1:], clamped.mu[1:, 0], label=r"$\mu(t)$")
ax1.axhline(x_bar, color="k", ls=":", label=r"balance voltage $\bar x$")
ax1.axvline(1 / (chem.gamma * point.conductance[0]), color="0.6", lw=0.8, label=r"$t = 1/(\gamma\bar A)$")
ax1.set(xlabel="time t (log scale)", ylabel="mean voltage", title=r"fhn_chemical, $\gamma = 10^4$: the clamp")
ax1.legend(fontsize=8)
ax2.plot(clamped.t, clamped.mean_w()[:, 0], label=r"$\bar w(t)$, solver")
ax2.plot(clamped.t, w_exact, "k:", label=r"$w^* + (\bar w_0 - w^*)e^{-cbt}$")
ax2.axhline(w_star, color="0.6", lw=0.8, label=r"$w^* = (\bar x + a)/b$")
ax2.set(xlabel="time t", ylabel="mean recovery", title="the slow relaxation of the recovery")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# At full size (the y-grid of ``benchmarks/fhn_auto_acceptance.py``, 200 cells, dt = 0.05) the
# period of the mean is the ODE's to :math:`2\cdot10^{-5}` and the wall time is the same for
# :math:`\gamma = 10^2` and :math:`10^{10}`; here the coarse grids and dt = 0.2 give :math:`10^{-3}`.
