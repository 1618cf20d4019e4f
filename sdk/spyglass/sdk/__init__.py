"""Spyglass SDK: trace LLM applications into Spyglass.

    import spyglass.sdk as spyglass
    spyglass.init(project="support-bot")          # or SPYGLASS_* environment variables

Spans are queued in memory and sent in batches by one background thread; nothing here blocks
the caller on I/O or raises into the application. The public API is re-exported here;
everything else is private.
"""

from spyglass.sdk._anthropic import wrap_anthropic
from spyglass.sdk._client import flush, init, shutdown, stats
from spyglass.sdk._llm import record_llm
from spyglass.sdk._memory import InMemorySink
from spyglass.sdk._observe import observe
from spyglass.sdk._openai import wrap_openai
from spyglass.sdk._scope import context
from spyglass.sdk._score import score
from spyglass.sdk._span import Span, current_span, span
from spyglass.sdk.wire import SCHEMA_VERSION, SPAN_KINDS

__all__ = ["SCHEMA_VERSION", "SPAN_KINDS", "InMemorySink", "Span", "context", "current_span", "flush",
           "init", "observe", "record_llm", "score", "shutdown", "span", "stats", "wrap_anthropic", "wrap_openai"]
