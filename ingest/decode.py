"""Pure decoding: Kafka record values -> validated span rows plus dead letters. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import orjson

from spyglass.sdk.wire import RecordError, SpanError, decode_record, validate_span


@dataclass(frozen=True)
class Source:
    """Where a record came from: enough to find it again in Kafka."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True)
class DeadLetter:
    """Something that cannot be stored, with the reason and the original bytes."""

    source: Source
    error: str
    payload: bytes
    field: str = ""
    span_id: str = ""

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers carrying the reason; the value stays the original payload."""
        return [("spyglass-error", self.error.encode()), ("spyglass-field", self.field.encode()),
                ("spyglass-span-id", self.span_id.encode()), ("spyglass-source", str(self.source).encode())]


@dataclass
class Decoded:
    """Rows ready for ClickHouse and the dead letters of the same records."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)


def decode_value(value: bytes | None, source: Source, out: Decoded) -> None:
    """Decode one record value into ``out``: each valid span a row, each invalid one a dead letter."""
    try:
        spans = decode_record(value, orjson.loads)
    except RecordError as exc:
        out.dead.append(DeadLetter(source, str(exc), value or b""))
        return
    rows = out.rows
    for span in spans:
        try:
            rows.append(validate_span(span))
        except SpanError as exc:
            out.dead.append(DeadLetter(source, exc.message, orjson.dumps(span, default=str),
                                       exc.field, exc.span_id or ""))


def decode_values(items: Iterable[tuple[bytes | None, Source]]) -> Decoded:
    """Decode many (value, source) pairs."""
    out = Decoded()
    for value, source in items:
        decode_value(value, source, out)
    return out
