"""The finite-n particle network, stepped with the exact Ornstein–Uhlenbeck update.

- :mod:`.simulate`: :func:`simulate_particles` (the public entry point, its validation and
  the time loop) and :class:`ParticleRun`;
- :mod:`.initial`: initial states (arrays, callables, samples of grid densities);
- :mod:`.plan`: which activations are evaluated on which population;
- :mod:`.stepper`: particle blocks, their random streams and the sweeps over them;
- :mod:`.implicit`: the implicit (end-of-step) coupling;
- :mod:`.centred`: the mean-centred step used with gap junctions;
- :mod:`.kernels`: fused numba kernels of the FitzHugh–Nagumo step.
"""
from .initial import sample_density, sample_density_2d
from .simulate import AUTO_IMPLICIT, ParticleRun, simulate_particles
from .stepper import BLOCK, NOISE_MODES

__all__ = ["simulate_particles", "ParticleRun", "sample_density", "sample_density_2d", "AUTO_IMPLICIT", "BLOCK",
           "NOISE_MODES"]
