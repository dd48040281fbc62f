"""Configurations of two-variable (FitzHugh–Nagumo) networks and electrical coupling: the new keys
(valid and invalid, with their key paths), the grid and initial-data builders, the example files
against the presets, and the configurations written before these keys existed (same hash)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from fokker import FitzHughNagumo, Grid, Grid2D, presets
from validation.config import ConfigError, load, loads
from validation.config.sections import build_grid, build_initial, initial_moments

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).parents[1] / "data"
W_GRID = "[grid.w]\nlower = -1.5\nupper = 2.5\ncells = 40\n"

# -- configurations written before the two-variable keys: hashes computed with the code before them ---------
# (the grids of three examples were later widened so that they run without warnings; their hashes
#  are those of the widened files, which contain no two-variable key)
OLD_FILE_HASHES = {
    ROOT / "examples" / "network_driven_pair.toml": "ce1facb908371e42189c1194d061e47433c75d0d410cbe80a9685686b2b55235",
    ROOT / "examples" / "solve_ei_single.toml": "962c1fbab59151da333679deaa73230047b3dfcf9a2724ffbfa0ebae76efe884",
    ROOT / "examples" / "study_gamma_convergence.toml":
        "10483608baba788f3e3a3aeccf79b771e75e4497f0ba89ef575018c58111a08d",
    ROOT / "examples" / "study_particles_n.toml": "59afc3afb95c3aa103758346801f58dca740a14f12cd2ec5bbc2171e879e6503",
    ROOT / "examples" / "study_pde_gamma.toml": "654c9cd26647ddf14b55f026ea210812db5e57ed5db78af6e0c174fb955a2812",
    DATA / "small_study.toml": "9e640637c5ebe6a33bc52daac7d2c6de934d3539339c201e4e717a73f259a47f",
    DATA / "resume_study.toml": "95a1508aac56d36a5749dde68963c8161afec42b02b003bef835be7e1fdb48e5",
}
OLD_TEXT_HASHES = [
    ("", "3a4d2b84a2d03f08e5cb1fb66d703c6c56bf8c8276139be6a978f7c23b56086a"),
    ('[network]\npreset = "ei_pair"\ngamma = 3\n[network.overrides]\nsigma = [0.4, 0.6]\n'
     'weights = [[1, 2], [3, 4]]\nintrinsic = [{kind = "cubic", current = 0.1}, {kind = "leak"}]\n',
     "d3b656e1652ee15ca9a096af8d13020ce65d82990c50c22bc4eaab34a59a9a97"),
]
# FitzHugh–Nagumo preset networks that loaded before (on a 1D grid, which they now refuse): the canonical
# [network] section is unchanged (sha256 of its sorted JSON, computed with the code before).
OLD_NETWORK_HASHES = [
    ('[network]\npreset = "fhn_electrical"\ngamma = 100.0\n[network.overrides]\ncurrent = 0.0\nsigma = 0.2\n'
     'sigma_w = 0.0\nelectrical = 2.0\n', "a26b7e32c8eb1eac4728f504dec9937fa5099c3eec6f9e6943ac4e065b2d849b"),
    ('[network]\npreset = "fhn_pair"\n[network.overrides]\nsigma_w = [0.0, 0.1]\nelectrical = 0.25\ncurrent = 0.3\n',
     "dc9d9c91e35c4d0fc31d5c6340d04b8a8ea8bac90f913f83dee345cc0e6f5186"),
    ('[network]\npreset = "fhn_chemical"\ngamma = 10.0\n[network.overrides]\nsigma = 0.4\nweights = [1.0, 2.0]\n',
     "5f2c989a8712af401fec5932402f70454ecf88ffa567186077236634e7f8d66d"),
]


@pytest.mark.parametrize("path", sorted(OLD_FILE_HASHES), ids=lambda p: p.name)
def test_old_files_keep_their_hash(path):
    assert load(path).hash() == OLD_FILE_HASHES[path]


@pytest.mark.parametrize("text, expected", OLD_TEXT_HASHES, ids=["empty", "ei_pair_overrides"])
def test_old_texts_keep_their_hash(text, expected):
    assert loads(text).hash() == expected


@pytest.mark.parametrize("text, expected", OLD_NETWORK_HASHES, ids=["fhn_electrical", "fhn_pair", "fhn_chemical"])
def test_old_fitzhugh_nagumo_preset_networks_keep_their_canonical_network(text, expected):
    with pytest.raises(ConfigError) as err:
        loads(text)
    assert err.value.path == "grid.w"
    network = loads(text + W_GRID)["network"]
    assert hashlib.sha256(json.dumps(network, sort_keys=True).encode()).hexdigest() == expected


# -- the example files build the presets' networks ------------------------------------------------------
def _same_network(net, ref):
    assert net.population_names == ref.population_names and net.channel_names == ref.channel_names
    assert net.populations == ref.populations                       # intrinsic, sigma, sigma_w (dataclass ==)
    assert net.gamma == ref.gamma and net.variables == ref.variables == 2
    np.testing.assert_array_equal(net.weights, ref.weights)
    np.testing.assert_array_equal(net.electrical, ref.electrical)
    x = np.linspace(-2.0, 2.0, 9)
    np.testing.assert_array_equal(net.activation_table(x), ref.activation_table(x))
    mine, theirs = net.balance(), ref.balance()
    assert len(mine) == len(theirs) >= 1
    for a, b in zip(mine, theirs):
        assert a.isolated == b.isolated
        np.testing.assert_array_equal(a.voltage, b.voltage)
        np.testing.assert_array_equal(a.conductance, b.conductance)


def test_fhn_electrical_example_is_the_preset_on_a_grid_holding_the_limit_cycle():
    config = load(ROOT / "examples" / "fhn_electrical.toml")
    _same_network(config.network(), presets.fhn_electrical(config["network"]["gamma"], sigma_w=0.05))
    (point,) = config.network().balance()
    assert not point.isolated                                       # electrical only: a line of balance points
    grid = config.grid()
    assert grid == Grid2D(Grid(-3.0, 3.0, grid.x.nx), Grid(-1.5, 2.5, grid.w.nx))
    cycle = FitzHughNagumo(current=0.5).limit_cycle()
    assert grid.x.lower < cycle.x_range[0] < cycle.x_range[1] < grid.x.upper
    assert grid.w.lower < cycle.w_range[0] < cycle.w_range[1] < grid.w.upper
    p0 = config.initial_density()
    assert p0.shape == (1,) + grid.shape
    np.testing.assert_allclose(grid.integrate(p0), 1.0, rtol=1e-13)


def test_fhn_pair_example_is_the_preset_written_out():
    config = load(ROOT / "examples" / "fhn_pair.toml")
    assert "preset" not in config["network"] and config["network"]["channels"]
    gamma = config["network"]["gamma"]
    _same_network(config.network(), presets.fhn_pair(gamma, sigma_w=0.05))
    (point,) = config.network().balance()
    np.testing.assert_allclose(point.voltage, [0.163573, 0.372470], atol=1e-6)
    p0 = config.initial_density()
    assert p0.shape == (2,) + config.grid().shape
    np.testing.assert_allclose(config.grid().mean_x(p0), [-0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(config.grid().mean_w(p0), [0.0, 0.5], atol=1e-12)


@pytest.mark.parametrize("gamma", [1e4, 1e10])
def test_strong_coupling_presets_load_at_large_gamma(gamma):
    for name in ("fhn_electrical", "fhn_chemical", "fhn_pair"):
        net = loads(f'[network]\npreset = "{name}"\ngamma = {gamma!r}\n' + W_GRID).network()
        ref = presets.PRESETS[name](gamma)
        assert net.gamma == gamma
        assert [b.voltage.tolist() for b in net.balance()] == [b.voltage.tolist() for b in ref.balance()]


# -- valid new keys ---------------------------------------------------------------------------------------
ELECTRICAL_ONLY = ('[network]\nelectrical = [[1.0]]\n[[network.populations]]\nname = "E"\n'
                   'intrinsic = {{ kind = "fitzhugh_nagumo"{extra} }}\n{pop}' + W_GRID)


def test_fitzhugh_nagumo_intrinsic_defaults_are_the_class_defaults():
    config = loads(ELECTRICAL_ONLY.format(extra="", pop=""))
    spec = config["network"]["populations"][0]
    ref = FitzHughNagumo()
    assert spec["intrinsic"] == {"kind": "fitzhugh_nagumo", "a": ref.a, "b": ref.b, "c": ref.c,
                                 "current": ref.current, "cubic": ref.cubic}
    assert spec["sigma_w"] == 0.0
    net = config.network()
    assert net.populations[0].intrinsic == ref and net.K == 0
    assert config["network"]["channels"] == [] and config["network"]["weights"] == [[]]
    np.testing.assert_array_equal(net.electrical, [[1.0]])


def test_every_fitzhugh_nagumo_parameter_and_sigma_w_reach_the_model():
    config = loads(ELECTRICAL_ONLY.format(extra=", a = 0.5, b = 0.0, c = 2.0, current = -1.0, cubic = 0.0",
                                          pop="sigma_w = 0.25\nsigma = 0.7\n"))
    pop = config.network().populations[0]
    assert pop.intrinsic == FitzHughNagumo(a=0.5, b=0.0, c=2.0, current=-1.0, cubic=0.0)
    assert (pop.sigma, pop.sigma_w) == (0.7, 0.25)


def test_one_variable_population_takes_sigma_w_zero_only_and_keeps_its_canonical_data():
    base = ('[network]\nweights = [[1.0]]\n[[network.populations]]\nname = "E"\n{pop}'
            '[[network.channels]]\nname = "c"\nreversal = 1.0\nactivity = 0.5\n')
    assert loads(base.format(pop="sigma_w = 0.0\n")).data == loads(base.format(pop="")).data
    with pytest.raises(ConfigError) as err:
        loads(base.format(pop="sigma_w = 0.1\n"))
    assert err.value.path == "network.populations[0].sigma_w"
    assert err.value.message.startswith("must be 0 for the one-variable intrinsic")


def test_electrical_with_and_without_channels_and_optional_weights():
    pops = ('[[network.populations]]\nname = "E"\nintrinsic = { kind = "fitzhugh_nagumo" }\n'
            '[[network.populations]]\nname = "I"\nintrinsic = { kind = "fitzhugh_nagumo" }\n')
    a = loads("[network]\nelectrical = [[0.0, 2.0], [1.0, 0.0]]\n" + pops + W_GRID)
    b = loads("[network]\nelectrical = [[0.0, 2.0], [1.0, 0.0]]\nchannels = []\nweights = [[], []]\n" + pops + W_GRID)
    assert a.data == b.data and a["network"]["weights"] == [[], []]
    np.testing.assert_array_equal(a.network().electrical, [[0.0, 2.0], [1.0, 0.0]])
    with_channels = loads("[network]\nweights = [[1.0], [0.5]]\nelectrical = [[0.0, 0.5], [0.5, 0.0]]\n" + pops
                          + '[[network.channels]]\nname = "exc"\nreversal = 1.0\nsource = "E"\n'
                          'activation = { kind = "sigmoid" }\n' + W_GRID).network()
    assert with_channels.K == 1 and with_channels.has_electrical


def test_one_variable_network_with_electrical_coupling_needs_no_w_grid():
    config = loads('[network]\nelectrical = [[1.0]]\n[[network.populations]]\nname = "E"\n')
    assert isinstance(config.grid(), Grid) and not isinstance(config.grid(), Grid2D)
    assert config.network().variables == 1 and config.initial_density().shape == (1, 400)


def test_fitzhugh_nagumo_preset_overrides():
    pair = loads('[network]\npreset = "fhn_pair"\ngamma = 50.0\n[network.overrides]\n'
                 'electrical = [[0.0, 1.0], [2.0, 0.0]]\nsigma = [0.2, 0.4]\nsigma_w = 0.1\n'
                 'intrinsic = { kind = "fitzhugh_nagumo", current = 0.0, c = 0.1 }\n' + W_GRID).network()
    f = FitzHughNagumo(current=0.0, c=0.1)
    ref = presets.fhn_pair(50.0, electrical=[[0.0, 1.0], [2.0, 0.0]], sigma=(0.2, 0.4), sigma_w=0.1,
                           intrinsic=(f, f))
    assert pair.populations == ref.populations
    np.testing.assert_array_equal(pair.electrical, ref.electrical)
    with pytest.raises(ConfigError) as err:            # intrinsic and current together: the preset refuses
        loads('[network]\npreset = "fhn_pair"\n[network.overrides]\ncurrent = 0.2\n'
              'intrinsic = [{ kind = "fitzhugh_nagumo" }, { kind = "fitzhugh_nagumo" }]\n' + W_GRID)
    assert err.value.path == "network.overrides" and "not both" in err.value.message
    ok = loads('[network]\npreset = "fhn_pair"\n[network.overrides]\nelectrical = 0.75\ncurrent = 0.2\n'
               'sigma_w = [0.0, 0.3]\n' + W_GRID).network()
    np.testing.assert_array_equal(ok.electrical, [[0.0, 0.75], [0.75, 0.0]])
    np.testing.assert_array_equal(ok.sigma_w, [0.0, 0.3])
    assert ok.populations[1].intrinsic == FitzHughNagumo(current=0.2)


def test_single_population_electrical_as_a_number_or_a_one_by_one_matrix():
    number = loads('[network]\npreset = "fhn_electrical"\n[network.overrides]\nelectrical = 3.0\n' + W_GRID)
    matrix = loads('[network]\npreset = "fhn_electrical"\n[network.overrides]\nelectrical = [[3.0]]\n' + W_GRID)
    assert number.data == matrix.data and number["network"]["overrides"]["electrical"] == 3.0
    np.testing.assert_array_equal(matrix.network().electrical, [[3.0]])


def test_ei_pair_takes_one_intrinsic_for_both_populations():
    one = loads('[network]\npreset = "ei_pair"\n[network.overrides]\nintrinsic = { kind = "cubic", current = 0.1 }\n')
    assert [p.intrinsic for p in one.network().populations] == [one.network().populations[0].intrinsic] * 2


# -- grid and initial data ------------------------------------------------------------------------------------
PAIR = '[network]\npreset = "fhn_pair"\n' + W_GRID


@pytest.mark.parametrize("initial, mean, std", [
    ("", [[0.0, 0.0], [0.0, 0.0]], [[0.25, 0.25], [0.25, 0.25]]),
    ("mean = 0.3\nstd = 0.2\n", [[0.3, 0.3], [0.3, 0.3]], [[0.2, 0.2], [0.2, 0.2]]),
    ("mean = [0.1, 0.9]\nstd = [0.2, 0.3]\n", [[0.1, 0.9], [0.1, 0.9]], [[0.2, 0.3], [0.2, 0.3]]),
    ("mean = [[0.1, 0.9], [-0.2, 0.4]]\nstd = [[0.2, 0.3], [0.25, 0.35]]\n",
     [[0.1, 0.9], [-0.2, 0.4]], [[0.2, 0.3], [0.25, 0.35]]),
], ids=["defaults", "numbers", "one pair", "pairs per population"])
def test_two_variable_initial_forms(initial, mean, std):
    config = loads(PAIR + "[initial]\n" + initial)
    m, s = config.initial_moments(2, 2)
    np.testing.assert_array_equal(m, mean)
    np.testing.assert_array_equal(s, std)
    grid = config.grid()
    p0 = config.initial_density()
    assert p0.shape == (2, 400, 40)
    for alpha in range(2):
        np.testing.assert_array_equal(p0[alpha], grid.gaussian(mean[alpha], std[alpha]))
    np.testing.assert_array_equal(build_initial(config["initial"], grid, config.network()), p0)
    np.testing.assert_array_equal(build_initial(config["initial"], grid, 2), p0)


def test_build_grid_and_build_initial():
    one = {"lower": -1.0, "upper": 1.0, "nx": 10}
    assert build_grid(one) == Grid(-1.0, 1.0, 10)
    two = dict(one, w={"lower": 0.0, "upper": 2.0, "cells": 5})
    assert build_grid(two) == Grid2D(Grid(-1.0, 1.0, 10), Grid(0.0, 2.0, 5))
    initial = {"mean": [0.0, 0.5], "std": 0.3}
    assert build_initial(initial, build_grid(one), 2).shape == (2, 10)
    assert build_initial(initial, build_grid(two), 3).shape == (3, 10, 5)
    with pytest.raises(ValueError, match="for 1-variable populations but the network's populations have 2"):
        build_initial(initial, build_grid(one), presets.fhn_pair())
    with pytest.raises(TypeError, match="grid must be a Grid or a Grid2D"):
        build_initial(initial, "grid", 2)
    with pytest.raises(ConfigError, match="initial.std: must be one number"):
        initial_moments({"mean": 0.0, "std": [[0.1, 0.2]]}, 2, 1)


# -- invalid new keys: each names its key path ------------------------------------------------------------------
FHN_POP = '[[network.populations]]\nname = "E"\nintrinsic = {{ kind = "fitzhugh_nagumo"{extra} }}\n{pop}'
ERRORS = [
    # (toml text, key path, words of the message)
    (ELECTRICAL_ONLY.format(extra=", c = 0.0", pop=""), "network.populations[0].intrinsic.c", "must be > 0"),
    (ELECTRICAL_ONLY.format(extra=", c = -1.0", pop=""), "network.populations[0].intrinsic.c", "must be > 0"),
    (ELECTRICAL_ONLY.format(extra=", b = -0.1", pop=""), "network.populations[0].intrinsic.b", "must be >= 0"),
    (ELECTRICAL_ONLY.format(extra=", cubic = -1.0", pop=""), "network.populations[0].intrinsic.cubic", ">= 0"),
    (ELECTRICAL_ONLY.format(extra=", a = 'x'", pop=""), "network.populations[0].intrinsic.a", "number, got string"),
    (ELECTRICAL_ONLY.format(extra=", current = inf", pop=""), "network.populations[0].intrinsic.current", "finite"),
    (ELECTRICAL_ONLY.format(extra=", d = 1.0", pop=""), "network.populations[0].intrinsic.d",
     "allowed keys here: ['a', 'b', 'c', 'cubic', 'current', 'kind']"),
    ('[[network.populations]]\nname = "E"\nintrinsic = { kind = "fhn" }\n', "network.populations[0].intrinsic.kind",
     "one of ['leak', 'cubic', 'fitzhugh_nagumo']"),
    (ELECTRICAL_ONLY.format(extra="", pop="sigma_w = -0.5\n"), "network.populations[0].sigma_w", "must be >= 0"),
    (ELECTRICAL_ONLY.format(extra="", pop="sigma_w = true\n"), "network.populations[0].sigma_w", "got boolean"),
    ("[network]\nelectrical = [[-1.0]]\n" + FHN_POP.format(extra="", pop="") + W_GRID,
     "network.electrical[0][0]", "number >= 0"),
    ("[network]\nelectrical = [[1.0, 0.0]]\n" + FHN_POP.format(extra="", pop="") + W_GRID,
     "network.electrical[0]", "1 entries"),
    ("[network]\nelectrical = 1.0\n" + FHN_POP.format(extra="", pop="") + W_GRID,
     "network.electrical", "non-empty array"),
    ("[network]\nelectrical = [[0.0]]\n" + FHN_POP.format(extra="", pop="") + W_GRID,
     "network", "needs at least one of channels, or electrical coupling"),
    ("[network]\nelectrical = [[1.0]]\nweights = [[1.0]]\n" + FHN_POP.format(extra="", pop="") + W_GRID,
     "network.weights[0]", "must be an empty array []"),
    ("[network]\nweights = [[]]\n" + FHN_POP.format(extra="", pop="") + W_GRID,
     "network.channels", "is required: an array of tables [[network.channels]] (it may be empty when"),
    ("[network]\nchannels = []\nweights = [[]]\n" + FHN_POP.format(extra="", pop="") + W_GRID,
     "network.channels", "non-empty array"),
    ('[network]\npreset = "fhn_electrical"\n', "grid.w", "is required for a network of two-variable"),
    ("[grid.w]\nlower = 0.0\nupper = 1.0\ncells = 10\n", "grid.w", "not allowed"),
    ('[network]\npreset = "fhn_electrical"\n[grid.w]\nupper = 1.0\ncells = 10\n', "grid.w.lower", "is required"),
    ('[network]\npreset = "fhn_electrical"\n[grid.w]\nlower = 1.0\nupper = 1.0\ncells = 10\n', "grid.w.upper",
     "must be > grid.w.lower = 1.0"),
    ('[network]\npreset = "fhn_electrical"\n[grid.w]\nlower = 0.0\nupper = 1.0\ncells = 2\n', "grid.w.cells",
     "integer >= 3"),
    ('[network]\npreset = "fhn_electrical"\n[grid.w]\nlower = 0.0\nupper = 1.0\ncells = 5\nnx = 20\n', "grid.w.nx",
     "allowed keys here: ['cells', 'lower', 'upper']"),
    ("[grid]\nw = 3\n", "grid.w", "must be a table"),
    (PAIR + "[initial]\nmean = [0.0, 1.0, 2.0]\n", "initial.mean", "a pair [x, w] or 2 pairs [x, w]"),
    (PAIR + "[initial]\nstd = [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]\n", "initial.std", "a pair [x, w]"),
    (PAIR + "[initial]\nstd = [[0.1, 0.2], -0.3]\n", "initial.std[1]", "> 0"),
    (PAIR + "[initial]\nstd = [[0.1, 0.0], [0.2, 0.2]]\n", "initial.std[0][1]", "> 0"),
    (PAIR + "[initial]\nmean = [[0.1, 'a'], [0.2, 0.2]]\n", "initial.mean[0][1]", "got string"),
    ("[initial]\nmean = [[0.0, 1.0]]\n", "initial.mean", "one number or 1 numbers (one per population)"),
    ('[network]\npreset = "fhn_electrical"\n[network.overrides]\nintrinsic = { kind = "fitzhugh_nagumo", c = -1 }\n'
     + W_GRID, "network.overrides.intrinsic.c", "must be > 0"),
    ('[network]\npreset = "fhn_electrical"\n[network.overrides]\nintrinsic = { kind = "fitzhugh_nagumo" }\n'
     "current = 0.1\n" + W_GRID, "network.overrides", "give either intrinsic or current, not both"),
    ('[network]\npreset = "fhn_electrical"\n[network.overrides]\nsigma_w = -1.0\n' + W_GRID,
     "network.overrides.sigma_w", "number >= 0"),
    ('[network]\npreset = "fhn_electrical"\n[network.overrides]\nelectrical = -1.0\n' + W_GRID,
     "network.overrides.electrical", "number >= 0"),
    ('[network]\npreset = "fhn_electrical"\n[network.overrides]\nelectrical = 0.0\n' + W_GRID,
     "network.overrides.electrical", "needs at least one of channels, or electrical coupling"),
    ('[network]\npreset = "fhn_electrical"\n[network.overrides]\nelectrical = [[1.0, 2.0]]\n' + W_GRID,
     "network.overrides.electrical[0]", "1 entries"),
    ('[network]\npreset = "fhn_pair"\n[network.overrides]\nelectrical = [[0.0, 1.0]]\n' + W_GRID,
     "network.overrides.electrical", "2 entries"),
    ('[network]\npreset = "fhn_pair"\n[network.overrides]\nelectrical = [[0.0, 1.0], [1.0, -2.0]]\n' + W_GRID,
     "network.overrides.electrical[1][1]", "number >= 0"),
    ('[network]\npreset = "fhn_pair"\n[network.overrides]\nsigma_w = [0.1, -0.1]\n' + W_GRID,
     "network.overrides.sigma_w[1]", "number >= 0"),
    ('[network]\npreset = "fhn_pair"\n[network.overrides]\nintrinsic = [{ kind = "leak" }]\n' + W_GRID,
     "network.overrides.intrinsic", "2 entries"),
    ('[network]\npreset = "fhn_pair"\n[network.overrides]\ncurrent = [0.1]\n' + W_GRID,
     "network.overrides.current", "must be a number, got array"),
    ('[network]\npreset = "fhn_pair"\n[network.overrides]\n'
     'intrinsic = [{ kind = "leak" }, { kind = "fitzhugh_nagumo" }]\n' + W_GRID,
     "network.overrides.intrinsic", "same number of variables"),
]


@pytest.mark.parametrize("text, path, words", ERRORS, ids=[f"{i}:{e[1]}" for i, e in enumerate(ERRORS)])
def test_invalid_new_keys_name_their_key_path(text, path, words):
    with pytest.raises(ConfigError) as info:
        loads(text, "bad.toml")
    message = str(info.value)
    assert info.value.path == path, message
    assert message.startswith(f"bad.toml: {path}: ") and words in message, message
    assert "\n" not in message


def test_fitzhugh_nagumo_kinds_follow_the_class_fields():
    """The spec's parameters and defaults are read from the class, so a new field needs no config change."""
    import dataclasses
    from validation.config.network import INTRINSIC_KINDS
    assert INTRINSIC_KINDS["fitzhugh_nagumo"] == {f.name: {"default": f.default}
                                                  for f in dataclasses.fields(FitzHughNagumo)}
