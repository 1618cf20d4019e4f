"""Per-trace sampling: the decision is a pure function of the trace id, so whole traces are kept."""

from __future__ import annotations

from zlib import crc32

_SCALE = 1 << 32


def trace_sampled(trace_id: str, rate: float) -> bool:
    """True when the trace with ``trace_id`` falls inside the sampled fraction ``rate`` (0..1).

    Hashing (not drawing a random number) means every process that sees the same trace id
    makes the same decision, so a trace spanning several services is kept or dropped whole.
    """
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    return crc32(trace_id.encode()) < rate * _SCALE
