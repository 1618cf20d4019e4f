"""Per-project retention through the real API and chDB: a project's own days remove its older rows
(spans, evaluations, scores, rollups), other projects keep theirs, and the stack's scheduled pass does it."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from spyglass.storage.evaluations import insert_evaluations
from spyglass.storage.retention import RetentionService, enforce
from support import unique_name, wait_for

pytestmark = pytest.mark.integration
DAY = 86_400


def spans(project: str, age_days: float, n: int) -> list[dict]:
    t0 = time.time() - age_days * DAY
    return [{"trace_id": f"{project}-{age_days}-{i}", "span_id": f"{project}-{age_days}-{i}", "project": project,
             "name": "chat", "kind": "llm", "start_time": t0 + i, "end_time": t0 + i + 1, "model": "m",
             "prompt": "Where is my order?", "completion": "It ships tomorrow."} for i in range(n)]


TIME = {"spans": "start_time", "spans_1m": "minute", "evaluations": "span_start", "scores": "scored_at"}


def counts(store, project: str, older_than_days: float = 0) -> dict[str, int]:
    """Rows of the project per table (only those older than ``older_than_days`` when given)."""
    cutoff = int((time.time() - older_than_days * DAY) * 1000)
    return {table: store.rows(f"SELECT count() AS n FROM {table} WHERE project = {{p:String}} "
                              f"AND {column} < fromUnixTimestamp64Milli({{c:Int64}})",
                              parameters={"p": project, "c": cutoff})[0]["n"]
            for table, column in TIME.items()}


def seed(stack, api, project: str) -> None:
    old, new = spans(project, 10, 4), spans(project, 0.01, 3)
    assert api.post("/v1/spans", json=old + new).status_code == 202
    wait_for(lambda: counts(stack.store, project)["spans"] == 7, 60, message="spans stored")
    insert_evaluations(stack.store, [{"project": project, "trace_id": s["trace_id"], "span_id": s["span_id"],
                                      "evaluator": "toxicity", "version": "1", "score": 0.1, "flagged": False,
                                      "span_start": s["start_time"], "service": "", "model": "m", "environment": "",
                                      "label": "", "details": {}}
                                     for s in old + new])
    for s in old[:2] + new[:1]:
        assert api.post("/v1/scores", json={"project": project, "trace_id": s["trace_id"], "name": "thumbs",
                                            "value": True, "timestamp": s["start_time"]}).status_code == 202
    wait_for(lambda: counts(stack.store, project)["scores"] == 3, 60, message="scores stored")


def test_a_projects_own_retention_removes_only_its_older_rows(stack, api):
    project, other = unique_name("short"), unique_name("long")
    seed(stack, api, project)
    seed(stack, api, other)
    before, old = counts(stack.store, project), counts(stack.store, project, 7)
    assert old["spans"] == 4 and old["evaluations"] >= 4 and old["scores"] == 2 and old["spans_1m"] >= 1

    assert api.get(f"/v1/projects/{project}/retention").json()["days"] is None
    assert api.put(f"/v1/projects/{project}/retention", json={"days": 7}).json() == {"project": project, "days": 7}
    assert api.put(f"/v1/projects/{project}/retention", json={"days": -1}).status_code == 422
    assert api.get(f"/v1/projects/{project}/retention").json()["days"] == 7
    read_only = api.post("/v1/keys", json={"project": project, "scopes": ["read"]}).json()["key"]
    refused = httpx.put(f"{stack.api_url}/v1/projects/{project}/retention", json={"days": 1},
                        headers={"Authorization": f"Bearer {read_only}"})
    assert refused.status_code == 403

    service = RetentionService(stack.store, interval_s=3600)  # its first pass runs at once
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: counts(stack.store, project, 7) == dict.fromkeys(TIME, 0), 60,
                 message="the scheduled pass removed every row older than 7 days")
    finally:
        service.stop()
        thread.join(30)
    after = counts(stack.store, project)
    assert after["spans"] == 3, "the recent rows stay"
    assert after["scores"] == 1 and 1 <= after["spans_1m"] < before["spans_1m"] and after["evaluations"] >= 3
    kept = counts(stack.store, other, 7)
    assert kept["spans"] == 4 and kept["evaluations"] >= 4 and kept["scores"] == 2, "others keep the global retention"
    again = [e for e in enforce(stack.store) if e.project == project]
    assert again and not any(again[0].removed.values()), "idempotent"

    api.put(f"/v1/projects/{project}/retention", json={"days": 0})
    assert api.get(f"/v1/projects/{project}/retention").json()["days"] is None
    audit = api.get("/v1/audit", params={"project": project}).json()["events"]
    assert any("retention" in e["action"] for e in audit), "setting a retention is audited"
