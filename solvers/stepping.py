"""Constants shared by the time stepping of the density solvers and of the particle engine.

MAX_GROWTH: an implicit step with λ h > 2 damps even a *growing* mode e^{λt} (backward
Euler multiplies it by 1/(1 − λh)), so at large γ dt an L-stable method would hold the
network at an unstable balance point. Steps are therefore shortened to λ h ≤ MAX_GROWTH
while the frame reports a positive growth rate λ of its fastest unstable mode.

BDF2_MAX_RATIO: variable-step BDF2 is zero-stable for step ratios h_n / h_{n−1} < 1 + √2;
beyond this ratio it restarts with a backward-Euler step (adaptive runs never grow a
BDF2 step by more).

RESCUE_LEVELS: a step whose coupling fails is retaken as 2, 4, …, 2^RESCUE_LEVELS
backward-Euler substeps.

TRBDF2_G: the TR-BDF2 stage fraction g = 2 − √2 (the stage matrices of both stages agree).
"""
from __future__ import annotations

import math

MAX_GROWTH = 0.5        # largest λ h allowed for an unstable mode
BDF2_MAX_RATIO = 2.0    # variable-step BDF2 is zero-stable for h_n / h_{n−1} < 1 + √2
RESCUE_LEVELS = 6
TRBDF2_G = 2.0 - math.sqrt(2.0)
