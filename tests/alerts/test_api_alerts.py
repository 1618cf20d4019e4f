"""The alerting API over a real database: rule CRUD with validation, silences, alerts and acks."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from seed import evaluation_rows
from spyglass.alerts.channels import Channel
from spyglass.alerts.engine import AlertEngine
from spyglass.api.app import create_app
from spyglass.api.deps import ApiDeps
from spyglass.storage.evaluations import insert_evaluations
from support import unique_name

pytestmark = pytest.mark.integration

RULE = {"name": "Toxic", "metric": "flag_rate:toxicity", "threshold": 0.5, "min_samples": 5,
        "channels": ["hook"]}


class NoPublisher:
    def publish(self, spans: list) -> int:
        raise AssertionError("alert endpoints never publish spans")

    def connected(self) -> bool:
        return False


@pytest.fixture()
def api(store):
    with TestClient(create_app(ApiDeps(store=store, publisher=NoPublisher()))) as client:
        yield client


def test_rule_crud_and_validation(api):
    created = api.post("/v1/alert-rules", json=RULE)
    assert created.status_code == 201 and created.json()["id"] == "toxic" and created.json()["source"] == "api"
    assert api.post("/v1/alert-rules", json=RULE).status_code == 409
    bad = api.post("/v1/alert-rules", json={**RULE, "name": "Other", "window": "10s"})
    assert bad.status_code == 422 and "window" in bad.json()["detail"]
    assert "unknown metric" in api.post("/v1/alert-rules", json={**RULE, "metric": "vibes"}).json()["detail"]
    replaced = api.put("/v1/alert-rules/toxic", json={**RULE, "threshold": 0.3})
    assert replaced.status_code == 200 and replaced.json()["threshold"] == 0.3
    assert api.put("/v1/alert-rules/toxic", json={**RULE, "id": "other"}).status_code == 400
    assert [r["id"] for r in api.get("/v1/alert-rules").json()["rules"]] == ["toxic"]
    assert api.delete("/v1/alert-rules/toxic").json() == {"id": "toxic", "deleted": True}
    assert api.get("/v1/alert-rules/toxic").status_code == 404
    assert api.get("/v1/alert-rules").json()["rules"] == []


def test_silences_create_list_expire(api):
    made = api.post("/v1/silences", json={"matchers": {"project": "p1"}, "duration": "2h", "comment": "INC-1"})
    assert made.status_code == 201
    silence_id = made.json()["id"]
    listed = api.get("/v1/silences", params={"active": True}).json()["silences"]
    assert [(s["id"], s["active"], s["comment"]) for s in listed] == [(silence_id, True, "INC-1")]
    assert api.delete(f"/v1/silences/{silence_id}").json()["expired"]
    assert api.get("/v1/silences", params={"active": True}).json()["silences"] == []
    assert api.get("/v1/silences").json()["silences"][0]["active"] is False
    assert api.post("/v1/silences", json={"matchers": {}, "duration": "1h"}).status_code == 400
    assert "regular expression" in api.post("/v1/silences", json={
        "matchers": [{"name": "a", "value": "(", "op": "=~"}], "duration": "1h"}).json()["detail"]
    assert api.post("/v1/silences", json={"matchers": {"a": "b"}}).status_code == 400
    assert api.delete("/v1/silences/nope").status_code == 404


def test_alerts_listing_history_and_ack(api, store, receiver):
    project = unique_name("apiack")
    assert api.post("/v1/alert-rules", json={**RULE, "filters": {"project": project}}).status_code == 201
    engine = AlertEngine(store, [Channel("hook", "webhook", url=receiver.url)], interval_s=0.1)
    engine.start()
    insert_evaluations(store, evaluation_rows(project, 10, 8))
    engine.tick()
    active = api.get("/v1/alerts", params={"project": project}).json()["alerts"]
    assert [(a["status"], a["rule_id"], a["acknowledged"], a["value"]) for a in active] == \
        [("firing", "toxic", False, 0.8)]
    alert_id = active[0]["alert_id"]
    assert api.post("/v1/alerts/nope/ack").status_code == 404
    assert api.post(f"/v1/alerts/{alert_id}/ack", json={"by": "alice"}).status_code == 202
    assert api.get("/v1/alerts", params={"project": project}).json()["alerts"][0]["acknowledged"]
    engine.tick()
    insert_evaluations(store, evaluation_rows(project, 40, 0, prefix="ok"))
    engine.tick()
    engine.dispatcher.close(timeout_s=10)
    engine._record_deliveries()
    assert api.get("/v1/alerts", params={"project": project}).json()["alerts"] == []
    history = api.get("/v1/alerts", params={"project": project, "state": "resolved"}).json()["alerts"]
    assert [a["alert_id"] for a in history] == [alert_id]
    detail = api.get(f"/v1/alerts/{alert_id}").json()
    assert [e["event"] for e in detail["events"]] == ["firing", "acknowledged", "resolved"]
    assert [d["event"] for d in detail["deliveries"]] == ["firing", "acknowledged", "resolved"]
    assert api.post(f"/v1/alerts/{alert_id}/ack").status_code == 409
    assert [b["status"] for b in receiver.bodies()] == ["firing", "acknowledged", "resolved"]
    assert api.get("/v1/alerts", params={"since": time.time() + 60, "state": "all"}).json()["alerts"] == []
