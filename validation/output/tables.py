"""The one CSV writer of the package: a table (pandas DataFrame or a list of dicts) to CSV, atomically."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..atomic import atomic_write


def write_csv(path: str | Path, table, float_format: str = "%.10g") -> Path:
    """Write ``table`` to ``path`` (header row, no index), floats with ``float_format``.

    ``table``: a pandas DataFrame, or a non-empty sequence of dicts with the same keys
    (the columns, in the order of the first row).
    """
    import pandas as pd
    if not isinstance(table, pd.DataFrame):
        if not isinstance(table, Sequence) or not table or not all(isinstance(r, dict) for r in table):
            raise TypeError(f"table must be a pandas DataFrame or a non-empty list of dicts, "
                            f"got {type(table).__name__}")
        table = pd.DataFrame(list(table), columns=list(table[0]))
    return atomic_write(path, lambda tmp: table.to_csv(tmp, index=False, float_format=float_format))
