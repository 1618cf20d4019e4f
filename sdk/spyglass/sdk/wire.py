"""The span wire format, version 1: the one definition shared by the SDK, HTTP/OTLP ingest and ingest.

A Kafka record on ``spyglass.spans`` is a JSON object ``{"schema_version": 1, "spans": [...]}``
holding many spans; the producer compresses records (lz4). ``validate_span`` turns one span as
sent into the normalized row the ``spans`` table stores, or raises ``SpanError`` naming the field.
It is plain Python with no dependencies, because the SDK ships it too. Its fields and limits are the
one table in ``span_fields``, which also publishes them as JSON Schema (``docs/span.schema.json``).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any

from spyglass.sdk.span_fields import (FIELDS, KNOWN_FIELDS, MAX_CONTEXT_DOCS, MAX_COUNT, MAX_EPOCH_S, MAX_ID_CHARS,
                                      MAX_METADATA_KEYS, MAX_NAME_CHARS, MAX_TAGS, MAX_TEXT_CHARS, SCHEMA_VERSION,
                                      SPAN_KINDS, STATUSES, TIME_PATTERN, json_schema, names)

__all__ = ["KNOWN_FIELDS", "MAX_ID_CHARS", "MAX_NAME_CHARS", "MAX_RECORD_BYTES", "MAX_TEXT_CHARS", "SCHEMA_VERSION",
           "SPANS_TOPIC", "SPAN_KINDS", "STATUSES", "RecordError", "SpanError", "decode_record", "encode_record",
           "json_schema", "parse_time", "validate_span"]

SPANS_TOPIC = "spyglass.spans"  # the Kafka topic every span travels on (backend default too)
MAX_RECORD_BYTES = 16 * 1024 * 1024

_KINDS = frozenset(SPAN_KINDS)
_STATUSES = frozenset(STATUSES)
_TIME = re.compile(TIME_PATTERN)
# the field groups and limits of the one table in span_fields
_LIMIT = {f.name: f.max_chars for f in FIELDS}
_REQUIRED_STRINGS = names("id", required=True) + names("label", required=True)  # trace_id, span_id, project, name
_VERSION_FIELDS = names("version")  # strings, or integers kept as text
_SHORT_FIELDS = names("label", required=False) + _VERSION_FIELDS
# built once: json.dumps with options builds a new encoder on every call
_compact_json = json.JSONEncoder(separators=(",", ":"), default=str).encode
_json = json.JSONEncoder(default=str).encode


class SpanError(ValueError):
    """A span that breaks the wire format; ``field`` names the offending field."""

    def __init__(self, field: str, message: str, span_id: str | None = None) -> None:
        self.field = field
        self.message = message
        self.span_id = span_id
        where = f"span {span_id!r}: " if span_id else ""
        super().__init__(f"{where}{field}: {message}")

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "error": self.message, "span_id": self.span_id}


class RecordError(ValueError):
    """A Kafka record (or HTTP body) that is not a span batch at all."""


# ---------------------------------------------------------------- records

def encode_record(spans: list[dict[str, Any]]) -> bytes:
    """Encode a batch of spans as one record value (JSON; Kafka compresses it)."""
    return json.dumps({"schema_version": SCHEMA_VERSION, "spans": spans},
                      separators=(",", ":"), default=str).encode()


def decode_record(value: bytes, loads: Any = json.loads) -> list[Any]:
    """Decode one record value into its list of (unvalidated) spans; raise ``RecordError``.

    ``loads`` lets the backend pass a faster JSON parser (orjson.loads).
    """
    if value is None:
        raise RecordError("empty record (no value)")
    if len(value) > MAX_RECORD_BYTES:
        raise RecordError(f"record of {len(value)} bytes exceeds the {MAX_RECORD_BYTES}-byte limit")
    try:
        doc = loads(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RecordError(f"record is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise RecordError(f"record must be a JSON object, got {type(doc).__name__}")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise RecordError(f"unsupported schema_version {version!r}; this build reads {SCHEMA_VERSION}")
    spans = doc.get("spans")
    if not isinstance(spans, list):
        raise RecordError("record field 'spans' must be a list")
    return spans


# ---------------------------------------------------------------- time

def parse_time(value: Any, field: str) -> float:
    """RFC 3339 string (offset optional: UTC) or epoch seconds (int/float) -> epoch seconds as float."""
    if type(value) is float or type(value) is int:
        if not math.isfinite(value) or value < 0 or value > MAX_EPOCH_S:
            raise SpanError(field, f"epoch seconds {value!r} out of range (0 to {MAX_EPOCH_S})")
        return float(value)
    if isinstance(value, str):
        if not _TIME.fullmatch(value):  # the schema's pattern; fullmatch: "$" ends the input, as in JSON Schema
            raise SpanError(field, f"{value!r} is not an RFC 3339 time (years 1970-2100) or epoch seconds")
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise SpanError(field, f"{value!r} is not a real date and time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    raise SpanError(field, f"expected an RFC 3339 string or epoch seconds, got {type(value).__name__}")


# ---------------------------------------------------------------- fields

def _text(span: dict, field: str, limit: int, default: str = "") -> str:
    value = span.get(field)
    if value is None:
        return default
    if type(value) is not str:
        if field in _VERSION_FIELDS and _integral(value):
            return str(int(value))
        raise SpanError(field, f"expected a string, got {type(value).__name__}")
    if len(value) > limit:
        raise SpanError(field, f"{len(value)} characters exceeds the limit of {limit}")
    return value


def _integral(value: Any) -> bool:
    """An integer as JSON Schema counts them: 3 and 3.0, never true/false."""
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())


def _count(span: dict, field: str) -> int:
    value = span.get(field)
    if value is None:
        return 0
    if type(value) is not int:
        if not _integral(value):
            raise SpanError(field, f"expected a non-negative integer, got {value!r}")
        value = int(value)
    if value < 0 or value > MAX_COUNT:
        raise SpanError(field, f"expected a non-negative integer of at most {MAX_COUNT}, got {value!r}")
    return value


def _content_text(message: Any, where: str) -> str:
    if not isinstance(message, dict):
        raise SpanError(where, "a chat message must be an object with 'role' and 'content'")
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, list):  # multi-part content: keep the text parts
        return "".join(_part_text(p, f"{where}.content[{i}]") for i, p in enumerate(content))
    if not isinstance(content, str):
        raise SpanError(where, f"message content must be a string or list of parts, got {type(content).__name__}")
    return content


def _part_text(part: Any, where: str) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        raise SpanError(where, f"a content part must be a string or an object, got {type(part).__name__}")
    text = part.get("text", "")  # image and audio parts have none
    if not isinstance(text, str):
        raise SpanError(f"{where}.text", f"expected a string, got {type(text).__name__}")
    return text


def _message_text(message: Any, where: str) -> str:
    if isinstance(message, str):
        return message
    content = _content_text(message, where)
    role = message.get("role")
    if role is not None and not isinstance(role, str):
        raise SpanError(f"{where}.role", f"expected a string, got {type(role).__name__}")
    return f"{role}: {content}" if role else content


def _prompt(span: dict) -> tuple[str, str]:
    """Return (prompt text, chat messages as JSON or '')."""
    value = span.get("prompt")
    if value is None:
        return "", ""
    if type(value) is str:
        if len(value) > _LIMIT["prompt"]:
            raise SpanError("prompt", f"{len(value)} characters exceeds the limit of {_LIMIT['prompt']}")
        return value, ""
    if isinstance(value, list):
        text = "\n".join(_message_text(m, f"prompt[{i}]") for i, m in enumerate(value))
        if len(text) > _LIMIT["prompt"]:
            raise SpanError("prompt", f"{len(text)} characters exceeds the limit of {_LIMIT['prompt']}")
        return text, _compact_json(value)
    raise SpanError("prompt", f"expected a string or a list of chat messages, got {type(value).__name__}")


def _completion(span: dict) -> str:
    value = span.get("completion")
    if value is None:
        return ""
    if type(value) is not str:
        if not isinstance(value, dict):
            raise SpanError("completion", f"expected a string or a chat message, got {type(value).__name__}")
        value = _content_text(value, "completion")  # a single assistant message
    if len(value) > _LIMIT["completion"]:
        raise SpanError("completion", f"{len(value)} characters exceeds the limit of {_LIMIT['completion']}")
    return value


def _context(span: dict) -> tuple[list[str], list[str]]:
    value = span.get("context")
    if value is None:
        return [], []
    if not isinstance(value, list):
        raise SpanError("context", f"expected a list of documents, got {type(value).__name__}")
    if len(value) > MAX_CONTEXT_DOCS:
        raise SpanError("context", f"{len(value)} documents exceeds the limit of {MAX_CONTEXT_DOCS}")
    contents, sources = [], []
    for i, doc in enumerate(value):
        if isinstance(doc, str):
            content, source = doc, ""
        elif isinstance(doc, dict) and isinstance(doc.get("content"), str):
            content, source = doc["content"], doc.get("source")
            if source is None:
                source = ""
            elif not isinstance(source, str):
                raise SpanError(f"context[{i}].source", "expected a string")
        else:
            raise SpanError(f"context[{i}]", "a document must be a string or {\"content\", \"source\"}")
        if len(content) > _LIMIT["context"]:
            raise SpanError(f"context[{i}]", f"{len(content)} characters exceeds the limit of {_LIMIT['context']}")
        contents.append(content)
        sources.append(source)
    return contents, sources


def _tags(span: dict) -> list[str]:
    value = span.get("tags")
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_TAGS:
        raise SpanError("tags", f"expected a list of at most {MAX_TAGS} strings")
    for tag in value:
        if type(tag) is not str or len(tag) > _LIMIT["tags"]:
            raise SpanError("tags", f"tag {tag!r} is not a string of at most {_LIMIT['tags']} characters")
    return value


def _metadata(span: dict) -> tuple[dict[str, str], dict[str, float]]:
    """Split metadata into a string map and a numeric map; unknown span fields join it."""
    value = span.get("metadata")
    if value is None:
        value = {}
    elif not isinstance(value, dict):
        raise SpanError("metadata", f"expected an object, got {type(value).__name__}")
    extra = span.keys() - KNOWN_FIELDS  # a set difference in C: most spans have no unknown field
    if extra:
        value = {**value, **{k: span[k] for k in extra}}
    if len(value) > MAX_METADATA_KEYS:
        raise SpanError("metadata", f"{len(value)} keys exceeds the limit of {MAX_METADATA_KEYS}")
    strings: dict[str, str] = {}
    numbers: dict[str, float] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            strings[key] = item
        elif kind is bool:
            strings[key] = "true" if item else "false"
        elif (kind is int or kind is float) and math.isfinite(item):
            numbers[key] = float(item)
        else:
            strings[key] = _json(item)
    return strings, numbers


def _error(error: Any) -> str:
    """The error message: a string, or {"type", "message"} as "type: message"."""
    if isinstance(error, dict):
        kind, message = error.get("type", "Error"), error.get("message", "")
        if not isinstance(kind, str) or not isinstance(message, str):
            raise SpanError("error", "an error object's type and message must be strings")
        error = f"{kind}: {message}"
    elif not isinstance(error, str):
        raise SpanError("error", f"expected a string or an object, got {type(error).__name__}")
    if len(error) > _LIMIT["error"]:
        raise SpanError("error", f"{len(error)} characters exceeds the limit of {_LIMIT['error']}")
    return error


# ---------------------------------------------------------------- span

def validate_span(span: Any) -> dict[str, Any]:
    """Validate one span as sent and return its normalized row (the ``spans`` table's columns).

    Times come back as float epoch seconds, chat prompts as text plus JSON, metadata split into
    string and numeric maps. Raises ``SpanError`` naming the first bad field.
    """
    if not isinstance(span, dict):
        raise SpanError("span", f"expected an object, got {type(span).__name__}")
    span_id = span.get("span_id")
    try:
        for field in _REQUIRED_STRINGS:
            value = span.get(field)
            if type(value) is not str or not value or len(value) > _LIMIT[field]:
                raise SpanError(field, f"required: a non-empty string of at most {_LIMIT[field]} characters")
        parent = _text(span, "parent_span_id", _LIMIT["parent_span_id"])
        kind = span.get("kind")
        if kind is None or kind == "":
            kind = "other"
        elif type(kind) is not str or kind not in _KINDS:
            raise SpanError("kind", f"{kind!r} is not one of {', '.join(SPAN_KINDS)}")
        if "start_time" not in span:
            raise SpanError("start_time", "required: RFC 3339 string or epoch seconds")
        start = parse_time(span["start_time"], "start_time")
        end = parse_time(span["end_time"], "end_time") if span.get("end_time") is not None else start
        if end < start:
            raise SpanError("end_time", "is before start_time")
        error = span.get("error")
        error = "" if error is None else _error(error)
        status = span.get("status")
        if status is None or status == "":
            status = "error" if error else "ok"
        elif type(status) is not str or status not in _STATUSES:
            raise SpanError("status", f"{status!r} is not one of {', '.join(STATUSES)}")
        prompt, messages = _prompt(span)
        prompt_tokens = _count(span, "prompt_tokens")
        completion_tokens = _count(span, "completion_tokens")
        total_tokens = _count(span, "total_tokens") or prompt_tokens + completion_tokens
        cost = span.get("cost")
        if cost is None:
            cost = 0.0
        elif type(cost) not in (int, float) or not math.isfinite(cost) or cost < 0:
            raise SpanError("cost", f"expected a non-negative number, got {cost!r}")
        contents, sources = _context(span)
        strings, numbers = _metadata(span)
        row = {
            "project": span["project"], "trace_id": span["trace_id"], "span_id": span_id,
            "parent_span_id": parent, "name": span["name"], "kind": kind,
            "start_time": start, "end_time": end, "duration_ms": (end - start) * 1000.0,
            "status": status, "error": error,
            "prompt": prompt, "prompt_messages": messages, "completion": _completion(span),
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": total_tokens, "cost": float(cost),
            "cache_read_tokens": _count(span, "cache_read_tokens"),
            "cache_write_tokens": _count(span, "cache_write_tokens"),
            "reasoning_tokens": _count(span, "reasoning_tokens"),
            "context": contents, "context_sources": sources, "tags": _tags(span),
            "metadata": strings, "metadata_num": numbers,
        }
        for field in _SHORT_FIELDS:
            value = span.get(field)
            if value is None:
                row[field] = ""
            elif type(value) is str and len(value) <= _LIMIT[field]:
                row[field] = value
            else:  # the rules (and the error) in one place
                row[field] = _text(span, field, _LIMIT[field])
        return row
    except SpanError as exc:
        exc.span_id = span_id if isinstance(span_id, str) else None
        raise
