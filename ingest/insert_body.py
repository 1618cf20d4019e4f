"""The body of ingest's insert: spans as they were sent, each with what Python decided; ClickHouse maps them.

The body is one JSON array of span objects, in the wire format's field names (re-encoded by
msgspec: one spelling of every value, no repeated keys). Each carries one more field,
``_decided``: ``[start_time, end_time, duration_ms, cost, price_version, prompt, prompt_messages,
completion]``, the last three null unless a chat message had to be flattened. ClickHouse parses
the array and maps the rest (defaults, status, total tokens, documents, metadata split into
strings and numbers) in SQL: ``storage.spans.SENT_SPANS_SQL``.

Python spends ~6 µs per span here instead of ~14 µs building row dicts, and ClickHouse parses
this body for less than it parses those rows (``bench/ingest_paths.py``). ``fast_body`` takes a
record only when msgspec validated all of it (``fast_decode.py``); any other record's rows, from
the Python path, become span objects by ``rows_body``. Either way the stored row equals
``validate_span`` + ``price_row``'s: ``tests/integration/test_insert_body.py`` checks it through
chDB, property-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

import msgspec
import orjson

from spyglass.ingest.fast_decode import chat_prompt, decode_fast_record
from spyglass.ingest.prices import PRICE_VERSION_KEY, PriceTable, price_of, span_cost
from spyglass.sdk import wire

_encode = msgspec.json.Encoder().encode


@dataclass
class Body:
    """A record's spans as a JSON array, with each span's identity, user and start (for
    de-duplication and erasure)."""

    json: bytes
    keys: list[tuple[str, str, str]]
    users: list[str]
    starts: list[float]


def fast_body(value: bytes | None, prices: PriceTable) -> Body | None:
    """The body of a record whose spans are all in the common shape; None: decode it the Python way."""
    try:
        record = decode_fast_record(value)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if record is None:
        return None
    keys, users, starts = [], [], []
    try:
        for s in record.spans:
            if s.decided is not msgspec.UNSET:
                return None  # a sender's own "_decided" field: the Python path puts it in the metadata
            start = s.start_time
            end = start if s.end_time is None else s.end_time
            if end < start:
                return None  # the Python path writes its dead letter
            if s.metadata and not _small_numbers(s.metadata):
                return None
            cost, version = s.cost, ""
            if cost is None:
                cost, version = _price(s, prices)
                if version and s.metadata and PRICE_VERSION_KEY in s.metadata:
                    return None  # the Python path overwrites the sender's key in place
            prompt = messages = completion = None
            if type(s.prompt) is list:
                prompt, messages = chat_prompt(s.prompt)
                s.prompt = None
            if s.completion is not None and type(s.completion) is not str:
                completion = wire._completion({"completion": s.completion})
                s.completion = None
            s.decided = (start, end, (end - start) * 1000.0, cost, version, prompt, messages, completion)
            keys.append((s.project, s.trace_id, s.span_id))
            users.append(s.user_id or "")
            starts.append(start)
    except (wire.SpanError, orjson.JSONDecodeError):
        return None
    return Body(_encode(record.spans), keys, users, starts)


def _small_numbers(metadata: dict[str, Any]) -> bool:
    """No integer beyond 64 bits among the values: ClickHouse's JSON functions read those as text."""
    return all(type(v) is not int or -2**63 <= v < 2**63 for v in metadata.values())


def _price(s: Any, prices: PriceTable) -> tuple[float, str]:
    """``price_row``'s cost and price version for a span sent without a cost."""
    tokens = {"prompt_tokens": s.prompt_tokens or 0, "completion_tokens": s.completion_tokens or 0,
              "cache_read_tokens": s.cache_read_tokens or 0, "cache_write_tokens": s.cache_write_tokens or 0}
    price = price_of(s.model, s.kind, tokens, prices)
    return (0.0, "") if price is None else (span_cost(tokens, price), price.version)


# the row fields a span object carries as they are (the rest: ``rows_body`` below)
_PLAIN = ("project", "trace_id", "span_id", "parent_span_id", "service", "name", "kind", "status", "error", "model",
          "provider", "prompt_tokens", "completion_tokens", "total_tokens", "cache_read_tokens",
          "cache_write_tokens", "reasoning_tokens", "conversation_id", "user_id", "prompt_name", "prompt_version",
          "environment", "release", "tags")


def rows_body(rows: list[dict[str, Any]]) -> bytes:
    """A JSON array of span objects for rows the Python path validated and priced: stored as they are."""
    spans = []
    for row in rows:
        span = {name: row[name] for name in _PLAIN}
        span["context"] = [{"content": c, "source": s} for c, s in zip(row["context"], row["context_sources"])]
        span["metadata"] = orjson.Fragment(_metadata_object(row["metadata"], row["metadata_num"]))
        span["_decided"] = (row["start_time"], row["end_time"], row["duration_ms"], row["cost"], "", row["prompt"],
                            row["prompt_messages"], row["completion"])
        spans.append(span)
    return orjson.dumps(spans)


def _metadata_object(strings: dict[str, str], numbers: dict[str, float]) -> bytes:
    """One JSON object with the strings, then the numbers: the SQL splits it by the values' JSON types.
    A key may be in both (a sender's number under the price version key): the object then repeats it."""
    if not numbers:
        return orjson.dumps(strings)
    if not strings:
        return orjson.dumps(numbers)
    return orjson.dumps(strings)[:-1] + b"," + orjson.dumps(numbers)[1:]


def write_joined(file: BinaryIO, arrays: list[bytes]) -> None:
    """Write JSON arrays (``Body.json``, ``rows_body``) to ``file`` as one array, without copying them."""
    file.write(b"[")
    first = True
    for array in arrays:
        if len(array) > 2:
            if not first:
                file.write(b",")
            file.write(memoryview(array)[1:-1])
            first = False
    file.write(b"]")
