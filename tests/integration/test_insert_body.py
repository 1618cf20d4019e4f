"""Ingest's insert body, spans as sent mapped to the columns by ClickHouse, stores exactly the Python path's rows.

For every batch of records: the spans ingest stores (``decode_for_insert`` -> ``insert_sent_spans``,
chDB doing the mapping in SQL) equal, column by column as ClickHouse returns them, the rows of
``validate_span`` + ``price_row`` inserted as JSON rows; the dead letters are the same. Spans come
from the wire format's own property-test generators (every field with edge values, arbitrary JSON,
schema-valid spans), the benchmarks' realistic traffic, and hand-picked cases.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyglass.ingest.decode import Source, decode_for_insert, decode_values
from spyglass.ingest.prices import packaged_prices
from spyglass.storage import Store, migrate
from spyglass.storage.spans import (SENT_SPANS_SQL, SENT_SPANS_STRUCTURE, SPAN_COLUMNS, insert_sent_spans,
                                    insert_spans)
from spyglass.storage.store import insert_select, sql_string
from support import unique_name

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "unit"))
import test_span_schema as cases  # noqa: E402  (the wire format's generators)

PRICES = packaged_prices()
EXAMPLES = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


@pytest.fixture()
def stores(chdb_path, tmp_path):
    """Two fresh databases in the session's chDB: one written as ingest does, one from rows."""
    pair = []
    for _ in range(2):
        db = Store(f"chdb://{chdb_path}", unique_name("lines"))
        migrate(db)
        pair.append(db)
    yield pair
    for db in pair:
        db.command(f"DROP DATABASE IF EXISTS {db.database}")


def record(spans: list[Any], indent: int | None = None) -> bytes:
    return json.dumps({"schema_version": 1, "spans": spans}, ensure_ascii=indent is not None, indent=indent).encode()


def stored(db: Store) -> list[tuple]:
    columns = ", ".join(SPAN_COLUMNS)
    return sorted((tuple(row.values()) for row in db.rows(f"SELECT {columns} FROM spans")), key=repr)


def distinct(spans: list[Any]) -> list[Any]:
    """The spans minus later copies of an identity: ingest drops those before it inserts."""
    seen, out = set(), []
    for span in spans:
        key = json.dumps([span.get(k) for k in ("project", "trace_id", "span_id")], default=str) \
            if isinstance(span, dict) else repr(span)
        if key not in seen:
            seen.add(key)
            out.append(span)
    return out


def assert_same_storage(stores: list[Store], values: list[bytes], spool: str) -> int:
    """Both ways into their database; the same rows stored and the same dead letters. Returns the rows stored."""
    lines_db, rows_db = stores
    for db in stores:
        db.command("TRUNCATE TABLE spans")
    items = [(value, Source("spans", 0, i)) for i, value in enumerate(values)]
    ingest = decode_for_insert(items, spool, PRICES)
    python = decode_values(items, PRICES)
    assert len(ingest.encoded) == len(python.rows)
    if python.rows:
        insert_sent_spans(lines_db, ingest.encoded.path)
        insert_spans(rows_db, python.rows)
    ingest.encoded.discard()
    assert [(d.error, d.field, d.span_id) for d in ingest.dead] == [(d.error, d.field, d.span_id) for d in python.dead]
    ours, theirs = stored(lines_db), stored(rows_db)
    assert len(ours) == len(theirs)
    for mine, expected in zip(ours, theirs):
        differ = {c: (a, b) for c, a, b in zip(SPAN_COLUMNS, mine, expected) if a != b}
        assert not differ, f"columns differ (ingest, rows): {differ}"
    return len(ours)


def test_realistic_traffic_is_stored_as_the_python_path_stores_it(stores, tmp_path):
    sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
    from traffic import generate_spans

    spans = generate_spans(3_000, start=1_790_000_000.0)
    values = [record(spans[lo:lo + 500]) for lo in range(0, len(spans), 500)]
    assert assert_same_storage(stores, values, str(tmp_path)) == 3_000


