"""`spyglass up`'s one /metrics endpoint covers every service of the process (ingest, evaluators, alerts, API)."""

from __future__ import annotations

import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support import unique_name, wait_for
from test_api import trace

pytestmark = pytest.mark.integration


def scrape(url: str) -> dict[tuple, float]:
    text = httpx.get(url + "/metrics", timeout=10).text  # public, like /health: no API key
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_the_stacks_metrics_endpoint_serves_all_its_services(stack, api):
    group = stack.settings.ingest.group
    before = scrape(stack.api_url).get(("spyglass_spans_stored_total", (("group", group),)), 0.0)
    project = unique_name("metrics")
    assert api.post("/v1/spans", json={"schema_version": 1,
                                       "spans": trace(project, f"{project}-t", time.time() - 60, "c", "m")}).status_code == 202
    wait_for(lambda: scrape(stack.api_url).get(("spyglass_spans_stored_total", (("group", group),)), 0.0) >= before + 3,
             60, message="the stored spans in /metrics")
    names = {name for name, _ in scrape(stack.api_url)}
    assert {"spyglass_http_requests_total", "spyglass_consumer_lag_records", "spyglass_alert_tick_seconds_count",
            "spyglass_alerts_open", "spyglass_spans_received_total"} <= names
    routes = {dict(labels).get("route") for name, labels in scrape(stack.api_url) if name == "spyglass_http_requests_total"}
    assert "/v1/spans" in routes and project not in str(routes)
