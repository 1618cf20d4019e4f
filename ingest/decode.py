"""Pure decoding: Kafka record values -> validated span rows plus dead letters. No I/O.

The functions here run in the consumer's decode process (see ``consumer.py``), so this module
imports only the wire format, the price table, orjson and msgspec: the process starts fast and
holds no broker or database. Spans sent without a cost are priced here (``prices.py``). A record
whose spans all have the common shape is decoded in C (``fast_decode.py``); any other goes
through ``validate_span`` span by span. Ingest's batches become a file of spans as sent (``insert_body.py``).
"""

from __future__ import annotations

import gc
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import orjson

from spyglass.ingest.fast_decode import fast_rows
from spyglass.ingest.prices import PriceTable, packaged_prices, price_row
from spyglass.ingest.insert_body import fast_body, rows_body, write_joined
from spyglass.sdk.wire import RecordError, SpanError, decode_record, validate_span


SpanKey = tuple[str, str, str]  # (project, trace_id, span_id)


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


# picks which of a record's spans to validate, each with its sampling weight (the evaluators under load)
Choose = Callable[[list[Any]], list[tuple[Any, float]]]


def decode_value(value: bytes | None, source: Source, out: Decoded, prices: PriceTable | None = None,
                 choose: Choose | None = None, fast: bool = True) -> None:
    """Decode one record value into ``out``: each valid span a row, each invalid one a dead letter.

    ``prices`` prices spans sent without a cost (default: the packaged table). ``choose``, given the
    record's unvalidated spans, returns those to decode with their weights; a weight other than 1
    goes into the row as ``sample_weight`` (the spans it stands for). ``fast=False``: the caller
    tried the fast path already.
    """
    prices = prices or packaged_prices()
    if choose is None and fast:
        rows = fast_rows(value, prices)
        if rows is not None:
            out.rows.extend(rows)
            return
    try:
        spans = decode_record(value, orjson.loads)
    except RecordError as exc:
        out.dead.append(DeadLetter(source, str(exc), value or b""))
        return
    rows = out.rows
    for span, weight in choose(spans) if choose is not None else ((span, 1.0) for span in spans):
        try:
            row = validate_span(span)
            price_row(row, span.get("cost"), prices)
            if weight != 1.0:
                row["sample_weight"] = weight
            rows.append(row)
        except SpanError as exc:
            out.dead.append(DeadLetter(source, exc.message, orjson.dumps(span, default=str),
                                       exc.field, exc.span_id or ""))


def decode_values(items: Iterable[tuple[bytes | None, Source]], prices: PriceTable | None = None,
                  choose: Choose | None = None) -> Decoded:
    """Decode many (value, source) pairs; rows are dicts (the ``spans`` table's columns)."""
    out = Decoded()
    for value, source in items:
        decode_value(value, source, out, prices, choose)
    return out


@dataclass
class EncodedRows:
    """Validated spans ready for ClickHouse: a file holding them as one JSON array of spans as sent
    (``insert_body.py``), plus what de-duplication and erasure need, in file order.

    Built in ingest's decode process; the spans stay in the file (see ``spool.py``), so only the
    span identities and a few numbers cross back to the consumer.
    """

    path: str
    keys: list[SpanKey] = field(default_factory=list)  # each span's identity
    users: list[str] = field(default_factory=list)  # each span's user id ("" for none)
    projects: list[str] = field(default_factory=list)  # distinct
    start_lo: float = 0.0  # earliest and latest start_time (epoch seconds)
    start_hi: float = 0.0
    digest: str = ""  # of the spans' identities: names the insert (its de-duplication token)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def span_ids(self) -> list[str]:
        return [key[2] for key in self.keys]

    def keep_only(self, keep: list[int]) -> None:
        """Rewrite the file with only the spans at positions ``keep`` (duplicates, erased users' spans)."""
        if len(keep) == len(self.keys):
            return
        if keep:
            with open(self.path, "rb") as file:
                spans = orjson.loads(file.read())
            body = orjson.dumps([spans[i] for i in keep])
        else:  # every span a duplicate (a topic re-read after the broker's retention): nothing to parse
            body = b"[]"
        with open(self.path, "wb") as file:
            file.write(body)
        self.keys = [self.keys[i] for i in keep]
        self.users = [self.users[i] for i in keep]
        self.digest = identity_digest(self.keys)

    def discard(self) -> None:
        """Remove the file (stored, or never to be stored)."""
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