def test_hand_picked_values_read_alike(stores, tmp_path):
    spans = [
        {**cases.BASE, "span_id": "a", "prompt": [{"role": "user", "content": "Grüße, 東京 \u2028 😀"}, "plain"],
         "completion": {"role": "assistant", "content": [{"type": "text", "text": "a"}, "b"]},
         "metadata": {"big": 2**70, "neg": -0.0, "t": True, "f": False, "s": "x", "e": 1e300, "tiny": 5e-324,
                      "int": 2**63 - 1, "quote": "say \"hi\"\n", "num_text": "12"},
         "release": 2**63 - 1, "cost": 0, "start_time": 0, "end_time": 4_102_444_800,
         "context": ["doc", {"content": "d", "source": None}, {"content": "{\"x\": 1}", "source": "s"}, "{not json"]},
        {**cases.BASE, "span_id": "priced", "kind": "llm", "model": "gpt-4o-mini", "prompt_tokens": 4_294_967_295,
         "completion_tokens": 4_294_967_295, "cache_read_tokens": 7, "metadata": {"a": "b"}},
        {**cases.BASE, "span_id": "priced-key", "kind": "llm", "model": "gpt-4o-mini", "prompt_tokens": 10,
         "metadata": {"spyglass.price_version": 3, "z": "y"}},
        {**cases.BASE, "span_id": "priced-text-key", "kind": "llm", "model": "gpt-4o-mini", "prompt_tokens": 10,
         "metadata": {"spyglass.price_version": "mine", "z": "y"}},
        {**cases.BASE, "span_id": "times", "start_time": 1_790_000_000.1234567, "end_time": 1_790_000_000.9999999,
         "error": "boom", "tags": ["a", "ü"], "prompt": "", "completion": ""},
        {**cases.BASE, "span_id": "tiny", "start_time": 1e-7, "end_time": 0.5, "status": "ok", "error": "kept"},
        {**cases.BASE, "span_id": "unknown", "unknown_field": {"joins": "the metadata"}},
        {**cases.BASE, "span_id": "decided", "_decided": [1, 2]},  # ingest's own field name, from a sender
        {**cases.BASE, "span_id": "decided-null", "_decided": None},
        {**cases.BASE, "span_id": "bad", "end_time": 1.0},
    ]
    indented = [{**span, "span_id": f"{span['span_id']}-indented"} for span in spans[:2]]
    values = [record(spans), record(indented, indent=1), b"not json", record([])]
    assert assert_same_storage(stores, values, str(tmp_path)) == 11


def test_the_statement_a_clickhouse_server_gets_parses(store):
    statement = insert_select("spans", SPAN_COLUMNS, SENT_SPANS_SQL, f"input({sql_string(SENT_SPANS_STRUCTURE)})")
    assert store.rows(f"EXPLAIN AST {statement} FORMAT JSONEachRow")  # the body follows it over HTTP


@EXAMPLES
@given(st.lists(st.tuples(st.lists(st.tuples(cases.FIELD_NAMES, cases.EDGES | cases.JSON), min_size=1, max_size=3),
                          st.sets(st.sampled_from(sorted(cases.BASE)))), min_size=1, max_size=12))
def test_changed_fields_are_stored_as_the_python_path_stores_them(stores, tmp_path, spans_changes):
    spans = []
    for i, (changes, dropped) in enumerate(spans_changes):
        span = {k: v for k, v in cases.BASE.items() if k not in dropped}
        span.update(changes)
        spans.append(span)
        spans.append({**cases.BASE, "span_id": f"other-{i}"})
    spans = distinct(spans)
    values = [record(spans[lo:lo + 4]) for lo in range(0, len(spans), 4)]
    assert_same_storage(stores, values, str(tmp_path))


@EXAMPLES
@given(st.lists(cases.from_schema(cases.SPAN_SCHEMA), min_size=1, max_size=12))
def test_schema_valid_spans_are_stored_as_the_python_path_stores_them(stores, tmp_path, spans):
    spans = distinct(spans)
    values = [record(spans[lo:lo + 3]) for lo in range(0, len(spans), 3)]
    assert_same_storage(stores, values, str(tmp_path))
