"""dashboards/operations.json: PromQL panels over Spyglass's own metrics, valid for the real Prometheus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from services import start_prometheus
from test_prometheus_rules import exposed_names, metric_names

BOARD = json.loads((Path(__file__).parents[2] / "dashboards" / "operations.json").read_text())
TARGETS = [(panel["title"], target) for panel in BOARD["panels"] for target in panel["targets"]]


def test_the_operations_board_reads_prometheus_with_unique_panels():
    variables = {v["name"]: v for v in BOARD["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"
    assert len({p["id"] for p in BOARD["panels"]}) == len(BOARD["panels"])
    assert all(t["datasource"] == {"type": "prometheus", "uid": "${datasource}"} for _, t in TARGETS)
    used = set().union(*(metric_names(t["expr"]) for _, t in TARGETS))
    assert used <= exposed_names(), used - exposed_names()
    families = {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in used}
    for needed in ("spyglass_spans_stored", "spyglass_consumer_lag_records", "spyglass_dead_letters",
                   "spyglass_evaluator_errors", "spyglass_alert_delivery_failures", "spyglass_http_requests"):
        assert needed in families


@pytest.mark.integration
def test_every_panel_query_is_valid_promql_for_the_real_prometheus(prometheus_bin, tmp_path):
    prometheus = start_prometheus(prometheus_bin, tmp_path, [])
    try:
        for title, target in TARGETS:
            expr = target["expr"].replace("$__rate_interval", "1m").replace("$instance", ".*")
            reply = httpx.get(prometheus.url + "/api/v1/query", params={"query": expr}, timeout=10)
            assert reply.status_code == 200, f"{title}: {reply.text}"
    finally:
        prometheus.stop()
