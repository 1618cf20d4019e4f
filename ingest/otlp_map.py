"""``OtelSpan`` -> Spyglass wire span, through the instrumentation style tables in ``otel_styles``.

Each span field is read from the first style (in ``STYLES`` order) whose table names an attribute
the span carries; span events become derived values the tables read like attributes. The kind
comes from an attribute that names it, then from an attribute only one kind carries (a tool
name), then from the model: a span with a model is an LLM call. Attributes consumed by the
mapping are not repeated; the rest land in metadata. Pure.
"""

from __future__ import annotations

import json
import math
from typing import Any

from spyglass.ingest.otel_styles import STYLES, Attributes
from spyglass.ingest.otel_styles.messages import completion_text
from spyglass.ingest.otel_styles.table import Indexed, Messages, Reader, dumps
from spyglass.ingest.otlp_decode import OtelSpan

COUNT_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens", "cache_read_tokens", "cache_write_tokens",
                "reasoning_tokens")
TEXT_FIELDS = ("model", "provider", "conversation_id", "user_id", "prompt_name", "prompt_version")
MAPPED_FIELDS = ("model", "provider", "prompt", "completion", *COUNT_FIELDS, "cost", "conversation_id", "user_id",
                 "prompt_name", "prompt_version")


def _unquote(value: str) -> str:
    """A JSON string literal (MLflow encodes every value, Genkit a string input) -> its text."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            inner = json.loads(value)
            return inner if isinstance(inner, str) else value
        except ValueError:
            return value
    return value


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(_unquote(value)) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number >= 0 and number == int(number) else None


def _convert(field: str, value: Any) -> Any:
    """An attribute's value as the field's type; None when it cannot be one."""
    if field in COUNT_FIELDS:
        return _count(value)
    if field == "cost":
        try:
            cost = float(_unquote(value)) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            return None
        return cost if math.isfinite(cost) and cost >= 0 else None
    if field == "prompt" and isinstance(value, list) and value and all(
            isinstance(m, dict) and isinstance(m.get("content"), str) for m in value):
        return value  # already chat messages (derived from events)
    if field == "completion" and not isinstance(value, str):
        return completion_text(value) or dumps(value)
    return _unquote(value) if isinstance(value, str) else dumps(value)


def _read(reader: Reader, a: Attributes, field: str) -> Any:
    if isinstance(reader, str):
        value = a.get(reader)
        converted = None if value is None else _convert(field, value)
        if converted is not None:
            a.used.add(reader)
        return converted
    if isinstance(reader, (Messages, Indexed)):
        return reader.prompt(a) if field == "prompt" else reader.completion(a)
    value = reader.read(a)
    return None if value is None else _convert(field, value)


def map_fields(a: Attributes) -> dict[str, Any]:
    """Every mapped field the span carries, each from the first style and attribute that has it."""
    found: dict[str, Any] = {}
    for field in MAPPED_FIELDS:
        for style in STYLES:
            value = next((v for v in (_read(r, a, field) for r in style.fields.get(field, ())) if v is not None), None)
            if value is not None:
                found[field] = value
                break
    return found


def span_kind(a: Attributes, model: Any) -> str:
    """An attribute naming the kind, then one only a kind carries, then llm if there is a model."""
    for rules in ("kinds", "kind_hints"):
        for style in STYLES:
            for rule in getattr(style, rules):
                kind = rule.match(a)
                if kind:
                    return kind
    return "llm" if model else "other"


def _attributes(span: OtelSpan) -> Attributes:
    derived: dict[str, Any] = {}
    consumed: set[str] = set()
    for style in STYLES:
        if style.derive is not None:
            values, keys = style.derive(span.attributes, span.events)
            for key, value in values.items():
                derived.setdefault(key, value)
            consumed |= keys
    a = Attributes(span.attributes, derived)
    a.used |= consumed
    return a


def to_wire(span: OtelSpan, default_project: str = "default") -> dict[str, Any]:
    """Map one OpenTelemetry span onto the Spyglass wire format (validation happens downstream)."""
    res = Attributes(span.resource)
    a = _attributes(span)
    fields = map_fields(a)
    documents = [{"content": completion_text(d.get("document.content")) or "", "source": str(d.get("document.id", ""))}
                 for d in Indexed("retrieval.documents").items(a)]
    tags = a.take("tag.tags") or a.take("spyglass.tags")
    out: dict[str, Any] = {
        "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": span.parent_span_id or None,
        "project": str(a.take("spyglass.project") or res.take("spyglass.project") or default_project),
        "service": res.take("service.name"), "name": span.name or "span", "kind": span_kind(a, fields.get("model")),
        "start_time": span.start_ns / 1e9, "end_time": max(span.end_ns, span.start_ns) / 1e9,
        "status": {0: "unset", 1: "ok", 2: "error"}.get(span.status_code, "unset"),
        "error": (span.status_message or "error") if span.status_code == 2 else None,
        **fields,
        "context": documents or None,
        "tags": [str(t) for t in tags] if isinstance(tags, list) else None,
        "environment": res.take("deployment.environment.name") or res.take("deployment.environment"),
        "release": res.take("service.version"),
    }
    for key in ("service", "environment", "release"):
        if out[key] is not None:
            out[key] = dumps(out[key])
    metadata: dict[str, Any] = {}
    inline = a.take("metadata")  # OpenInference: a JSON object as text
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
