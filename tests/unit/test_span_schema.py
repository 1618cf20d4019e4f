"""The span is defined once: the published JSON Schema and ``validate_span`` accept the same spans.

Property-based (hypothesis): spans generated from the schema pass the validator, and spans with
fields replaced by arbitrary JSON values are accepted by the validator exactly when the schema
(checked by jsonschema-rs, ECMA regex semantics) accepts them, save for the rules JSON Schema
cannot say (the schema's description lists them). hypothesis-jsonschema does not run with this
hypothesis (6.170), so ``from_schema`` below generates values from the schema's few keywords.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyglass.sdk.span_fields import FIELDS, KNOWN_FIELDS, MAX_METADATA_KEYS, SPAN_KINDS, STATUSES, json_schema
from spyglass.sdk.wire import SpanError, validate_span
from spyglass.storage.spans import SPAN_COLUMNS

SPAN_SCHEMA = json_schema()["$defs"]["span"]
SCHEMA = jsonschema_rs.validator_for(SPAN_SCHEMA)
BASE = {"trace_id": "t1", "span_id": "s1", "project": "p", "name": "chat", "start_time": 1_700_000_000.5}


def _epoch(value: Any) -> float | None:
    """A time value as epoch seconds, or None when it names no real calendar day."""
    if not isinstance(value, str):
        return float(value)
    year, month, day = (int(part) for part in value[:10].split("-"))
    try:
        date(year, month, day)
    except ValueError:
        return None
    moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def beyond_schema_ok(span: dict[str, Any]) -> bool:
    """The rules the schema's description states but JSON Schema cannot express, for a schema-valid span."""
    start = _epoch(span["start_time"])
    end = _epoch(span["end_time"]) if span.get("end_time") is not None else start
    if start is None or end is None or end < start:
        return False
    metadata = span.get("metadata") or {}
    return len(set(metadata) | (span.keys() - KNOWN_FIELDS)) <= MAX_METADATA_KEYS


