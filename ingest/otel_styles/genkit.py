"""Firebase Genkit (``genkit:*``): the action's name, type and subtype, its input and output as
JSON; a model action's name is the model (``googleai/gemini-2.5-flash``) and its output carries
the usage."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import JsonPath, KindRule, Messages, Style, When

_OUTPUT = "genkit:output"

GENKIT = Style(
    name="Genkit",
    libraries=("genkit (JS) 1.x", "genkit (Go) 0.x-1.x", "genkit (Python) 0.x"),
    fields={
        "model": (When("genkit:name", "genkit:metadata:subtype", ("model",)),),
        "prompt": (Messages("genkit:input"), "genkit:input"),
        "completion": (Messages(_OUTPUT), _OUTPUT),
        "prompt_tokens": (JsonPath(_OUTPUT, ("usage", "inputTokens")),),
        "completion_tokens": (JsonPath(_OUTPUT, ("usage", "outputTokens")),),
        "total_tokens": (JsonPath(_OUTPUT, ("usage", "totalTokens")),),
        "cache_read_tokens": (JsonPath(_OUTPUT, ("usage", "cachedContentTokens")),),
        "reasoning_tokens": (JsonPath(_OUTPUT, ("usage", "thoughtsTokens")),),
        "conversation_id": ("genkit:sessionId",),
    },
    kinds=(KindRule("genkit:metadata:subtype", {
        "model": "llm", "tool": "tool", "tool.v2": "tool", "embedder": "embedding", "retriever": "retrieval",
        "indexer": "retrieval", "reranker": "retrieval", "flow": "chain", "prompt": "chain",
        "executable-prompt": "chain", "agent": "agent", "util": "other"}),
        KindRule("genkit:type", {"flow": "chain", "flowStep": "chain"})),
)
