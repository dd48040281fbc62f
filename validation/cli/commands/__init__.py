"""Subcommands of the ``fokker-balance`` CLI, one module each (see :mod:`validation.cli`)."""
