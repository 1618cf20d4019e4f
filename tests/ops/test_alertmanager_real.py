"""The alertmanager channel against the real Prometheus Alertmanager (Debian prometheus-alertmanager).

Alertmanager resolves an alert on its own once ``endsAt`` passes, or ``resolve_timeout`` after the
last post; Spyglass must keep a firing alert active by posting it again, without paging twice.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from seed import evaluation_rows
from services import start_alertmanager
from spyglass.alerts.channels import build_request, parse_channel
from spyglass.alerts.engine import AlertEngine
from spyglass.alerts.labels import label_problem
from spyglass.alerts.notice import Notice
from spyglass.alerts.rules import parse_rule
from spyglass.api.app import create_app
from spyglass.api.deps import ApiDeps
from spyglass.storage.evaluations import insert_evaluations
from support import unique_name, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RESOLVE_TIMEOUT_S = 3.0


@pytest.fixture()
def alertmanager(alertmanager_bin, tmp_path, receiver):
    running = start_alertmanager(alertmanager_bin, tmp_path, receiver.url + "/am-hook", RESOLVE_TIMEOUT_S)
    yield running
    running.stop()


def active(alertmanager, project: str) -> list[dict]:
    return [a for a in alertmanager.get("/api/v2/alerts", active="true", silenced="false", inhibited="false")
            if a["labels"].get("project") == project and a["status"]["state"] == "active"]


def notifications(receiver, project: str, status: str) -> list[dict]:
    return [b for b in receiver.bodies() if b["status"] == status
            and any(a["labels"].get("project") == project for a in b["alerts"])]


def holds(check, seconds: float, interval_s: float = 0.25) -> None:
    """``check()`` stays true on every look for ``seconds`` (fails at the first look it is not)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        assert check(), "condition stopped holding"
        time.sleep(interval_s)


def test_a_long_firing_alert_stays_active_and_resolves_once(store, alertmanager, receiver):
    project = unique_name("am")
    rule = parse_rule({"name": "Toxic answers", "metric": "flag_rate:toxicity", "threshold": 0.5,
                       "min_samples": 5, "filters": {"project": project}, "channels": ["am"],
                       "labels": {"team": "ai_quality"}, "description": "Toxic answers: check the prompt change."})
    engine = AlertEngine(store, [parse_channel({"name": "am", "type": "alertmanager", "url": alertmanager.url})], [rule], interval_s=0.5,
                         public_url="http://spyglass.test", repost_s=1.0)
    insert_evaluations(store, evaluation_rows(project, 10, 10))
    reposts_before = REGISTRY.get_sample_value("spyglass_alertmanager_reposts_total", {"channel": "am"}) or 0
    thread = threading.Thread(target=engine.run, daemon=True)
    thread.start()
    try:
        first = wait_for(lambda: active(alertmanager, project), 30, message="the alert active in Alertmanager")[0]
        assert first["labels"]["alertname"] == "Toxic answers" and first["labels"]["team"] == "ai_quality"
        assert first["annotations"]["description"] == "Toxic answers: check the prompt change."
        assert first["annotations"]["value"] == "1"
        wait_for(lambda: notifications(receiver, project, "firing"), 30, message="the page via Alertmanager")
        # three resolve_timeouts later it is still active: the engine keeps posting it (endsAt ahead)
        holds(lambda: len(active(alertmanager, project)) == 1, 3 * RESOLVE_TIMEOUT_S)
        assert not notifications(receiver, project, "resolved")
        assert len(notifications(receiver, project, "firing")) == 1, "re-posting must not page again"
        reposts = REGISTRY.get_sample_value("spyglass_alertmanager_reposts_total", {"channel": "am"})
        assert reposts - reposts_before >= 2  # implied: each post's endsAt is 4 s ahead and it stayed active 9 s
        insert_evaluations(store, evaluation_rows(project, 90, 0, prefix="ok"))  # recovery: 10 bad of 100
        wait_for(lambda: not active(alertmanager, project), 30, message="Alertmanager to resolve the alert")
        resolved = wait_for(lambda: notifications(receiver, project, "resolved"), 30, message="the resolve")
        holds(lambda: len(notifications(receiver, project, "resolved")) == 1, 2.0)  # group_interval is 1 s
        assert resolved[0]["alerts"][0]["annotations"]["summary"].startswith(
            "Toxic answers: flag_rate:toxicity back to 0.1, no longer > 0.5")
    finally:
        engine.stop()
        thread.join(30)


def _notice(labels: dict[str, str]) -> Notice:
    now = time.time()
    return Notice("a", "k", "firing", "firing", "r", "R", "warning", "error_rate", "threshold", ">", 0.1, 0.5, 10,
                  300.0, {"alertname": "R", **labels}, "R: error_rate=0.5 > 0.1", now, now)


@pytest.mark.parametrize("name", ["on-call", "team", "_x", "9lives", "a.b", "ok_1", "ünï"])
def test_the_label_rule_matches_what_alertmanager_accepts(alertmanager, name):
    request = build_request(parse_channel({"name": "am", "type": "alertmanager", "url": alertmanager.url}),
                            _notice({name: "v"}))
    accepted = httpx.post(request.url, content=request.body, headers=request.headers, timeout=10).status_code == 200
    assert accepted == (label_problem(name, "v") is None)


def test_an_invalid_label_is_refused_at_rule_load_through_the_api(store):
    class NoPublisher:
        def publish(self, spans: list) -> int:
            raise AssertionError("never publishes")

    body = {"name": "Toxic", "metric": "flag_rate:toxicity", "threshold": 0.5, "labels": {"on-call": "x"}}
    with TestClient(create_app(ApiDeps(store=store, publisher=NoPublisher()))) as api:
        refused = api.post("/v1/alert-rules", json=body)
        assert refused.status_code == 422
        assert "label name 'on-call' is invalid" in refused.json()["detail"]
        assert api.get("/v1/alert-rules").json()["rules"] == []
    assert json.dumps(body)  # the rule never reached the store, so never Alertmanager
