"""Spans made by the real OpenTelemetry SDK, exported over OTLP/HTTP to the API, arrive intact."""

from __future__ import annotations

import gzip
import json
import time

import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from support import spans_by_name, unique_name, wait_for

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_otel_sdk_spans_arrive_intact(stack, api, compression):
    project = unique_name("otel")
    provider = TracerProvider(resource=Resource.create({"service.name": "rag-app", "service.version": "1.4.2",
                                                        "deployment.environment.name": "staging",
                                                        "spyglass.project": project}))
    exporter = OTLPSpanExporter(endpoint=f"{stack.api_url}/v1/traces", compression=compression,
                                headers=stack.auth_headers)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test-app")
    with tracer.start_as_current_span("rag-answer", attributes={"openinference.span.kind": "CHAIN",
                                                                 "session.id": "conv-42", "user.id": "u-7"}) as root:
        with tracer.start_as_current_span("retrieve", attributes={
                "openinference.span.kind": "RETRIEVER", "input.value": "what is the refund window?",
                "retrieval.documents.0.document.content": "Refunds within 30 days.",
                "retrieval.documents.0.document.id": "kb-1",
                "retrieval.documents.1.document.content": "Shipping takes 5 days.",
                "retrieval.documents.1.document.id": "kb-2"}):
            pass
        with tracer.start_as_current_span("chat gpt-4o-mini", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                "gen_ai.usage.input_tokens": 42, "gen_ai.usage.output_tokens": 9,
                "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                    {"type": "text", "content": "what is the refund window?"}]}]),
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [
                    {"type": "text", "content": "30 days."}]}]),
                "gen_ai.request.temperature": 0.1, "app.route": "faq"}) as llm:
            llm.set_status(Status(StatusCode.ERROR, "rate limited"))
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()

    found = wait_for(lambda: (s := spans_by_name(api, trace_id)) and len(s) == 3 and s, 60, message="3 OTel spans")
    chain, retrieve, chat = found["rag-answer"], found["retrieve"], found["chat gpt-4o-mini"]
    assert chain["project"] == project and chain["kind"] == "chain" and chain["parent_span_id"] == ""
    assert chain["service"] == "rag-app" and chain["release"] == "1.4.2" and chain["environment"] == "staging"
    assert chain["conversation_id"] == "conv-42" and chain["user_id"] == "u-7"
    assert retrieve["kind"] == "retrieval" and retrieve["parent_span_id"] == chain["span_id"]
    assert retrieve["context"] == ["Refunds within 30 days.", "Shipping takes 5 days."]
    assert retrieve["context_sources"] == ["kb-1", "kb-2"]
    assert chat["kind"] == "llm" and chat["model"] == "gpt-4o-mini-2024-07-18" and chat["provider"] == "openai"
    assert chat["prompt"] == "user: what is the refund window?" and chat["completion"] == "30 days."
    assert (chat["prompt_tokens"], chat["completion_tokens"], chat["total_tokens"]) == (42, 9, 51)
    assert chat["status"] == "error" and chat["error"] == "rate limited"
    assert chat["metadata"]["app.route"] == "faq" and chat["metadata_num"]["gen_ai.request.temperature"] == 0.1
    assert chat["duration_ms"] >= 0


def test_otlp_json_and_bad_requests(api):
    project = unique_name("otlpjson")
    trace_id = "5b8efff798038103d269b633813fc60c"
    body = {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "svc"}}]},
        "scopeSpans": [{"scope": {"name": "manual"}, "spans": [
            {"traceId": trace_id, "spanId": "eee19b7ec3c1b174", "name": "llm call",
             "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001500000000",
             "attributes": [{"key": "llm.model_name", "value": {"stringValue": "claude"}},
                            {"key": "llm.token_count.prompt", "value": {"intValue": "12"}},
                            {"key": "input.value", "value": {"stringValue": "hello"}},
                            {"key": "output.value", "value": {"stringValue": "hi there"}}]},
            {"traceId": "", "spanId": "", "name": "broken", "startTimeUnixNano": "1"}]}]}]}
    response = api.post("/v1/traces", content=gzip.compress(json.dumps(body).encode()),
                        headers={"content-type": "application/json", "content-encoding": "gzip",
                                 "x-spyglass-project": project})
    assert response.status_code == 200
    assert response.json()["partialSuccess"]["rejectedSpans"] == 1
    assert "trace_id" in response.json()["partialSuccess"]["errorMessage"]
    found = wait_for(lambda: spans_by_name(api, trace_id), 60, message="JSON span")
    llm = found["llm call"]
    assert (llm["project"], llm["model"], llm["prompt"], llm["completion"]) == (project, "claude", "hello", "hi there")
    assert llm["duration_ms"] == pytest.approx(1500)
    assert api.post("/v1/traces", content=b"\x00garbage", headers={"content-type": "application/x-protobuf"}
                    ).status_code == 400
    assert api.post("/v1/traces", content=b"{}", headers={"content-type": "text/plain"}).status_code == 415


def test_cache_and_reasoning_tokens_reach_the_rollups_and_metrics(api):
    project = unique_name("otelcache")
    now_ns = time.time_ns()
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "claude-sonnet-4-5-20250929",
             "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.cache_read.input_tokens": 600,
             "gen_ai.usage.cache_creation.input_tokens": 300, "gen_ai.usage.output_tokens": 100,
             "gen_ai.usage.reasoning.output_tokens": 40}
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "7b8efff798038103d269b633813fc60c", "spanId": "aee19b7ec3c1b174", "name": "chat",
         "startTimeUnixNano": str(now_ns), "endTimeUnixNano": str(now_ns + 10**9),
         "attributes": [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                        for k, v in attrs.items()]}]}]}]}
    assert api.post("/v1/traces", json=body, headers={"x-spyglass-project": project}).status_code == 200

    def total(metric):
        response = api.get("/v1/metrics", params={"project": project, "metric": metric, "start": now_ns / 1e9 - 120,
                                                  "end": now_ns / 1e9 + 120})
        assert response.status_code == 200, response.text
        return sum(p["value"] or 0 for s in response.json()["series"] for p in s["points"])
    wait_for(lambda: total("requests") == 1, 60, message="the span in the rollup")
    assert [total(m) for m in ("prompt_tokens", "cache_read_tokens", "cache_write_tokens", "completion_tokens",
                               "reasoning_tokens")] == [1000, 600, 300, 100, 40]
    # priced at the cache rates: 100 fresh + 600 read + 300 written, 100 out (claude-sonnet-4-5 per 1M)
    assert total("cost") == pytest.approx((100 * 3.00 + 600 * 0.30 + 300 * 3.75 + 100 * 15.00) / 1e6)
