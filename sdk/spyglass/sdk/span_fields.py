"""The span's fields, defined once: one table that ``validate_span`` enforces and ``json_schema()`` publishes.

Each field has a shape (``kind``) and its limits here; ``wire.validate_span`` reads its field groups
and limits from this table, and ``json_schema()`` writes the same rules as JSON Schema
(``docs/span.schema.json``). ``tests/unit/test_span_schema.py`` checks, property-based, that a span
the schema accepts is accepted by the validator and one it rejects is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = 1
SPAN_KINDS = ("llm", "chain", "retrieval", "tool", "agent", "embedding", "other")
STATUSES = ("ok", "error", "unset")

MAX_ID_CHARS = 128
MAX_NAME_CHARS = 1_000
MAX_TEXT_CHARS = 1_000_000  # prompt, completion, each context document
MAX_CONTEXT_DOCS = 256
MAX_TAGS = 64
MAX_METADATA_KEYS = 128
MAX_COUNT = 2**32 - 1  # token counts are UInt32 columns
MAX_EPOCH_S = 4_102_444_800  # 2100-01-01: epoch seconds beyond it are a unit mistake (ms, µs)
# RFC 3339 date-time, years 1970-2100; the offset may be left out (then UTC), as Python's isoformat() does
TIME_PATTERN = (r"^(19[7-9][0-9]|20[0-9][0-9]|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]"
                r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$")


@dataclass(frozen=True)
class SpanField:
    """One field of a span as sent: its shape, whether it is required, its limit, and what it means."""

    name: str
    kind: str  # id | label | enum | time | error | text | prompt | completion | count | cost | version
    #            | context | tags | metadata
    required: bool = False
    max_chars: int = MAX_NAME_CHARS
    choices: tuple[str, ...] = ()
    description: str = ""


FIELDS: tuple[SpanField, ...] = (
    SpanField("trace_id", "id", required=True, max_chars=MAX_ID_CHARS),
    SpanField("span_id", "id", required=True, max_chars=MAX_ID_CHARS,
              description="a span is (project, trace_id, span_id)"),
    SpanField("parent_span_id", "id", max_chars=MAX_ID_CHARS, description="empty or absent for a root span"),
    SpanField("project", "label", required=True),
    SpanField("service", "label"),
    SpanField("name", "label", required=True),
    SpanField("kind", "enum", choices=SPAN_KINDS, description="empty or absent means other"),
    SpanField("start_time", "time", required=True),
    SpanField("end_time", "time", description="absent means start_time; never before start_time"),
    SpanField("status", "enum", choices=STATUSES, description="empty or absent means error when error is set, else ok"),
    SpanField("error", "error", max_chars=MAX_TEXT_CHARS,
              description='a message, or {"type", "message"} stored as "type: message"'),
    SpanField("model", "label"),
    SpanField("provider", "label"),
    SpanField("prompt", "prompt", max_chars=MAX_TEXT_CHARS,
              description="text, or chat messages (strings or {role, content}); stored as text plus the messages"),
    SpanField("completion", "completion", max_chars=MAX_TEXT_CHARS, description="text or one chat message"),
    SpanField("prompt_tokens", "count"),
    SpanField("completion_tokens", "count"),
    SpanField("total_tokens", "count", description="absent or 0 means prompt + completion tokens"),
    SpanField("cache_read_tokens", "count",
              description="prompt tokens read from the provider's prompt cache (part of prompt_tokens)"),
    SpanField("cache_write_tokens", "count",
              description="prompt tokens written to the provider's prompt cache (part of prompt_tokens)"),
    SpanField("reasoning_tokens", "count", description="reasoning (thinking) tokens (part of completion_tokens)"),
    SpanField("cost", "cost", description="US dollars; when absent, ingest prices known models (metadata "
                                          "spyglass.price_version names the price table)"),
    SpanField("conversation_id", "label"),
    SpanField("user_id", "label"),
    SpanField("prompt_name", "label"),
    SpanField("prompt_version", "version"),
    SpanField("context", "context", max_chars=MAX_TEXT_CHARS,
              description='retrieved documents: strings or {"content", "source"}'),
    SpanField("tags", "tags"),
    SpanField("metadata", "metadata", description="strings and numbers; other values are stored as JSON text. "
                                                  "Unknown span fields join it and count toward its limit"),
    SpanField("environment", "label"),
    SpanField("release", "version"),
)

KNOWN_FIELDS = frozenset(f.name for f in FIELDS)


def names(kind: str, required: bool | None = None) -> tuple[str, ...]:
    """The names of the fields of one kind (and, when given, requiredness), in table order."""
    return tuple(f.name for f in FIELDS if f.kind == kind and (required is None or f.required == required))


def spec(name: str) -> SpanField:
    """The table's entry for ``name``."""
    return next(f for f in FIELDS if f.name == name)


