"""fokker: the model layer of fokker-balance (neurons, coupling, balance points, grids). No time stepping here."""
from . import presets
from .activation import Sigmoid
from .balance import BalancePoint, balance_points, neutral_classes
from .fhn import FitzHughNagumo
from .grid import Grid, Grid2D
from .intrinsic import Cubic, Intrinsic, Leak
from .network import Channel, Network, Population

__all__ = ["Sigmoid", "Leak", "Cubic", "Intrinsic", "Population", "Channel", "Network",
           "Grid", "BalancePoint", "balance_points", "presets",
           "FitzHughNagumo", "Grid2D", "neutral_classes"]
from .rates import (RateNetwork, contrast_gain, crossed_inhibition, random_dale, shared_interneuron,
                    stacked_column, wilson_cowan)
__all__ += ["RateNetwork", "wilson_cowan", "shared_interneuron", "crossed_inhibition", "stacked_column",
            "random_dale", "contrast_gain"]
