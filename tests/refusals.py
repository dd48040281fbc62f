"""A helper of the cost-guard tests: a call refused with a ValueError, allocating little before it."""
from __future__ import annotations

import tracemalloc

import pytest

MiB = 2 ** 20


def refused(call, *words, peak_mib: float = 16.0) -> str:
    """Run ``call``, expect a ValueError whose message holds ``words``; the call allocates < peak_mib."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert peak < peak_mib * MiB, f"{peak / MiB:.1f} MiB allocated before refusing"
    return message
