"""The decode's fast path: a record of spans in the common shape decoded and checked in C (msgspec).

Ingest uses it for every record (``insert_body.py``), the evaluator group while it reads every span
(on target).

``wire.validate_span`` is the rule; this is a shortcut that gives the same rows for the spans it
takes. msgspec decodes a record straight into ``FastSpan`` structs built from the wire field
table (types, lengths, ranges, enumerations checked as it parses), and the row is filled in
from them. Chat messages are kept raw and go through orjson and the wire format's own helper,
so their stored JSON is the Python path's to the byte; metadata goes through its helper too.

A record the fast path does not take whole goes the Python way (``decode.decode_value``), which
gives each span's row or its dead letter with the exact reason: any invalid span, and any valid
but unusual one (RFC 3339 times, an error object, 3.0 as a count, ``""`` as the kind or status,
null or a nested value in the metadata, an unknown field that joins the metadata). So dead
letters and their reasons never come from here. ``tests/unit/test_fast_decode.py`` checks,
property-based, that whenever the fast path takes a record both paths give equal rows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
import orjson

from spyglass.ingest.prices import PriceTable, price_row
from spyglass.sdk import wire
from spyglass.sdk.span_fields import (FIELDS, MAX_CONTEXT_DOCS, MAX_COUNT, MAX_EPOCH_S, MAX_TAGS, MAX_TEXT_CHARS,
                                      SCHEMA_VERSION, SpanField)

_INT64 = Annotated[int, msgspec.Meta(ge=-2**63, le=2**63 - 1)]  # beyond 64 bits orjson reads a float: Python path


class Document(msgspec.Struct, omit_defaults=True):
    content: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]
    source: str | None = None


def _field_type(f: SpanField) -> tuple[Any, Any]:
    """(type, default) that msgspec accepts only for values the wire format takes as they are."""
    text = Annotated[str, msgspec.Meta(min_length=1 if f.required else 0, max_length=f.max_chars)]
    shapes: dict[str, Any] = {
        "id": text, "label": text, "error": text,  # an error object: the Python path
        "enum": Literal[f.choices],  # "" or null: the Python path applies the default
        "time": Annotated[float, msgspec.Meta(ge=0, le=MAX_EPOCH_S)],  # RFC 3339 strings: the Python path
        "completion": text | dict[str, Any],  # a chat message's texts only reach the row
        "count": Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)],
        "cost": Annotated[float, msgspec.Meta(ge=0)],
        "version": text | _INT64,
        # chat messages: parsed by orjson and serialized by the wire format, as the Python path does
        "prompt": text | list[msgspec.Raw],
        "context": Annotated[list[Annotated[str, msgspec.Meta(max_length=f.max_chars)] | Document],
                             msgspec.Meta(max_length=MAX_CONTEXT_DOCS)],
        "tags": Annotated[list[text], msgspec.Meta(max_length=MAX_TAGS)],
        "metadata": dict[str, str | int | float | bool],  # null or a nested value: the Python path
    }
    shape = shapes[f.kind]
    return (shape, msgspec.NODEFAULT) if f.required else (shape | None, None)


# ``decided``: not a wire field; ingest's Python sets it before re-encoding the span (``insert_body.py``)
# (UNSET by default, so that a sender's own "_decided", even null, is not taken: the Python path's)
_DECIDED = ("decided", tuple | msgspec.UnsetType, msgspec.field(default=msgspec.UNSET, name="_decided"))
FastSpan = msgspec.defstruct("FastSpan", [(f.name, *_field_type(f)) for f in FIELDS] + [_DECIDED],
                             kw_only=True, forbid_unknown_fields=True,  # unknown fields join the metadata: Python path
                             omit_defaults=True)  # insert_body.py re-encodes spans: absent values stay out


class FastRecord(msgspec.Struct):
    schema_version: Any
    spans: list[FastSpan]  # type: ignore[valid-type]


_decoder = msgspec.json.Decoder(FastRecord)


def decode_fast_record(value: bytes | None) -> FastRecord | None:
    """The record, if its spans are all in the common shape and its version is this one's; None: the
    Python path's. Raises msgspec's errors for a record it does not take."""
    if value is None or len(value) > wire.MAX_RECORD_BYTES:
        return None
    record = _decoder.decode(value)
    if type(record.schema_version) is not int or record.schema_version != SCHEMA_VERSION:
        return None
    return record


def fast_rows(value: bytes | None, prices: PriceTable) -> list[dict[str, Any]] | None:
    """The rows of a record whose spans are all in the common shape, priced like the Python path's;
    None: decode it the Python way."""
    try:
        record = decode_fast_record(value)
        if record is None:
            return None
        rows = [_row(span) for span in record.spans]
    except (msgspec.ValidationError, msgspec.DecodeError, wire.SpanError, orjson.JSONDecodeError):
        return None
    for row, span in zip(rows, record.spans):
        price_row(row, span.cost, prices)
    return rows


def chat_prompt(messages: list[msgspec.Raw]) -> tuple[str, str]:
    """A prompt of chat messages as the wire format flattens it: (text, the messages as JSON)."""
    return wire._prompt({"prompt": orjson.loads(b"[" + b",".join(messages) + b"]")})


def _row(s: Any) -> dict[str, Any]:
    """``validate_span``'s row for a span msgspec took; raises ``SpanError`` for the Python path."""
    if s.decided is not msgspec.UNSET:
        raise wire.SpanError("_decided", "a sender's own field: the Python path puts it in the metadata")
    start = s.start_time
    end = start if s.end_time is None else s.end_time
    if end < start:
        raise wire.SpanError("end_time", "is before start_time")
    error = s.error or ""
    prompt, messages = s.prompt, ""
    if prompt is None:
        prompt = ""
    elif type(prompt) is list:  # also [], which stores "[]" as its messages
        prompt, messages = chat_prompt(prompt)
    prompt_tokens, completion_tokens = s.prompt_tokens or 0, s.completion_tokens or 0
    completion = s.completion
    if completion is None:
        completion = ""
    elif type(completion) is not str:
        completion = wire._completion({"completion": completion})
    documents = s.context or ()
    contents = [d if type(d) is str else d.content for d in documents]
    sources = ["" if type(d) is str else d.source or "" for d in documents]
    strings, numbers = wire._metadata({"metadata": s.metadata})
    return {
        "project": s.project, "trace_id": s.trace_id, "span_id": s.span_id,
        "parent_span_id": s.parent_span_id or "", "name": s.name, "kind": s.kind or "other",
        "start_time": start, "end_time": end, "duration_ms": (end - start) * 1000.0,
        "status": s.status or ("error" if error else "ok"), "error": error,
        "prompt": prompt, "prompt_messages": messages, "completion": completion,
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "total_tokens": s.total_tokens or prompt_tokens + completion_tokens,
        "cost": 0.0 if s.cost is None else s.cost,
        "cache_read_tokens": s.cache_read_tokens or 0, "cache_write_tokens": s.cache_write_tokens or 0,
        "reasoning_tokens": s.reasoning_tokens or 0,
        "context": contents, "context_sources": sources, "tags": s.tags or [],
        "metadata": strings, "metadata_num": numbers,
        "service": s.service or "", "model": s.model or "", "provider": s.provider or "",
        "conversation_id": s.conversation_id or "", "user_id": s.user_id or "", "prompt_name": s.prompt_name or "",
        "environment": s.environment or "", "prompt_version": _version(s.prompt_version), "release": _version(s.release),
    }


def _version(value: Any) -> str:
    if value is None:
        return ""
    return value if type(value) is str else str(value)
