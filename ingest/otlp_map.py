"""``OtelSpan`` -> Spyglass wire span: OpenTelemetry GenAI semantic conventions (``gen_ai.*``,
including OpenLLMetry's indexed prompts) and OpenInference (``llm.*``, ``input.value``,
``retrieval.documents``...). Attributes consumed by the mapping are not repeated; the rest land
in metadata. Pure.
"""

from __future__ import annotations

import json
import re
from typing import Any

from spyglass.ingest.otlp_decode import OtelSpan

_OPENINFERENCE_KINDS = {"LLM": "llm", "CHAIN": "chain", "RETRIEVER": "retrieval", "TOOL": "tool",
                        "AGENT": "agent", "EMBEDDING": "embedding", "RERANKER": "retrieval"}
_GENAI_OPERATIONS = {"chat": "llm", "text_completion": "llm", "generate_content": "llm", "embeddings": "embedding",
                     "execute_tool": "tool", "invoke_agent": "agent", "create_agent": "agent"}
_INDEXED = re.compile(r"^(gen_ai\.prompt|gen_ai\.completion|llm\.input_messages|llm\.output_messages|"
                      r"retrieval\.documents)\.(\d+)\.(.+)$")


class _Attrs:
    """Attribute lookup that remembers what it consumed."""

    def __init__(self, attrs: dict[str, Any]) -> None:
        self.attrs = attrs
        self.used: set[str] = set()

    def first(self, *keys: str) -> Any:
        for key in keys:
            if key in self.attrs and self.attrs[key] not in (None, ""):
                self.used.add(key)
                return self.attrs[key]
        return None

    def indexed(self, prefix: str) -> list[dict[str, Any]]:
        """``prefix.0.a``, ``prefix.0.b``, ``prefix.1.a`` -> [{"a":..,"b":..}, {"a":..}] in index order."""
        items: dict[int, dict[str, Any]] = {}
        for key, value in self.attrs.items():
            match = _INDEXED.match(key)
            if match and match.group(1) == prefix:
                items.setdefault(int(match.group(2)), {})[match.group(3)] = value
                self.used.add(key)
        return [items[i] for i in sorted(items)]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _messages(items: list[dict[str, Any]], role: str, content: str) -> list[dict[str, str]]:
    return [{"role": str(m.get(role, "")), "content": _text(m.get(content)) or ""} for m in items]


def _json_messages(value: Any) -> list[dict[str, Any]] | None:
    """gen_ai.input.messages / output.messages: JSON text of [{"role", "parts": [{"type":"text","content"}]}]."""
    try:
        messages = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    if not isinstance(messages, list):
        return None
    out = []
    for m in messages:
        if not isinstance(m, dict):
            continue
        parts = m.get("parts")
        if isinstance(parts, list):
            text = "".join(str(p.get("content", "")) for p in parts if isinstance(p, dict) and p.get("type") == "text")
        else:
            text = _text(m.get("content")) or ""
        out.append({"role": str(m.get("role", "")), "content": text})
    return out


def _prompt(a: _Attrs, events: list[tuple[str, dict[str, Any]]]) -> Any:
    messages = (_json_messages(a.first("gen_ai.input.messages"))
                or _messages(a.indexed("gen_ai.prompt"), "role", "content")
                or _messages(a.indexed("llm.input_messages"), "message.role", "message.content"))
    if messages:
        return messages
    for name, attrs in events:
        if name == "gen_ai.content.prompt" and "gen_ai.prompt" in attrs:
            return _text(attrs["gen_ai.prompt"])
    return _text(a.first("gen_ai.prompt", "input.value"))


def _completion(a: _Attrs, events: list[tuple[str, dict[str, Any]]]) -> str | None:
    messages = (_json_messages(a.first("gen_ai.output.messages"))
                or _messages(a.indexed("gen_ai.completion"), "role", "content")
                or _messages(a.indexed("llm.output_messages"), "message.role", "message.content"))
    if messages:
        return "\n".join(m["content"] for m in messages)
    for name, attrs in events:
        if name == "gen_ai.content.completion" and "gen_ai.completion" in attrs:
            return _text(attrs["gen_ai.completion"])
    return _text(a.first("gen_ai.completion", "output.value"))


def _kind(a: _Attrs) -> str:
    kind = a.first("spyglass.kind")
    if kind:
        return str(kind)
    inference = a.first("openinference.span.kind")
    if inference:
        return _OPENINFERENCE_KINDS.get(str(inference).upper(), "other")
    operation = a.first("gen_ai.operation.name")
    if operation:
        return _GENAI_OPERATIONS.get(str(operation), "other")
    return "llm" if "gen_ai.request.model" in a.attrs or "llm.model_name" in a.attrs else "other"


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def to_wire(span: OtelSpan, default_project: str = "default") -> dict[str, Any]:
    """Map one OpenTelemetry span onto the Spyglass wire format (validation happens downstream)."""
    res = _Attrs(span.resource)
    a = _Attrs(span.attributes)
    documents = [{"content": _text(d.get("document.content")) or "", "source": str(d.get("document.id", ""))}
                 for d in a.indexed("retrieval.documents")]
    tags = a.first("tag.tags", "spyglass.tags")
    out: dict[str, Any] = {
        "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": span.parent_span_id or None,
        "project": str(a.first("spyglass.project") or res.first("spyglass.project") or default_project),
        "service": _text(res.first("service.name")), "name": span.name or "span", "kind": _kind(a),
        "start_time": span.start_ns / 1e9, "end_time": max(span.end_ns, span.start_ns) / 1e9,
        "status": {0: "unset", 1: "ok", 2: "error"}.get(span.status_code, "unset"),
        "error": (span.status_message or "error") if span.status_code == 2 else None,
        "model": _text(a.first("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")),
        "provider": _text(a.first("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")),
        "prompt": _prompt(a, span.events), "completion": _completion(a, span.events),
        "prompt_tokens": _int(a.first("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                                      "llm.token_count.prompt")),
        "completion_tokens": _int(a.first("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                                          "llm.token_count.completion")),
        "total_tokens": _int(a.first("llm.token_count.total", "gen_ai.usage.total_tokens")),
        "cost": a.first("gen_ai.usage.cost", "llm.cost.total", "spyglass.cost"),
        "conversation_id": _text(a.first("gen_ai.conversation.id", "session.id")),
        "user_id": _text(a.first("user.id", "enduser.id")),
        "prompt_name": _text(a.first("gen_ai.prompt.name", "llm.prompt_template.name")),
        "prompt_version": _text(a.first("llm.prompt_template.version", "gen_ai.prompt.version")),
        "context": documents or None,
        "tags": [str(t) for t in tags] if isinstance(tags, list) else None,
        "environment": _text(res.first("deployment.environment.name", "deployment.environment")),
        "release": _text(res.first("service.version")),
    }
    metadata: dict[str, Any] = {}
    inline = a.first("metadata")  # OpenInference: a JSON object as text
    if isinstance(inline, str):
        try:
            parsed = json.loads(inline)
            metadata.update(parsed if isinstance(parsed, dict) else {"metadata": inline})
        except ValueError:
            metadata["metadata"] = inline
    for key, value in span.attributes.items():
        if key not in a.used:
            metadata[key] = value if isinstance(value, (str, int, float, bool)) else json.dumps(value)
    if span.scope:
        metadata["otel.scope"] = span.scope
    out["metadata"] = metadata
    return {k: v for k, v in out.items() if v is not None}
