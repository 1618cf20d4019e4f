"""Langfuse's own OpenTelemetry attributes (``langfuse.*``), as its SDKs v3+ and exporters write them."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import JsonPath, KindRule, Messages, Style

_USAGE = "langfuse.observation.usage_details"

LANGFUSE = Style(
    name="Langfuse attributes",
    libraries=("langfuse (Python) 3.x", "@langfuse/otel (JS) 4.x"),
    fields={
        "model": ("langfuse.observation.model.name",),
        "prompt": (Messages("langfuse.observation.input"), "langfuse.observation.input"),
        "completion": (Messages("langfuse.observation.output"), "langfuse.observation.output"),
        "prompt_tokens": (JsonPath(_USAGE, ("input",)),),
        "completion_tokens": (JsonPath(_USAGE, ("output",)),),
        "total_tokens": (JsonPath(_USAGE, ("total",)),),
        "cache_read_tokens": (JsonPath(_USAGE, ("input_cached_tokens",)), JsonPath(_USAGE, ("cache_read_input_tokens",))),
        "reasoning_tokens": (JsonPath(_USAGE, ("output_reasoning_tokens",)),),
        "cost": (JsonPath("langfuse.observation.cost_details", ("total",)),),
        "conversation_id": ("langfuse.session.id",),
        "user_id": ("langfuse.user.id",),
        "prompt_name": ("langfuse.observation.prompt.name",),
        "prompt_version": ("langfuse.observation.prompt.version",),
    },
    kinds=(KindRule("langfuse.observation.type", {
        "generation": "llm", "embedding": "embedding", "agent": "agent", "tool": "tool", "chain": "chain",
        "retriever": "retrieval", "span": "other", "event": "other", "evaluator": "other", "guardrail": "other"}),),
)
