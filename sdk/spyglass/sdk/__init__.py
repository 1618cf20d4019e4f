"""Spyglass SDK: trace LLM applications into Spyglass.

The public API is re-exported here; everything else is private.
"""

from spyglass.sdk.wire import SCHEMA_VERSION, SPAN_KINDS

__all__ = ["SCHEMA_VERSION", "SPAN_KINDS"]
