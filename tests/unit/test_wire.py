"""The wire format v1: validation, normalization and record framing (no services)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spyglass.sdk.wire import (MAX_RECORD_BYTES, RecordError, SpanError, decode_record, encode_record,
                               json_schema, validate_span)

BASE = {"trace_id": "t1", "span_id": "s1", "project": "p", "name": "chat", "start_time": 1_700_000_000.5}


def test_minimal_span_gets_defaults():
    row = validate_span(BASE)
    assert row["kind"] == "other" and row["status"] == "ok" and row["end_time"] == row["start_time"]
    assert row["duration_ms"] == 0 and row["parent_span_id"] == "" and row["context"] == []
    assert row["metadata"] == {} and row["metadata_num"] == {}


def test_rfc3339_and_epoch_times_agree():
    as_text = validate_span({**BASE, "start_time": "2023-11-14T22:13:20.5Z", "end_time": "2023-11-14T22:13:21+00:00"})
    assert as_text["start_time"] == 1_700_000_000.5
    assert as_text["duration_ms"] == pytest.approx(500)


def test_chat_prompt_becomes_text_and_keeps_messages():
    messages = [{"role": "system", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": " there"}]}]
    row = validate_span({**BASE, "prompt": messages, "completion": {"role": "assistant", "content": "hello"}})
    assert row["prompt"] == "system: be brief\nuser: hi there"
    assert json.loads(row["prompt_messages"]) == messages
    assert row["completion"] == "hello"


def test_context_documents_and_tokens():
    row = validate_span({**BASE, "context": ["a", {"content": "b", "source": "kb://b"}],
                         "prompt_tokens": 3, "completion_tokens": 4})
    assert row["context"] == ["a", "b"] and row["context_sources"] == ["", "kb://b"]
    assert row["total_tokens"] == 7


def test_unknown_fields_and_metadata_are_kept():
    row = validate_span({**BASE, "metadata": {"route": "faq", "temperature": 0.2, "flag": True, "obj": {"a": 1}},
                         "custom_field": 5, "other": "x"})
    assert row["metadata"] == {"route": "faq", "flag": "true", "obj": '{"a": 1}', "other": "x"}
    assert row["metadata_num"] == {"temperature": 0.2, "custom_field": 5.0}


@pytest.mark.parametrize("change, field", [
    ({"trace_id": ""}, "trace_id"),
    ({"span_id": 5}, "span_id"),
    ({"project": None}, "project"),
    ({"name": ""}, "name"),
    ({"kind": "llmm"}, "kind"),
    ({"start_time": "yesterday"}, "start_time"),
    ({"start_time": -1}, "start_time"),
    ({"end_time": 1_600_000_000}, "end_time"),
    ({"status": "fine"}, "status"),
    ({"prompt_tokens": "10"}, "prompt_tokens"),
    ({"prompt_tokens": -1}, "prompt_tokens"),
    ({"cost": float("nan")}, "cost"),
    ({"prompt": 42}, "prompt"),
    ({"prompt": [{"role": "user", "content": 3}]}, "prompt[0]"),
    ({"context": "doc"}, "context"),
    ({"context": [{"source": "x"}]}, "context[0]"),
    ({"tags": "a,b"}, "tags"),
    ({"metadata": ["a"]}, "metadata"),
    ({"model": 4}, "model"),
    ({"completion": "x" * 1_000_001}, "completion"),
    # shapes that used to raise TypeError out of the validator (a poison record for the consumer)
    ({"kind": ["llm"]}, "kind"),
    ({"status": {"code": 2}}, "status"),
    ({"prompt": [{"role": "user", "content": [{"text": None}]}]}, "prompt[0].content[0].text"),
    ({"start_time": "2023-11-14"}, "start_time"),  # RFC 3339 needs a time of day
    ({"error": {"type": "E", "message": 5}}, "error"),
])
def test_invalid_fields_are_named(change, field):
    with pytest.raises(SpanError) as caught:
        validate_span({**BASE, **change})
    assert caught.value.field == field
    assert caught.value.as_dict()["span_id"] == (BASE | change).get("span_id", "s1") or field == "span_id"


def test_non_object_span():
    with pytest.raises(SpanError, match="expected an object"):
        validate_span(["not", "a", "span"])


def test_record_round_trip_and_errors():
    assert decode_record(encode_record([BASE])) == [BASE]
    for value, message in [(b"{", "not valid JSON"), (b"[]", "JSON object"),
                           (b'{"schema_version": 2, "spans": []}', "schema_version"),
                           (b'{"schema_version": 1, "spans": {}}', "must be a list"),
                           (None, "empty"), (b" " * (MAX_RECORD_BYTES + 1), "exceeds")]:
        with pytest.raises(RecordError, match=message):
            decode_record(value)


def test_published_json_schema_is_current():
    published = json.loads((Path(__file__).parents[2] / "docs" / "span.schema.json").read_text())
    assert published == json_schema(), "regenerate with: python -m spyglass.cli.main schema > docs/span.schema.json"
