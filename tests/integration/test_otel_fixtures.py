"""Replays the shared OpenTelemetry examples (``../shared/otel-fixtures``: real spans of 11
instrumentation styles with their expected fields) through POST /v1/traces, the broker and
ingest into chDB, and checks every expected field on the stored span."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from support import spans_by_name, unique_name, wait_for

pytestmark = pytest.mark.integration
REQUIRED_SCORE = 0.95


def fixtures_root() -> Path:
    """SPYGLASS_OTEL_FIXTURES, else ``shared/otel-fixtures`` beside the clone (CI) or a parent of it."""
    if os.environ.get("SPYGLASS_OTEL_FIXTURES"):
        return Path(os.environ["SPYGLASS_OTEL_FIXTURES"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent.parent / "shared" / "otel-fixtures"
        if candidate.is_dir():
            return candidate
    pytest.fail("shared/otel-fixtures not found beside the clone: set SPYGLASS_OTEL_FIXTURES")  # never skipped


def field_right(span: dict, field: str, want) -> bool:
    """Text fields: every needle occurs in the stored text (prompt: or its chat messages)."""
    if field in ("prompt", "completion"):
        stored = span[field] + (span["prompt_messages"] if field == "prompt" else "")
        return all(needle in stored for needle in want)
    if field == "cost":
        return span["cost"] == pytest.approx(want)
    return span[field] == want


def test_shared_otel_examples_map_fully(api, capsys):
    root = fixtures_root()
    expected = json.loads((root / "expected.json").read_text())
    examples = {name: spans for name, spans in expected.items() if not name.startswith("_")}
    assert len(examples) == len(list((root / "payloads").glob("*.json"))) == 15
    project = unique_name("otelfix")
    traces = {}
    for name in examples:
        body = (root / "payloads" / f"{name}.json").read_bytes()
        response = api.post("/v1/traces", content=body, headers={"content-type": "application/json",
                                                                 "x-spyglass-project": project})
        assert response.status_code == 200 and response.json() == {}, (name, response.text)
        traces[name] = json.loads(body)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]

    right, total, misses, stored = 0, 0, [], {}
    for name, spans in examples.items():
        names = [s for s in spans if s != "src"]
        stored[name] = wait_for(lambda: (found := spans_by_name(api, traces[name])) and set(names) <= set(found)
                                and found, 60, message=f"spans of {name}")
        for span_name in names:
            span = stored[name][span_name]
            assert span["project"] == project
            for field, (want, _keys) in spans[span_name].items():
                total += 1
                if field_right(span, field, want):
                    right += 1
                else:
                    misses.append(f"{name}/{span_name}.{field}: want {want!r}, got {span[field]!r}")
    with capsys.disabled():
        print(f"\nOTel fixtures: {right} / {total} expected fields right ({right / total:.1%})")
        for miss in misses:
            print(f"  miss: {miss}")
    assert right / total >= REQUIRED_SCORE, misses

    # beyond the peer's expectations: cache and reasoning counts as fields, and a computed cost
    cache = stored["17_vercel_ai_anthropic_usage"]["bedrock-generation"]
    assert (cache["cache_read_tokens"], cache["cache_write_tokens"]) == (16399, 2089)
    assert stored["09_openinference_agno_cache"]["openinference-cache-test"]["cache_read_tokens"] == 40000
    assert stored["14_openinference_openai_completion_details"]["openinference-completion-details"][
        "reasoning_tokens"] == 30
    priced = stored["02_openllmetry_openai_chat"]["openai.chat"]  # gpt-3.5-turbo-0125, sent without a cost
    assert priced["cost"] == pytest.approx((14 * 0.50 + 173 * 1.50) / 1e6)
    assert priced["metadata"]["spyglass.price_version"] == "2026-11"
    sent = stored["01_openlit_openai_chat"]["openai.chat.completions"]
    assert "spyglass.price_version" not in sent["metadata"], "the cost sent with the span is kept"
