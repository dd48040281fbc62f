"""TOML configuration files: network, grid, initial data, time span, solver, particles, study.

A file is read with the standard library's ``tomllib`` and checked against a fixed
schema. Every problem (unknown key, wrong type, value out of range, a network the
model layer refuses) raises :class:`ConfigError` naming the file, the key path and
what is allowed, e.g.::

    examples/x.toml: network.populations[0].sigma: must be a number > 0, got -1.0

The checked configuration is *canonical*: every default is filled in and numbers
have their final types, so :meth:`Config.to_toml` followed by :func:`loads` gives the
same configuration back, and :meth:`Config.hash` identifies it (the result store uses
it to refuse resuming a study whose configuration changed).

Two-variable (FitzHugh–Nagumo) networks use the same sections: populations with
``intrinsic = { kind = "fitzhugh_nagumo", ... }`` and ``sigma_w``, electrical weights
``network.electrical`` (P × P), and a ``[grid.w]`` table (lower, upper, cells) for the
recovery variable; :func:`build_grid` then returns a :class:`fokker.Grid2D` and
:func:`build_initial` densities of shape (P, nx, nw).

Modules: :mod:`.document` (:class:`Config`, :func:`load`, :func:`loads`, :func:`dump`),
:mod:`.reader` (checked table reading, :class:`ConfigError`), :mod:`.network` (the
``[network]`` section and preset overrides from the preset signatures), :mod:`.sections`
(the other sections, :func:`build_grid`, :func:`build_initial`) and :mod:`.toml` (the
canonical TOML writer).

The configuration is its own package, below the store and the command line: the store
records a configuration's identity and the CLI reads files, neither the other way round.
"""
from .document import Config, dump, from_dict, load, loads
from .reader import ConfigError
from .sections import build_grid, build_initial
from .toml import to_toml

__all__ = ["Config", "ConfigError", "load", "loads", "dump", "from_dict", "to_toml", "build_grid", "build_initial"]