@dataclass
class SpooledRecords:
    """A batch's record values in one spool file: the decode worker reads them from the page cache
    instead of through a pipe (pickling and piping ~28 MB per batch cost the consumer ~2 µs a span)."""

    path: str
    sources: list[Source]
    sizes: list[int]  # -1: a record without a value

    @classmethod
    def write(cls, items: list[tuple[bytes | None, Source]], spool: str) -> SpooledRecords:
        fd, path = tempfile.mkstemp(suffix=".records", dir=spool)
        with os.fdopen(fd, "wb") as file:
            for value, _ in items:
                if value:
                    file.write(value)
        return cls(path, [source for _, source in items], [-1 if v is None else len(v) for v, _ in items])

    def read(self) -> list[tuple[bytes | None, Source]]:
        """The (value, source) pairs; the file is removed."""
        with open(self.path, "rb") as file:
            data = file.read()
        os.unlink(self.path)
        items, at = [], 0
        for size, source in zip(self.sizes, self.sources):
            items.append((None if size < 0 else data[at:at + size], source))
            at += max(size, 0)
        return items


def decode_for_insert(items: Iterable[tuple[bytes | None, Source]] | SpooledRecords, spool: str,
                      prices: PriceTable | None = None) -> Decoded:
    """Like ``decode_values``, with the spans written to a file in ``spool`` (``Decoded.encoded``).

    A record msgspec takes whole goes into it as sent (``fast_body``); any other goes the Python
    way: its valid spans' rows (``rows_body``), its invalid ones dead letters.
    """
    if isinstance(items, SpooledRecords):
        items = items.read()
    prices = prices or packaged_prices()
    out = Decoded()
    arrays: list[bytes] = []
    keys: list[SpanKey] = []
    users: list[str] = []
    starts: list[float] = []
    for value, source in items:
        body = fast_body(value, prices)
        if body is not None:
            arrays.append(body.json)
            keys += body.keys
            users += body.users
            starts += body.starts
            continue
        decode_value(value, source, out, prices, fast=False)
        rows, out.rows = out.rows, []
        if rows:
            arrays.append(rows_body(rows))
            keys += [span_key(row) for row in rows]
            users += [row["user_id"] for row in rows]
            starts += [row["start_time"] for row in rows]
    fd, path = tempfile.mkstemp(suffix=".json", dir=spool)
    with os.fdopen(fd, "wb") as file:
        write_joined(file, arrays)
    out.encoded = EncodedRows(path, keys, users, sorted({key[0] for key in keys}),
                              min(starts, default=0.0), max(starts, default=0.0), identity_digest(keys))
    return out


def warm_up() -> None:
    """Ready a decode worker process before its first batch (``DecodePool``'s setup): this module and
    its imports loaded, the price table read. Decoding makes no reference cycles: the cycle collector
    would only rescan each batch's objects, so it is turned off."""
    packaged_prices()
    gc.disable()


def span_key(row: dict[str, Any]) -> SpanKey:
    """A span's identity: span ids are unique only within a trace, trace ids only within a project."""
    return row["project"], row["trace_id"], row["span_id"]


def identity_digest(keys: list[SpanKey]) -> str:
    """A digest of the spans an insert holds: the same spans give the same digest on any broker, at
    any offset. Identities, not bytes: a span is one span whatever its content (ingest drops a
    second copy by identity anyway), and hashing the identities costs a fiftieth of the rows' bytes."""
    return hashlib.blake2b(orjson.dumps(keys), digest_size=16).hexdigest()
