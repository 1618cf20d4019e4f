"""Pure decoding: Kafka record values -> validated span rows plus dead letters. No I/O.

The functions here run in the consumer's decode process (see ``consumer.py``), so this module
imports only the wire format and orjson: the process starts fast and holds no broker or database.
"""

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
    encoded: EncodedRows | None = None  # ingest's decoder puts the rows here instead (see below)


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
    """Decode many (value, source) pairs; rows are dicts (the ``spans`` table's columns)."""
    out = Decoded()
    for value, source in items:
        decode_value(value, source, out)
    return out


@dataclass
class EncodedRows:
    """Validated spans ready for ClickHouse: one JSONEachRow body plus what de-duplication needs.

    Built in ingest's decode process: a few large objects cross the process boundary cheaply,
    where 20,000 row dicts or tuples would cost more to pickle than to decode.
    """

    body: bytes = b""
    ends: list[int] = field(default_factory=list)  # where each row's line ends in ``body``
    span_ids: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)  # distinct
    start_lo: float = 0.0  # earliest and latest start_time (epoch seconds)
    start_hi: float = 0.0

    def __len__(self) -> int:
        return len(self.span_ids)

    def lines(self, keep: list[int]) -> bytes:
        """The body with only the rows at positions ``keep`` (ascending)."""
        if len(keep) == len(self.span_ids):
            return self.body
        body, ends = self.body, self.ends
        return b"\n".join(body[(ends[i - 1] + 1 if i else 0):ends[i]] for i in keep)


def decode_for_insert(items: Iterable[tuple[bytes | None, Source]]) -> Decoded:
    """Like ``decode_values``, with the rows encoded for ClickHouse in ``Decoded.encoded``."""
    out = decode_values(items)
    rows, out.rows = out.rows, []
    lines = list(map(orjson.dumps, rows))
    ends, end = [], -1
    for line in lines:
        end += len(line) + 1
        ends.append(end)
    starts = [r["start_time"] for r in rows]
    out.encoded = EncodedRows(b"\n".join(lines), ends, [r["span_id"] for r in rows],
                              sorted({r["project"] for r in rows}), min(starts, default=0.0),
                              max(starts, default=0.0))
    return out
