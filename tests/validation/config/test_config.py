"""TOML configurations: round trips, the networks they build, and every kind of error."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fokker import presets
from validation import config as cfgmod
from validation.config import ConfigError, dump, load, loads

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
SMALL = Path(__file__).parents[1] / "data" / "small_study.toml"


@pytest.mark.parametrize("path", EXAMPLES + [SMALL], ids=lambda p: p.name)
def test_round_trip_of_every_example(path, tmp_path):
    config = load(path)
    again = loads(config.to_toml(), "again.toml")
    assert again.data == config.data
    assert again.hash() == config.hash()
    written = dump(config, tmp_path / "copy.toml")
    assert load(written).data == config.data                     # study name kept explicitly


def test_examples_exist():
    names = {p.name for p in EXAMPLES}
    assert {"solve_ei_single.toml", "network_driven_pair.toml", "study_gamma_convergence.toml"} <= names
    assert len(cfgmod.load(ROOT / "examples" / "study_gamma_convergence.toml").sweep_axes()["gamma"]) * 2 >= 8


def test_empty_file_is_the_ei_single_preset_with_defaults():
    config = loads("")
    net = config.network()
    assert net.population_names == ["E"] and net.gamma == 1.0
    (bp,) = net.balance()
    assert bp.voltage[0] == pytest.approx(0.270962, abs=1e-6)
    assert config.t_eval.size == config["time"]["n_out"] == 101
    assert config.initial_density().shape == (1, 400)


def test_full_network_equals_the_driven_preset():
    config = load(ROOT / "examples" / "network_driven_pair.toml")
    net = config.network()
    ref = presets.driven(20.0)
    np.testing.assert_array_equal(net.weights, ref.weights)
    assert net.channel_names == ref.channel_names
    for t in (0.0, 0.1, 0.37):
        np.testing.assert_allclose(net.external_activities(t), ref.external_activities(t), rtol=0, atol=1e-15)
    x = np.linspace(-1, 1, 7)
    np.testing.assert_array_equal(net.activation_table(x), ref.activation_table(x))
    assert [bp.voltage.tolist() for bp in net.balance()] == [bp.voltage.tolist() for bp in ref.balance()]


def test_preset_overrides_reach_the_network():
    config = loads('[network]\npreset = "ei_pair"\ngamma = 3\n[network.overrides]\n'
                   'sigma = [0.4, 0.6]\nweights = [[1, 2], [3, 4]]\n'
                   'intrinsic = [{kind = "cubic", current = 0.1}, {kind = "leak"}]\n')
    net = config.network()
    np.testing.assert_array_equal(net.sigma, [0.4, 0.6])
    np.testing.assert_array_equal(net.weights, [[1, 2], [3, 4]])
    assert net.populations[0].intrinsic(np.array([0.0]))[0] == pytest.approx(0.1)
    assert config.network(7.0).gamma == 7.0


def test_identity_ignores_sweep_values_but_hash_does_not():
    a = loads("[study.sweep]\nseed = [0, 1]\n")
    b = loads("[study.sweep]\nseed = [0, 1, 2]\n")
    c = loads("[study.sweep]\nseed = [0, 1]\n[particles]\nn = 7\n")
    assert a.identity() == b.identity() != c.identity()
    assert a.hash() != b.hash()
    assert b.sweep_axes() == {"gamma": [1.0], "n": [10000], "seed": [0, 1, 2]}


ERRORS = [
    # (toml text, key path, words of the allowed values)
    ("[foo]\na = 1\n", "foo", "unknown key"),
    ("[grid]\nnx = 100\nsize = 3\n", "grid.size", "allowed keys here: ['lower', 'nx', 'upper', 'w']"),
    ("[network.overrides]\nsgma = 0.3\n", "network.overrides.sgma", "allowed keys"),
    ("[[network.populations]]\nname = 'E'\ncolour = 1\n", "network.populations[0].colour", "unknown key"),
    ("[grid]\nnx = 2\n", "grid.nx", "integer >= 3"),
    ("[grid]\nnx = 10.5\n", "grid.nx", "integer >= 3, got float"),
    ("[grid]\nlower = 'a'\n", "grid.lower", "must be a number, got string"),
    ("[grid]\nlower = 1.0\nupper = 0.0\n", "grid.upper", "must be > grid.lower"),
    ("[network]\ngamma = -1.0\n", "network.gamma", "number >= 0"),
    ("[network]\ngamma = inf\n", "network.gamma", "finite"),
    ("[network]\ngamma = true\n", "network.gamma", "got boolean"),
    ("[network]\npreset = 'nope'\n", "network.preset", "one of ['ei_single'"),
    ("[network.overrides]\nsigma = 0.0\n", "network.overrides.sigma", "number > 0"),
    ("[network.overrides]\nweights = [1.0, -1.5]\n", "network.overrides.weights[1]", "number >= 0"),
    ("[network]\npreset = 'ei_pair'\n[network.overrides]\nweights = [[1, 2]]\n",
     "network.overrides.weights", "2 entries"),
    ("[network]\npreset = 'driven'\n[network.overrides]\ndrive = {kind = 'sinusoid', mean = 0.1, amplitude = 0.2}\n",
     "network.overrides.drive.amplitude", "<= mean"),
    ("[network.overrides]\nexc = {kind = 'tanh'}\n", "network.overrides.exc.kind", "one of ['sigmoid']"),
    ("[network.overrides]\nexc = {kind = 'sigmoid', s_max = -1}\n", "network.overrides.exc.s_max", "> 0"),
    ("[network]\npopulations = []\n", "network.populations", "non-empty array"),
    ("[[network.populations]]\nname = 'E'\n[[network.channels]]\nname = 'c'\nreversal = 1\nsource = 'X'\n"
     "activation = {kind = 'sigmoid'}\n[network]\n", "network.weights", "is required"),
    ("[network]\nweights = [[1.0]]\n[[network.populations]]\nname = 'E'\n[[network.channels]]\nname = 'c'\n"
     "reversal = 1\nsource = 'X'\nactivation = {kind = 'sigmoid'}\n", "network", "unknown source population 'X'"),
    ("[network]\nweights = [[1.0, 1.0]]\n[[network.populations]]\nname = 'E'\n[[network.channels]]\nname = 'c'\n"
     "reversal = 1\nsource = 'E'\nactivation = {kind = 'sigmoid'}\n", "network.weights[0]", "1 entries"),
    ("[network]\nweights = [[1.0]]\n[[network.populations]]\nname = 'E'\n[[network.channels]]\nname = 'c'\n"
     "reversal = 1\nactivity = 0.5\nactivation = {kind = 'sigmoid'}\n", "network.channels[0].activation",
     "not allowed on an external channel"),
    ("[network]\nweights = [[1.0]]\n[[network.populations]]\nname = 'E'\n[[network.channels]]\nname = 'c'\n"
     "reversal = 1\nactivity = -0.5\n", "network.channels[0].activity.value", ">= 0"),
    ("[initial]\nstd = -0.1\n", "initial.std", "> 0"),
    ("[network]\npreset = 'ei_pair'\n[initial]\nmean = [0, 1, 2]\n", "initial.mean", "one per population"),
    ("[time]\nt0 = 1.0\nt1 = 0.5\n", "time.t1", "must be > time.t0"),
    ("[time]\nt1 = 1.0\ndt = 2.0\n", "time.dt", "<= 1"),
    ("[time]\nn_out = 1\n", "time.n_out", "integer >= 2"),
    ("[solver]\nmethod = 'rk4'\n", "solver.method", "one of ['euler', 'bdf2', 'trbdf2']"),
    ("[solver]\ntol = 0.0\n", "solver.tol", "> 0"),
    ("[particles]\nn = 0\n", "particles.n", "integer >= 1"),
    ("[particles]\nmemory_budget_mb = 0.5\n", "particles.memory_budget_mb", ">= 1"),
    ("[study]\nkind = 'mcmc'\n", "study.kind", "one of ['particles', 'pde']"),
    ("[study]\nmeasure = ['w2']\n", "study.measure[0]", "one of ['mean', 'std', 'activity', 'w1']"),
    ("[study]\nkind = 'pde'\nmeasure = ['w1']\n", "study.measure[0]", "for a 'pde' study"),
    ("[study]\nmeasure = ['mean', 'mean']\n", "study.measure", "must not repeat"),
    ("[study]\nname = '../x'\n", "study.name", "folder name"),
    ("[study.sweep]\nsigma = [1.0]\n", "study.sweep.sigma", "allowed keys here: ['gamma', 'n', 'seed']"),
    ("[study]\nkind = 'pde'\n[study.sweep]\nseed = [1]\n", "study.sweep.seed", "allowed keys here: ['gamma']"),
    ("[study.sweep]\nseed = []\n", "study.sweep.seed", "non-empty array"),
    ("[study.sweep]\nseed = [1, 1]\n", "study.sweep.seed", "must not repeat"),
    ("[study.sweep]\nn = [10, 0]\n", "study.sweep.n[1]", "integer >= 1"),
    ("[study.sweep]\ngamma = 3.0\n", "study.sweep.gamma", "non-empty array"),
    ("grid = 3\n", "grid", "must be a table"),
    ("x = \n", "<top level>", "not valid TOML"),
]


@pytest.mark.parametrize("text, path, allowed", ERRORS, ids=[e[1] for e in ERRORS])
def test_every_kind_of_error_names_file_key_and_allowed(text, path, allowed, tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(file)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith(f"{file}: {path}: "), message
    assert allowed in message, message
    assert "\n" not in message


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="nothere.toml: <top level>: cannot read the file"):
        load(tmp_path / "nothere.toml")


def test_writer_refuses_unknown_types():
    with pytest.raises(TypeError):
        cfgmod.to_toml({"a": {"b": object()}})


@pytest.mark.parametrize("preset", sorted(presets.PRESETS))
def test_preset_overrides_are_the_preset_keywords(preset):
    """The allowed override keys are read from the preset function's signature (and, for a preset
    forwarding **kwargs, from the presets it calls): an unknown key lists exactly those."""
    import inspect
    from validation.config.network import preset_keywords
    func = presets.PRESETS[preset]
    own = [p.name for p in list(inspect.signature(func).parameters.values())[1:] if p.kind is p.KEYWORD_ONLY]
    keys = list(preset_keywords(preset))
    assert keys[:len(own)] == own
    with pytest.raises(ConfigError) as err:
        loads(f"[network]\npreset = '{preset}'\n[network.overrides]\nnot_a_keyword = 1\n")
    assert err.value.path == "network.overrides.not_a_keyword"
    assert err.value.message == f"unknown key; allowed keys here: {sorted(keys)}"


def test_forwarded_preset_keywords():
    from validation.config.network import preset_keywords
    assert set(preset_keywords("ei_bistable")) == set(preset_keywords("ei_single"))
    assert set(preset_keywords("driven")) == {"drive", "drive_weights"} | set(preset_keywords("ei_pair"))
    net = loads("[network]\npreset = 'ei_bistable'\n[network.overrides]\nsigma = 0.3\nreversal_inh = -2.0\n").network()
    assert net.sigma[0] == 0.3 and net.channels[1].reversal == -2.0


def test_solver_choices_come_from_solvers():
    import solvers
    for method in solvers.METHODS:
        assert loads(f"[solver]\nmethod = '{method}'\n")["solver"]["method"] == method
    for backend in solvers.BACKENDS:
        assert loads(f"[solver]\nbackend = '{backend}'\n")["solver"]["backend"] == backend
    with pytest.raises(ConfigError) as err:
        loads("[solver]\nmethod = 'rk4'\n")
    assert err.value.message == f"must be one of {list(solvers.METHODS)}, got 'rk4'"
    with pytest.raises(ConfigError) as err:
        loads("[solver]\nbackend = 'cuda'\n")
    assert err.value.message == f"must be one of {list(solvers.BACKENDS)}, got 'cuda'"
