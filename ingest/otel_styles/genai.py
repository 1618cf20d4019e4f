"""OpenTelemetry GenAI semantic conventions (``gen_ai.*``, attributes and span events).

Covers the current conventions (``gen_ai.input.messages``, ``gen_ai.system_instructions``,
the ``gen_ai.client.inference.operation.details`` event, tool-call attributes, cache and
reasoning counts) and the older ones still emitted (``gen_ai.prompt`` / ``gen_ai.completion``,
the ``gen_ai.content.*`` events, the per-message events ``gen_ai.{system,user,assistant,tool}.message``
and ``gen_ai.choice``). ``session.id`` (OTel's session attribute, also OpenInference's) wins over
``gen_ai.conversation.id``: it is what apps set on purpose, the other is often a framework's own id.
"""

from __future__ import annotations

from typing import Any

from spyglass.ingest.otel_styles.messages import completion_text, content_text, parse_json
from spyglass.ingest.otel_styles.table import Indexed, KindRule, Messages, Style

_MESSAGE_EVENTS = {"gen_ai.system.message": "system", "gen_ai.user.message": "user",
                   "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool"}
_DETAILS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")


def read_events(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """GenAI span events -> derived values: ``event:messages`` (prompt), ``event:choice``, the
    inference-details event's attributes under their own names, the old content events."""
    derived: dict[str, Any] = {}
    messages, choices = [], []
    for name, attrs in events:
        if name == "gen_ai.client.inference.operation.details":
            for key in _DETAILS:
                if attrs.get(key) not in (None, ""):
                    derived.setdefault(key, attrs[key])
        elif name in _MESSAGE_EVENTS:
            body = parse_json(attrs.get("content"))
            messages.append({"role": str(attrs.get("role") or _MESSAGE_EVENTS[name]), "content": content_text(body)})
        elif name == "gen_ai.choice":
            text = completion_text(attrs.get("message", attrs.get("content")))
            if text is not None:
                choices.append(text)
        elif name == "gen_ai.content.prompt" and "gen_ai.prompt" in attrs:
            derived["event:gen_ai.prompt"] = attrs["gen_ai.prompt"]
        elif name == "gen_ai.content.completion" and "gen_ai.completion" in attrs:
            derived["event:gen_ai.completion"] = attrs["gen_ai.completion"]
    if messages:
        derived["event:messages"] = messages
    if choices:
        derived["event:choice"] = "\n".join(choices)
    return derived


def _derive(attrs: dict[str, Any], events: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], set[str]]:
    return read_events(events), set()


GENAI = Style(
    name="OpenTelemetry GenAI semantic conventions",
    libraries=("opentelemetry-instrumentation-openai-v2 / -google-genai / -vertexai (semconv 1.28-1.38)",
               "OpenLit 1.x", "Semantic Kernel (.NET 1.x, Python 1.x)", "Google ADK 1.x (gen_ai.* part)",
               "LiteLLM OpenTelemetry callback", "Vercel AI SDK 7 (gen_ai.* attributes)", "Pydantic AI >= 1.0"),
    fields={
        "model": ("gen_ai.response.model", "gen_ai.request.model"),
        "provider": ("gen_ai.provider.name", "gen_ai.system"),
        "prompt": (Messages("gen_ai.input.messages", system="gen_ai.system_instructions"), Indexed("gen_ai.prompt"),
                   "gen_ai.tool.call.arguments", "event:messages", "event:gen_ai.prompt", "gen_ai.prompt"),
        "completion": (Messages("gen_ai.output.messages"), Indexed("gen_ai.completion"), "gen_ai.tool.call.result",
                       "event:choice", "event:gen_ai.completion", "gen_ai.completion"),
        "prompt_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
        "completion_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
        "total_tokens": ("gen_ai.usage.total_tokens",),
        "cache_read_tokens": ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"),
        "cache_write_tokens": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
        "reasoning_tokens": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens",
                             "gen_ai.usage.experimental.reasoning_tokens"),
        "cost": ("gen_ai.usage.cost",),
        "conversation_id": ("session.id", "gen_ai.conversation.id"),
        "user_id": ("user.id", "enduser.id"),
        "prompt_name": ("gen_ai.prompt.name",),
        "prompt_version": ("gen_ai.prompt.version",),
    },
    kinds=(KindRule("gen_ai.operation.name", {
        "chat": "llm", "text_completion": "llm", "generate_content": "llm", "embeddings": "embedding",
        "execute_tool": "tool", "invoke_agent": "agent", "create_agent": "agent", "invoke_workflow": "chain"}),),
    kind_hints=(KindRule("gen_ai.tool.name", kind="tool"), KindRule("gen_ai.tool.call.arguments", kind="tool")),
    derive=_derive,
)
