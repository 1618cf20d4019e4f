"""Trace and span ids in OpenTelemetry's shape: 32 and 16 lowercase hex characters."""

from __future__ import annotations

from random import getrandbits

# The module-level Random is reseeded in forked children by the random module itself, so
# pre-forked workers (gunicorn) do not repeat each other's ids.


def new_trace_id() -> str:
    """A random 128-bit trace id as 32 hex characters."""
    return "%032x" % getrandbits(128)


def new_span_id() -> str:
    """A random 64-bit span id as 16 hex characters."""
    return "%016x" % getrandbits(64)
