"""``python -m validation.cli``: the same program as ``fokker-balance`` and ``python -m validation``."""
from . import run

run()
