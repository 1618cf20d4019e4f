"""Scores from outside through the real broker and chDB: SDK and HTTP feedback land, roll up and page."""

from __future__ import annotations

import time

import pytest

import spyglass.sdk as spyglass
from support import unique_name, wait_for

pytestmark = pytest.mark.integration


def llm_spans(project: str, n: int, model: str, user: str = "u1") -> list[dict]:
    t0 = time.time() - 20
    return [{"trace_id": f"{project}-{model}-{i}", "span_id": f"{project}-{model}-{i}-s", "project": project,
             "name": "chat", "kind": "llm", "start_time": t0, "end_time": t0 + 1, "model": model, "user_id": user,
             "prompt": "Where is my parcel?", "completion": "It ships tomorrow."} for i in range(n)]


def stored(stack, project: str) -> list[dict]:
    return stack.store.rows("SELECT trace_id, name, source, value, model, user_id FROM scores FINAL "
                            "WHERE project = {p:String} ORDER BY trace_id", parameters={"p": project})


def test_sdk_and_http_feedback_land_roll_up_and_page(stack, api):
    project = unique_name("fb")
    spans = llm_spans(project, 6, "model-a") + llm_spans(project, 4, "model-b")
    assert api.post("/v1/spans", json=spans).status_code == 202
    wait_for(lambda: len(api.get("/v1/traces", params={"project": project}).json()["traces"]) == 10, 60,
             message="spans stored")

    # users' thumbs through the SDK (Kafka): model-a gets 5 down of 6, model-b 0 of 4
    spyglass.init(project=project, kafka_bootstrap=stack.bootstrap, kafka_topic=stack.settings.broker.spans_topic,
                  flush_interval_s=0.05)
    try:
        for i, span in enumerate(spans):
            spyglass.score("thumbs_up", span["model"] == "model-b" or i == 0, trace_id=span["trace_id"],
                           span_id=span["span_id"], source="user", author="end-user", comment="meh")
        spyglass.score("thumbs_up", "not a bool and far too long" * 10, trace_id=spans[0]["trace_id"])  # dropped
        assert spyglass.flush(20)
    finally:
        spyglass.shutdown()
    # a reviewer's category and number over HTTP
    answer = api.post("/v1/scores", json={"scores": [
        {"project": project, "trace_id": spans[1]["trace_id"], "name": "review", "value": "off-topic",
         "source": "reviewer", "author": "rita"},
        {"project": project, "trace_id": spans[1]["trace_id"], "name": "quality", "value": 0.25, "source": "api"}]})
    assert answer.status_code == 202, answer.text
    bad = api.post("/v1/scores", json=[{"project": project, "trace_id": "t", "name": "x", "value": None}])
    assert bad.status_code == 422 and bad.json()["detail"]["errors"][0]["field"] == "value"

    wait_for(lambda: len(stored(stack, project)) >= 12, 60, message="12 scores stored")
    rows = stored(stack, project)
    assert len(rows) == 12, rows
    thumbs = [r for r in rows if r["name"] == "thumbs_up"]
    assert {r["model"] for r in thumbs} == {"model-a", "model-b"}, "scores carry the scored span's model"
    assert all(r["source"] == "user" and r["user_id"] == "u1" for r in thumbs)
    rollup = stack.store.rows(
        "SELECT model, sum(scores) AS n, sum(negative) AS down FROM scores_1m WHERE project = {p:String} "
        "AND name = 'thumbs_up' GROUP BY model ORDER BY model", parameters={"p": project})
    assert [(r["model"], r["n"], r["down"]) for r in rollup] == [("model-a", 6, 5), ("model-b", 4, 0)]
    assert stack.store.rows("SELECT category, sum(scores) AS n FROM scores_1m WHERE project = {p:String} "
                            "AND name = 'review' GROUP BY category", parameters={"p": project}) == \
        [{"category": "off-topic", "n": 1}]

    trace = api.get(f"/v1/traces/{spans[1]['trace_id']}", params={"project": project}).json()
    assert {(f["name"], f["value"], f["category"]) for f in trace["feedback"]} == \
        {("thumbs_up", 0.0, ""), ("review", None, "off-topic"), ("quality", 0.25, "")}

    # thumbs-down share per model over 15 minutes pages for model-a only
    rule = {"name": f"thumbs down {project}", "metric": "score:thumbs_up:negative_rate", "window": "15m",
            "threshold": 0.5, "min_samples": 3, "group_by": ["project", "model"], "filters": {"project": [project]},
            "channels": ["log"]}
    assert api.post("/v1/alert-rules", json=rule).status_code == 201
    firing = wait_for(lambda: api.get("/v1/alerts", params={"project": project, "state": "firing"}).json()["alerts"],
                      60, message="thumbs-down alert firing")
    assert [(a["labels"]["model"], round(a["value"], 3)) for a in firing] == [("model-a", round(5 / 6, 3))]
