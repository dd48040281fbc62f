"""Subcommands of the ``fokker-balance`` CLI, one module each."""