# ---------------------------------------------------------------- JSON Schema

def _text(limit: int, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": limit}


def _message(limit: int) -> dict[str, Any]:
    part = {"type": ["string", "object"], "properties": {"text": {"type": "string"}}}
    return {"type": "object", "properties": {
        "role": {"type": ["string", "null"]},
        "content": {"anyOf": [_text(limit, nullable=True), {"type": "array", "items": part}]}}}


def _shape(f: SpanField) -> dict[str, Any]:
    """The JSON Schema of one field's value."""
    if f.kind in ("id", "label"):
        return {"type": "string", "minLength": 1, "maxLength": f.max_chars} if f.required else _text(f.max_chars, True)
    if f.kind == "enum":
        return {"enum": [*f.choices, "", None]}
    if f.kind == "time":
        moments = [{"type": "string", "pattern": TIME_PATTERN}, {"type": "number", "minimum": 0, "maximum": MAX_EPOCH_S}]
        return {"anyOf": moments if f.required else [*moments, {"type": "null"}]}
    if f.kind == "error":
        return {"anyOf": [_text(f.max_chars, True),
                          {"type": "object", "properties": {"type": {"type": "string"}, "message": {"type": "string"}}}]}
    if f.kind == "prompt":
        return {"anyOf": [_text(f.max_chars, True), {"type": "array", "items": {"anyOf": [
            {"type": "string"}, _message(f.max_chars)]}}]}
    if f.kind == "completion":
        return {"anyOf": [_text(f.max_chars, True), _message(f.max_chars)]}
    if f.kind == "count":
        return {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_COUNT}
    if f.kind == "cost":
        return {"type": ["number", "null"], "minimum": 0}
    if f.kind == "version":
        return {"type": ["string", "integer", "null"], "maxLength": f.max_chars}
    if f.kind == "context":
        document = {"type": "object", "required": ["content"],
                    "properties": {"content": {"type": "string", "maxLength": f.max_chars},
                                   "source": {"type": ["string", "null"]}}}
        return {"type": ["array", "null"], "maxItems": MAX_CONTEXT_DOCS,
                "items": {"anyOf": [{"type": "string", "maxLength": f.max_chars}, document]}}
    if f.kind == "tags":
        return {"type": ["array", "null"], "maxItems": MAX_TAGS, "items": {"type": "string", "maxLength": f.max_chars}}
    if f.kind == "metadata":
        return {"type": ["object", "null"], "maxProperties": MAX_METADATA_KEYS}
    raise AssertionError(f"no JSON Schema for field kind {f.kind!r}")


def span_schema() -> dict[str, Any]:
    """One span as JSON Schema, from the table."""
    properties = {}
    for f in FIELDS:
        shape = _shape(f)
        if f.description:
            shape["description"] = f.description
        properties[f.name] = shape
    return {
        "type": "object",
        "required": [f.name for f in FIELDS if f.required],
        "additionalProperties": True,
        "description": "Unknown fields are kept in metadata, not dropped. Two rules JSON Schema cannot say: "
                       "end_time is not before start_time, and a time string names a real calendar day.",
        "properties": properties,
    }


def json_schema() -> dict[str, Any]:
    """The wire format v1 as JSON Schema (draft 2020-12), published as docs/span.schema.json."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://spyglass.dev/schema/span-batch-v1.json",
        "title": "Spyglass span batch, wire format v1",
        "type": "object",
        "required": ["schema_version", "spans"],
        "properties": {"schema_version": {"const": SCHEMA_VERSION},
                       "spans": {"type": "array", "items": {"$ref": "#/$defs/span"}}},
        "$defs": {"span": span_schema()},
    }
