"""Erasure and the audit log through the real broker and chDB: every row of a user goes, stays gone
after a replay of the topics from the beginning, and the erasure, SQL reads, key changes and acks are audited."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from spyglass.ingest.scores import ScoreIngest
from spyglass.ingest.worker import IngestWorker
from spyglass.sdk.score_wire import scores_topic
from spyglass.storage import Store
from support import unique_name, wait_for

pytestmark = pytest.mark.integration


def spans_of(project: str, user: str, traces: int) -> list[dict]:
    t0 = time.time() - 30
    tag = user[0]  # ids that do not spell the user id, so the audit check below means something
    return [{"trace_id": f"{project}-{tag}{i}", "span_id": f"{project}-{tag}{i}-{j}", "project": project,
             "name": "chat", "kind": "llm" if j else "chain", "start_time": t0 + j, "end_time": t0 + j + 1,
             "model": "m", "user_id": user, "prompt": f"My name is {user}", "completion": "Hello there."}
            for i in range(traces) for j in range(2)]


def rows_naming(store: Store, project: str, user: str, traces: list[str]) -> dict[str, int]:
    """Rows of the user or their traces in every table that has a trace_id or user_id column."""
    tables = store.rows("SELECT table, groupArray(name) AS cols FROM system.columns WHERE database = currentDatabase() "
                        "AND name IN ('trace_id', 'user_id') AND table NOT LIKE '.inner%' GROUP BY table")
    found = {}
    for t in tables:
        clauses = (["trace_id IN {t:Array(String)}"] if "trace_id" in t["cols"] else []) + \
                  (["user_id = {u:String}"] if "user_id" in t["cols"] else [])
        found[t["table"]] = store.rows(f"SELECT count() AS n FROM {t['table']} WHERE project = {{p:String}} AND "
                                       f"({' OR '.join(clauses)})", parameters={"p": project, "t": traces, "u": user}
                                       )[0]["n"]
    return found


def replay(stack) -> tuple[IngestWorker, ScoreIngest]:
    """Fresh consumer groups reading the span and score topics from the beginning, into the same database."""
    s = stack.settings
    spans = IngestWorker(Store(s.storage.dsn, s.storage.database), stack.bootstrap, s.broker.spans_topic,
                         s.broker.dlq_topic, unique_name("replay"), batch_ms=50,
                         consumer_options={"max_poll_interval_ms": 5_000}, decode_processes=0)
    scores = ScoreIngest(Store(s.storage.dsn, s.storage.database), stack.bootstrap,
                         scores_topic(s.broker.spans_topic), s.broker.dlq_topic, unique_name("replay-scores"))
    for worker in (spans, scores):
        threading.Thread(target=worker.run, daemon=True).start()
    return spans, scores


def caught_up(worker: ScoreIngest) -> bool:
    consumer = getattr(worker, "consumer", None)
    parts = list(consumer.assignment()) if consumer is not None else []
    return bool(parts) and all(consumer.position(p) >= end for p, end in consumer.end_offsets(parts).items())


def test_erasure_removes_every_row_survives_a_replay_and_is_audited(stack, api):
    project = unique_name("gdpr")
    victim, keeper = spans_of(project, "victim", 3), spans_of(project, "keeper", 1)
    traces = sorted({s["trace_id"] for s in victim})
    assert api.post("/v1/spans", json=victim + keeper).status_code == 202
    assert api.post("/v1/scores", json=[{"project": project, "trace_id": traces[0], "name": "thumbs_up",
                                         "value": False}, {"project": project, "trace_id": keeper[0]["trace_id"],
                                                           "name": "thumbs_up", "value": True}]).status_code == 202
    store = stack.store
    wait_for(lambda: (c := rows_naming(store, project, "victim", traces)) and c["spans"] == 6 and c["scores"] == 1
             and c["evaluations"] >= 3 and c, 180, message="spans, scores and evaluations stored")
    before = store.rows("SELECT sum(spans) AS n FROM spans_1m WHERE project = {p:String}", parameters={"p": project})

    answer = api.delete("/v1/users/victim", params={"project": project})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["removed"]["spans"] == 6 and body["removed"]["scores"] == 1 and body["traces"] == 3
    assert body["removed"]["evaluations"] >= 3
    assert all(n == 0 for n in rows_naming(store, project, "victim", traces).values())
    assert api.delete("/v1/users/victim", params={"project": project}).json()["total"] == 0, "idempotent"
    assert rows_naming(store, project, "keeper", [keeper[0]["trace_id"]])["spans"] == 2, "others are kept"
    after = store.rows("SELECT sum(spans) AS n FROM spans_1m WHERE project = {p:String}", parameters={"p": project})
    assert after == before, "rollups keep their counts (aggregates without text)"
    assert api.delete(f"/v1/traces/{keeper[0]['trace_id']}", params={"project": project}).json()["removed"] \
        ["spans"] == 2

    spans, scores = replay(stack)
    try:
        wait_for(lambda: spans.span_sink.erased_skipped >= 8 and caught_up(scores), 90, message="replay done")
    finally:
        spans.stop()
        scores.stop()
    left = rows_naming(store, project, "victim", traces)
    assert all(n == 0 for n in left.values()), f"a replay brings nothing back: {left}"
    assert rows_naming(store, project, "keeper", [keeper[0]["trace_id"]])["spans"] == 0

    # audited: the erasures, a SQL read with its rows, a key change, an ack
    read_key = api.post("/v1/keys", json={"project": project, "scopes": ["read"], "name": "analyst"}).json()
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {read_key['key']}"}) as analyst:
        sql = analyst.post("/v1/sql", json={"query": "SELECT trace_id FROM spans WHERE user_id = 'keeper'"})
        assert sql.status_code == 200, sql.text
        assert analyst.get("/v1/audit").status_code == 403, "a read-scope key cannot read the audit log"
        refused = analyst.post("/v1/sql", json={"query": "SELECT * FROM audit_log"})
        assert refused.status_code == 403, "nor through SQL"
    rule = {"name": f"traffic {project}", "metric": "request_rate", "threshold": 0, "window": "15m",
            "filters": {"project": [project]}, "channels": ["log"]}
    assert api.post("/v1/alert-rules", json=rule).status_code == 201
    alert = wait_for(lambda: api.get("/v1/alerts", params={"project": project, "state": "firing"}).json()["alerts"],
                     60, message="alert firing")[0]
    assert api.post(f"/v1/alerts/{alert['alert_id']}/ack", json={"by": "oncall"}).status_code == 202

    def events() -> list[dict]:
        return api.get("/v1/audit", params={"project": project}).json()["events"]

    wanted = {"DELETE /v1/users/{id}", "DELETE /v1/traces/{id}", "POST /v1/sql", "POST /v1/keys",
              "POST /v1/alerts/{id}/ack"}
    found = wait_for(lambda: (e := events()) and wanted <= {x["action"] for x in e} and e, 30,
                     message=f"audit rows {[(x['action'], x['project']) for x in stack.store.rows('SELECT action, project FROM audit_log')]}")
    sql_row = next(e for e in found if e["action"] == "POST /v1/sql" and e["status"] == 200)
    assert any(e["action"] == "POST /v1/sql" and e["status"] == 403 for e in found), "refusals are audited too"
    assert sql_row["key_id"] == read_key["key_id"] and sql_row["rows"] == 0 and len(sql_row["sql_hash"]) == 16
    assert sql_row["client"] == "127.0.0.1"
    erasures = [e for e in found if e["action"] == "DELETE /v1/users/{id}"]
    assert len(erasures) == 2 and all(e["status"] == 200 and "victim" not in e["target"] for e in erasures)
    assert "keeper" not in str(found) and "My name is" not in str(found), "no PII or prompt text in the log"
