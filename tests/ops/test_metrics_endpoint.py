"""GET /metrics in the API and on a role's own port: text exposition, route templates, bounded labels."""

from __future__ import annotations

import argparse

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from spyglass.api.app import create_app
from spyglass.api.deps import ApiDeps
from spyglass.cli.metrics import role_metrics
from spyglass.core.settings import load_settings
from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.engine import run_evaluators
from spyglass.telemetry.consumer import dead_letter_reason
from support import Exploding, Length


class NoPublisher:
    def publish(self, spans: list) -> int:
        raise AssertionError("never publishes")

    def connected(self) -> bool:
        return False


def samples(text: str, name: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                out[tuple(sorted(sample.labels.items()))] = sample.value
    return out


@pytest.mark.integration
def test_api_metrics_count_requests_by_route_template_and_sql_outcomes(store):
    with TestClient(create_app(ApiDeps(store=store, publisher=NoPublisher()))) as api:
        api.get("/v1/traces/secret-trace-id-123", params={"project": "p"})
        api.get("/no/such/path/user-42")
        api.post("/v1/sql", params={"project": "p"}, json={"query": "SELECT count() FROM spans"})
        api.post("/v1/sql", params={"project": "p"}, json={"query": "DROP TABLE spans"})
        response = api.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
    text = response.text
    requests = samples(text, "spyglass_http_requests_total")
    routes = {dict(labels)["route"] for labels in requests}
    assert {"/v1/traces/{trace_id}", "unmatched", "/v1/sql"} <= routes
    assert dict(requests)[(("method", "GET"), ("route", "unmatched"), ("status", "404"))] >= 1
    assert "secret-trace-id-123" not in text and "user-42" not in text
    outcomes = {dict(labels)["outcome"] for labels in samples(text, "spyglass_sql_queries_total")}
    assert {"ok", "forbidden"} <= outcomes
    assert samples(text, "spyglass_http_request_seconds_count")


def test_a_role_serves_its_metrics_on_its_own_port():
    settings = load_settings(metrics_port_alerts=0)
    with role_metrics(argparse.Namespace(command="alerts", check=False), settings) as port:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert "# TYPE spyglass_alert_deliveries_total counter" in text and "process_cpu_seconds_total" in text
    with role_metrics(argparse.Namespace(command="alerts", check=True), settings) as port:
        assert port is None  # --check exits at once: nothing to scrape
    with role_metrics(argparse.Namespace(command="api"), settings) as port:
        assert port is None  # the API serves /metrics itself


def test_evaluator_throughput_errors_and_latency_per_evaluator():
    def value(name: str, evaluator: str) -> float:
        return REGISTRY.get_sample_value(name, {"evaluator": evaluator}) or 0.0

    before = {n: value(f"spyglass_evaluator_{n}", e) for n, e in
              [("spans_total", "length"), ("errors_total", "exploding"), ("batch_seconds_count", "length")]}
    spans = [{"span_id": f"s{i}", "completion": "x" * ((i + 1) * 30), "kind": "llm"} for i in range(4)]
    run_evaluators(spans, [Length(), Exploding()], EvalContext(encoder=None, device="cpu"))
    assert value("spyglass_evaluator_spans_total", "length") - before["spans_total"] == 4
    assert value("spyglass_evaluator_errors_total", "exploding") - before["errors_total"] == 4
    assert value("spyglass_evaluator_batch_seconds_count", "length") - before["batch_seconds_count"] == 1


def test_dead_letter_reasons_stay_bounded():
    assert dead_letter_reason("") == "record"
    assert dead_letter_reason("prompt_tokens") == "prompt_tokens"
    assert dead_letter_reason("context[3].source") == "context"
    assert dead_letter_reason("metadata.user-email@example.com") == "metadata"
    assert dead_letter_reason("anything the sender made up") == "other"
