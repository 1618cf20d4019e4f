"""Haystack's own OpenTelemetry tracer (content tracing on): ``haystack.component.*``,
``haystack.pipeline.*``, ``haystack.agent.*``; the kind from the component's class name, the
model and usage from a generator's output ``meta``."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import JsonPath, KindRule, Messages, Style

_OUT = "haystack.component.output"

HAYSTACK = Style(
    name="Haystack",
    libraries=("haystack-ai 2.x (HAYSTACK_CONTENT_TRACING_ENABLED=true)",),
    fields={
        "model": (JsonPath(_OUT, ("meta", 0, "model")), JsonPath(_OUT, ("replies", 0, "meta", "model"))),
        "prompt": (Messages("haystack.component.input"), "haystack.component.input", "haystack.agent.input",
                   "haystack.pipeline.input_data"),
        "completion": (Messages(_OUT), _OUT, "haystack.agent.output", "haystack.pipeline.output_data"),
        "prompt_tokens": (JsonPath(_OUT, ("meta", 0, "usage", "prompt_tokens")),
                          JsonPath(_OUT, ("replies", 0, "meta", "usage", "prompt_tokens"))),
        "completion_tokens": (JsonPath(_OUT, ("meta", 0, "usage", "completion_tokens")),
                              JsonPath(_OUT, ("replies", 0, "meta", "usage", "completion_tokens"))),
    },
    kinds=(KindRule("haystack.component.type", endings={
        "Generator": "llm", "Retriever": "retrieval", "Ranker": "retrieval", "Embedder": "embedding",
        "Agent": "agent", "ToolInvoker": "tool"}),),
)