def validator_accepts(span: dict[str, Any]) -> bool:
    try:
        validate_span(span)
    except SpanError:
        return False
    return True  # any other exception is a crash and fails the test


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
_KEYWORDS = {"type", "enum", "anyOf", "pattern", "minLength", "maxLength", "minimum", "maximum", "items", "maxItems",
             "properties", "required", "additionalProperties", "maxProperties", "description"}


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid under ``schema``, for the keywords the span schema uses (and values on its limits)."""
    unknown = schema.keys() - _KEYWORDS
    assert not unknown, f"teach from_schema the keywords {unknown}"
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema:
        return st.one_of([from_schema(branch) for branch in schema["anyOf"]])
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return st.one_of([_typed(kind, schema) for kind in types])


def _typed(kind: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind == "null":
        return st.none()
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        shortest, longest = schema.get("minLength", 0), schema.get("maxLength", 10**9)
        text = st.text(min_size=shortest, max_size=min(longest, 24))
        return text | st.just("x" * longest) if longest <= 1000 else text
    if kind == "integer":
        whole = st.integers(low if low is not None else -2**40, high if high is not None else 2**40)
        return whole | whole.map(float)  # 3.0 is an integer to JSON Schema
    if kind == "number":
        return (st.floats(low, high, allow_nan=False, allow_infinity=False)
                | st.integers(int(low) if low is not None else None, int(high) if high is not None else None))
    if kind == "array":
        items, most = from_schema(schema["items"]), schema.get("maxItems")
        lists = st.lists(items, max_size=4 if most is None else min(most, 4))
        return lists if most is None else lists | items.map(lambda item: [item] * most)  # on the limit
    assert kind == "object", kind
    return _object(schema)


@st.composite
def _object(draw: Any, schema: dict[str, Any]) -> dict[str, Any]:
    properties, most = schema.get("properties", {}), schema.get("maxProperties", 10**9)
    value = {name: draw(from_schema(sub)) for name, sub in properties.items()
             if name in schema.get("required", ()) or draw(st.booleans())}
    if schema.get("additionalProperties", True) is not False:
        extra = draw(st.dictionaries(st.text(max_size=6).filter(lambda k: k not in properties), JSON, max_size=3))
        if not properties and most < 10**9 and draw(st.booleans()):
            extra = {f"k{i}": i for i in range(most)}  # on the limit
        value.update(list(extra.items())[:max(most - len(value), 0)])
    return value


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(from_schema(SPAN_SCHEMA))
def test_spans_the_schema_accepts_pass_the_validator(span):
    assert SCHEMA.is_valid(span), "from_schema made a value its schema rejects"
    if beyond_schema_ok(span):
        validate_span(span)  # raises SpanError naming the field where they disagree


# values on and just past each limit, and each shape the table knows, right and wrong
EDGE_VALUES = [
    "", "x" * 128, "x" * 129, "x" * 1000, "x" * 1001, *SPAN_KINDS, *STATUSES, "LLM", "OK",
    0, -1, 3, 3.0, 3.5, -0.5, True, False, 2**32 - 1, 2**32, 4_102_444_800, 4_102_444_801, 1e300,
    "2026-11-30T01:00:00Z", "2026-11-30t01:00:00.123456789+05:30", "2026-11-30 01:00", "2026-11-30T01:00:00",
    "2026-02-30T00:00:00Z", "2026-11-30T24:00:00Z", "1969-12-31T23:59:59Z", "2101-01-01T00:00:00Z", "2023-11-14",
    "20231114T221320", "2026-11-30T01:00:00Z\n", "1700000000",
    {}, [], {"type": "TimeoutError", "message": "upstream"}, {"message": "m"}, {"type": 1}, {"content": "hi"},
    {"role": "assistant", "content": None}, {"role": "assistant", "content": [{"type": "text", "text": "a"}, "b"]},
    [{"role": "user", "content": "hi"}, "plain"], [{"role": None, "content": [{"type": "image"}]}],
    [{"content": [{"text": 1}]}], [{"role": 1, "content": "x"}], [{"content": [3]}], [3],
    ["doc", {"content": "d", "source": None}], [{"content": "d", "source": 1}], [{"source": "s"}],
    ["t"] * 64, ["t"] * 65, ["x" * 1001], {f"k{i}": i for i in range(128)}, {f"k{i}": i for i in range(129)},
]
EDGES = st.sampled_from(EDGE_VALUES)
FIELD_NAMES = st.sampled_from([f.name for f in FIELDS]) | st.text(min_size=1, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(FIELD_NAMES, EDGES | JSON), min_size=1, max_size=3), st.sets(st.sampled_from(sorted(BASE))))
def test_validator_and_schema_agree_on_changed_fields(changes, dropped):
    span = {k: v for k, v in BASE.items() if k not in dropped}
    span.update(changes)
    schema_ok = SCHEMA.is_valid(span)
    expected = schema_ok and beyond_schema_ok(span)
    assert validator_accepts(span) == expected, f"schema says {schema_ok}, validator disagrees: {span!r:.300}"


def test_every_field_with_every_edge_value():
    disagreements = []
    for name in [f.name for f in FIELDS] + ["unknown_field"]:
        for value in EDGE_VALUES + [None]:
            span = {**BASE, name: value}
            schema_ok = SCHEMA.is_valid(span)
            if validator_accepts(span) != (schema_ok and beyond_schema_ok(span)):
                disagreements.append(f"{name}={value!r:.40} (schema says {schema_ok})")
    assert not disagreements, "\n".join(disagreements)


def test_a_row_has_exactly_the_stored_columns():
    assert set(validate_span(BASE)) == set(SPAN_COLUMNS)


@pytest.mark.parametrize("value, accepted", [
    ("2026-11-30T01:00:00Z", True), ("2026-11-30 01:00", True), ("2026-11-30T01:00:00.5+01:00", True),
    ("2023-11-14", False), ("1969-12-31T23:59:59Z", False), ("2026-02-30T00:00:00Z", False), (4_102_444_801, False)])
def test_time_strings_follow_rfc3339(value, accepted):
    assert validator_accepts({**BASE, "start_time": value}) is accepted
    assert SCHEMA.is_valid({**BASE, "start_time": value}) is (accepted or value == "2026-02-30T00:00:00Z")
