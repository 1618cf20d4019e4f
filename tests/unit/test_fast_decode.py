"""Ingest's fast path (msgspec) gives the Python path's rows, or leaves the record to it.

For every record: either ``fast_rows`` returns None (the Python path decodes it, dead letters
and all), or it returns exactly the rows ``validate_span`` + ``price_row`` give, span by span.
Spans come from the same generators as the wire format's own property tests (every field with
edge values, arbitrary JSON, schema-valid spans), from the benchmarks' realistic traffic, and
from hand-picked cases where msgspec and orjson read JSON differently.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import test_span_schema as cases  # the wire format's generators (this folder)
from spyglass.ingest.decode import Decoded, Source, decode_value
from spyglass.ingest.fast_decode import FastSpan, fast_rows
from spyglass.ingest.prices import packaged_prices, price_row
from spyglass.sdk.span_fields import KNOWN_FIELDS
from spyglass.sdk.wire import SpanError, validate_span

PRICES = packaged_prices()
BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")


def python_rows(spans: list[Any]) -> list[dict[str, Any]] | None:
    """The Python path's rows, or None when it dead-letters any span of the record."""
    rows = []
    for span in spans:
        try:
            row = validate_span(span)
        except SpanError:
            return None
        price_row(row, span.get("cost"), PRICES)
        rows.append(row)
    return rows


def record(spans: list[Any]) -> bytes:
    return json.dumps({"schema_version": 1, "spans": spans}, ensure_ascii=False).encode()


def assert_same_or_left(spans: list[Any], value: bytes | None = None) -> list[dict[str, Any]] | None:
    """The fast path's rows for the record, checked against the Python path's reading of the same bytes."""
    value = value if value is not None else record(spans)
    fast = fast_rows(value, PRICES)
    if fast is not None:
        assert fast == python_rows(orjson.loads(value)["spans"]), f"fast path row differs for {spans!r:.300}"
    return fast


def test_the_fast_span_knows_exactly_the_wire_fields():
    assert set(FastSpan.__struct_fields__) == KNOWN_FIELDS | {"decided"}  # ingest's own (insert_body.py)


def test_realistic_traffic_takes_the_fast_path_with_identical_rows():
    sys.path.insert(0, BENCH)
    from traffic import generate_spans

    spans = generate_spans(2_000, start=1_790_000_000.0)
    for lo in range(0, len(spans), 500):
        assert assert_same_or_left(spans[lo:lo + 500]) is not None


def test_priced_spans_without_a_cost_get_the_python_paths_price():
    span = {**cases.BASE, "kind": "llm", "model": "gpt-4o-mini", "prompt_tokens": 1200, "completion_tokens": 80}
    rows = assert_same_or_left([span])
    assert rows is not None and rows[0]["cost"] > 0 and rows[0]["metadata"]


@pytest.mark.parametrize("change", [
    {"start_time": "2026-11-30T01:00:00Z"},  # RFC 3339
    {"error": {"type": "TimeoutError", "message": "upstream"}},
    {"kind": ""}, {"status": ""}, {"prompt_tokens": 3.0},
    {"unknown_field": "joins the metadata"}, {"_decided": None}, {"_decided": [1]},  # ingest's own field name
    {"metadata": {"nested": {"a": 1}}},
    {"release": 2**70},  # orjson reads a float, msgspec an int
    {"release": 18446744073709551615},
])
def test_unusual_but_valid_spans_are_left_to_the_python_path(change):
    value = record([{**cases.BASE, **change}])
    assert python_rows(orjson.loads(value)["spans"]) is not None
    assert fast_rows(value, PRICES) is None


@pytest.mark.parametrize("value", [
    b'{"schema_version":1.0,"spans":[]}', b'{"schema_version":2,"spans":[]}', b'{"spans":[]}', b"[]", b"not json",
    b'{"schema_version":1,"spans":[{"trace_id":"t","span_id":"s","project":"p","name":"n","start_time":1,'
    b'"prompt":"\\ud800"}]}', None,
])
def test_records_the_fast_path_does_not_take(value):
    assert fast_rows(value, PRICES) is None


def test_a_record_with_one_invalid_span_keeps_its_valid_span_and_dead_letters_the_other():
    good, bad = {**cases.BASE, "span_id": "good"}, {**cases.BASE, "span_id": "bad", "end_time": 1.0}
    out = Decoded()
    decode_value(record([good, bad]), Source("spans", 0, 7), out, PRICES)
    assert [row["span_id"] for row in out.rows] == ["good"]
    assert [(d.field, d.span_id) for d in out.dead] == [("end_time", "bad")]


def test_numbers_and_text_read_alike_by_both_parsers():
    spans = [
        {**cases.BASE, "span_id": "a", "prompt": [{"role": "user", "content": "Grüße, 東京 \u2028 😀"}, "plain"],
         "completion": {"role": "assistant", "content": [{"type": "text", "text": "a"}, "b"]},
         "metadata": {"big": 2**70, "neg": -0.0, "t": True, "s": "x", "f": 1e300}, "release": 2**63 - 1,
         "cost": 0, "start_time": 0, "end_time": 4_102_444_800, "context": ["doc", {"content": "d", "source": None}]},
    ]
    assert assert_same_or_left(spans) is not None
    # a JSON text with escapes and spacing the SDK would not write
    raw = json.dumps({"schema_version": 1, "spans": spans}, ensure_ascii=True, indent=1).encode()
    assert assert_same_or_left(spans, raw) is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cases.FIELD_NAMES, cases.EDGES | cases.JSON), min_size=1, max_size=3),
       st.sets(st.sampled_from(sorted(cases.BASE))))
def test_changed_fields_give_the_python_rows_or_the_python_path(changes, dropped):
    span = {k: v for k, v in cases.BASE.items() if k not in dropped}
    span.update(changes)
    assert_same_or_left([span, {**cases.BASE, "span_id": "other"}])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases.from_schema(cases.SPAN_SCHEMA))
def test_schema_valid_spans_give_the_python_rows_or_the_python_path(span):
    assert_same_or_left([span])
