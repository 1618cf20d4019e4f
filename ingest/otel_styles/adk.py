"""Google ADK: ``gen_ai.*`` (read by the GenAI table) plus the request, response and tool
payloads as JSON in ``gcp.vertex.agent.*`` (Gemini's ``contents`` / ``parts`` shapes)."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import JsonPath, Messages, Style

_REQUEST, _RESPONSE = "gcp.vertex.agent.llm_request", "gcp.vertex.agent.llm_response"

ADK = Style(
    name="Google ADK",
    libraries=("google-adk (Python) 1.x", "adk-java 0.x"),
    fields={
        "model": (JsonPath(_REQUEST, ("model",)),),
        "prompt": (Messages(_REQUEST), "gcp.vertex.agent.tool_call_args"),
        "completion": (Messages(_RESPONSE), "gcp.vertex.agent.tool_response"),
        "prompt_tokens": (JsonPath(_RESPONSE, ("usage_metadata", "prompt_token_count")),),
        "completion_tokens": (JsonPath(_RESPONSE, ("usage_metadata", "candidates_token_count")),),
        "total_tokens": (JsonPath(_RESPONSE, ("usage_metadata", "total_token_count")),),
        "cache_read_tokens": (JsonPath(_RESPONSE, ("usage_metadata", "cached_content_token_count")),),
        "reasoning_tokens": (JsonPath(_RESPONSE, ("usage_metadata", "thoughts_token_count")),),
        "conversation_id": ("gcp.vertex.agent.session_id",),
    },
)
