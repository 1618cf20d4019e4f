"""OpenLLMetry (Traceloop): indexed ``gen_ai.prompt.N.*`` (read by the GenAI table), ``llm.*``
usage and request names, ``traceloop.entity.*`` on workflow / task / agent / tool spans, and
``traceloop.association.properties.*`` for the session and user."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import KindRule, Style

OPENLLMETRY = Style(
    name="OpenLLMetry (Traceloop)",
    libraries=("traceloop-sdk / opentelemetry-instrumentation-* 0.2x-0.4x (Python)", "@traceloop/node-server-sdk",
               "LiteLLM 'traceloop' callback"),
    fields={
        "model": ("llm.response.model", "llm.request.model"),
        "prompt": ("traceloop.entity.input",),
        "completion": ("traceloop.entity.output",),
        "prompt_tokens": ("llm.usage.prompt_tokens",),
        "completion_tokens": ("llm.usage.completion_tokens",),
        "total_tokens": ("llm.usage.total_tokens",),
        "cache_read_tokens": ("llm.usage.cache_read_input_tokens",),
        "cache_write_tokens": ("llm.usage.cache_creation_input_tokens",),
        "conversation_id": ("traceloop.association.properties.session_id",),
        "user_id": ("traceloop.association.properties.user_id",),
        "prompt_name": ("traceloop.prompt.key",),
        "prompt_version": ("traceloop.prompt.version",),
    },
    kinds=(KindRule("traceloop.span.kind", {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}),
           KindRule("llm.request.type", {"chat": "llm", "completion": "llm", "embedding": "embedding",
                                         "rerank": "retrieval"})),
)
