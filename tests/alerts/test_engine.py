"""The engine over the real ClickHouse engine (chDB) with local receivers speaking each channel's format."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from spyglass.alerts.channels import Channel
from spyglass.alerts.engine import AlertEngine
from spyglass.alerts.files import default_rule_files, load_rule_files
from spyglass.alerts.rules import parse_rule
from spyglass.storage import alerts as db
from spyglass.storage.evaluations import insert_evaluations
from spyglass.storage.spans import insert_spans
from seed import evaluation_rows, span_rows
from support import unique_name, wait_for

pytestmark = pytest.mark.integration

TOXIC = {"name": "Toxic", "metric": "flag_rate:toxicity", "threshold": 0.5, "min_samples": 5,
         "window": "5m", "channels": ["hook"]}


def engine(store, channels, *rules, **kwargs) -> AlertEngine:
    made = AlertEngine(store, channels, [parse_rule(r) for r in rules], interval_s=0.1,
                       public_url="http://spyglass.test", **kwargs)
    made.start()
    return made


def drain(made: AlertEngine) -> None:
    made.dispatcher.close(timeout_s=15)
    made._record_deliveries()


def test_a_burst_fires_once_and_resolves_after_recovery(store, receiver):
    project = unique_name("burst")
    hook = Channel("hook", "webhook", url=receiver.url, secret="k")
    made = engine(store, [hook], {**TOXIC, "filters": {"project": project}})
    for batch in range(4):  # a burst arriving over several ticks, span by span
        insert_evaluations(store, evaluation_rows(project, 5, 5, prefix=f"b{batch}-"))
        made.tick()
    insert_evaluations(store, evaluation_rows(project, 60, 0, prefix="ok"))  # recovery: 20 bad of 80
    made.tick()
    made.tick()
    drain(made)
    bodies = receiver.bodies()
    assert [b["status"] for b in bodies] == ["firing", "resolved"]
    firing = bodies[0]
    assert firing["value"] == 1.0 and firing["samples"] >= 5 and firing["labels"]["project"] == project
    assert firing["links"][0]["href"] == f"http://spyglass.test/traces?project={project}&flagged=toxicity"
    assert all(link["href"].startswith("http://spyglass.test/traces/b") for link in firing["links"][1:-1])
    assert firing["links"][-1]["href"] == f"http://spyglass.test/alerts/{firing['alert_id']}"
    assert bodies[1]["alert_id"] == firing["alert_id"] and bodies[1]["value"] == 0.25
    events = [e["event"] for e in db.alert_events(store, firing["alert_id"])]
    assert events == ["firing", "resolved"]
    assert [(d["event"], d["ok"]) for d in db.deliveries(store, firing["alert_id"])] == \
        [("firing", True), ("resolved", True)]


def test_pagerduty_trigger_acknowledge_resolve_share_the_dedup_key(store, receiver):
    project = unique_name("pd")
    receiver.ok_status = 202
    pd = Channel("pd", "pagerduty", url=receiver.url + "/v2/enqueue", routing_key="routing-key")
    made = engine(store, [pd], {**TOXIC, "channels": ["pd"], "filters": {"project": project}})
    insert_evaluations(store, evaluation_rows(project, 10, 10))
    made.tick()
    alert = db.list_alerts(store, "firing", project=project)[0]
    db.insert_ack(store, alert["alert_id"], "alice")
    made.tick()
    made.tick(time.time() + 7200)  # acknowledged: no re-notification even long after
    insert_evaluations(store, evaluation_rows(project, 40, 0, prefix="ok"))
    made.tick()
    drain(made)
    events = receiver.bodies()
    assert [e["event_action"] for e in events] == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in events} == {alert["dedup_key"]}
    assert all(r.path == "/v2/enqueue" for r in receiver.requests)


def test_silence_keeps_it_quiet_and_expiring_it_pages(store, receiver):
    project = unique_name("quiet")
    made = engine(store, [Channel("hook", "webhook", url=receiver.url)], {**TOXIC, "filters": {"project": project}})
    now = time.time()
    db.save_silence(store, "s-" + project, [{"name": "project", "value": project, "op": "="}], now - 1, now + 3600)
    insert_evaluations(store, evaluation_rows(project, 10, 10))
    for _ in range(3):
        made.tick()
    assert db.list_alerts(store, "firing", project=project)[0]["silenced"]
    made.dispatcher.close(timeout_s=5)
    assert receiver.bodies() == []
    made = engine(store, [Channel("hook", "webhook", url=receiver.url)], {**TOXIC, "filters": {"project": project}})
    db.save_silence(store, "s-" + project, [{"name": "project", "value": project, "op": "="}], now - 1, time.time())
    made.tick()
    drain(made)
    assert [(b["status"], b["event"]) for b in receiver.bodies()] == [("firing", "notified")]


def test_renotifies_on_schedule(store, receiver):
    project = unique_name("renotify")
    made = engine(store, [Channel("hook", "webhook", url=receiver.url)],
                  {**TOXIC, "filters": {"project": project}, "renotify": "30s"})
    insert_evaluations(store, evaluation_rows(project, 10, 10))
    start = time.time()
    for offset in (0, 10, 20, 31, 40, 50, 62):
        made.tick(start + offset)
    drain(made)
    assert [(b["event"], round(b["at"] - start)) for b in receiver.bodies()] == \
        [("firing", 0), ("renotified", 31), ("renotified", 62)]


def test_survives_a_restart_without_paging_again(store, receiver):
    project = unique_name("restart")
    hook = [Channel("hook", "webhook", url=receiver.url)]
    rule = {**TOXIC, "filters": {"project": project}}
    insert_evaluations(store, evaluation_rows(project, 10, 10))
    first = AlertEngine(store, hook, [parse_rule(rule)], interval_s=0.1)
    thread = threading.Thread(target=first.run, daemon=True)
    thread.start()
    wait_for(lambda: receiver.bodies(), 20, message="the first page")
    first.stop()
    thread.join(20)
    second = AlertEngine(store, hook, [parse_rule(rule)], interval_s=0.1)
    thread = threading.Thread(target=second.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: second.ticks >= 10, 20, message="ten ticks of the restarted engine")
        assert len(receiver.bodies()) == 1, "the restarted engine must not page again"
        insert_evaluations(store, evaluation_rows(project, 40, 0, prefix="ok"))
        wait_for(lambda: len(receiver.bodies()) == 2, 20, message="the resolve")
    finally:
        second.stop()
        thread.join(20)
    firing, resolved = receiver.bodies()
    assert (firing["status"], resolved["status"]) == ("firing", "resolved")
    assert firing["alert_id"] == resolved["alert_id"] and firing["dedup_key"] == resolved["dedup_key"]


def test_span_metrics_reach_slack_and_alertmanager_without_prompt_text(store, receiver):
    project = unique_name("errors")
    channels = [Channel("slack", "slack", url=receiver.url + "/slack"),
                Channel("am", "alertmanager", url=receiver.url + "/api/v2/alerts")]
    made = engine(store, channels, {"name": "Errors", "metric": "error_rate", "threshold": 0.2, "min_samples": 10,
                                    "filters": {"project": project}, "channels": ["slack", "am"]},
                  {"name": "Slow", "metric": "latency_p95", "threshold": 1000, "min_samples": 10,
                   "filters": {"project": project}, "channels": ["slack"]})
    insert_spans(store, span_rows(project, 20, errors=10, duration_ms=2500))
    made.tick()
    drain(made)
    by_path = {}
    for r in receiver.requests:
        by_path.setdefault(r.path, []).append(r.json)
    assert len(by_path["/slack"]) == 2 and len(by_path["/api/v2/alerts"]) == 1
    am = by_path["/api/v2/alerts"][0][0]
    assert am["labels"]["alertname"] == "Errors" and "status=error" in am["generatorURL"]
    texts = " ".join(b["text"] for b in by_path["/slack"])
    assert "error_rate=0.5" in texts and "latency_p95=2500" in texts
    assert all(b"secret" not in r.body for r in receiver.requests), "no prompt or completion text in payloads"


def drift_report(store, project: str, feature: str, kind: str = "numeric", drifted: bool = True) -> None:
    store.command("INSERT INTO drift_reports (run_id, computed_at, project, service, model, feature, feature_kind, "
                  "method, statistic, p_value, effect_size, drifted) VALUES ({r:String}, fromUnixTimestamp({t:UInt32}), "
                  "{p:String}, 'bot', 'm', {f:String}, {k:String}, 'ks', 0.4, 0.001, 0.6, {d:Bool})",
                  parameters={"r": unique_name("run"), "t": int(time.time()), "p": project, "f": feature, "k": kind,
                              "d": drifted})


def test_drift_rules_read_drift_reports(store, receiver):
    project = unique_name("drift")
    drift_report(store, project, "completion_length")
    made = engine(store, [Channel("hook", "webhook", url=receiver.url)],
                  {"name": "Drift", "metric": "drift_effect_size", "threshold": 0.5, "window": "1h",
                   "filters": {"project": project}, "group_by": ["project", "feature"], "channels": ["hook"]})
    made.tick()
    drain(made)
    body = receiver.bodies()[0]
    assert body["value"] == 0.6 and body["labels"]["feature"] == "completion_length"


def test_default_drift_rule_pages_a_new_topic_not_the_symptoms_other_rules_page(store, receiver):
    """A toxic burst shifts scores and completion lengths (drifted in the report), but its own rule
    pages it; the default "Drift detected" rule waits for drift in what the traffic is about."""
    (default,) = [r for r in load_rule_files(default_rule_files()).rules if r.name == "Drift detected"]
    project = unique_name("drift")
    rule = replace(default, channels=("hook",), filters={**default.filters, "project": (project,)})
    made = AlertEngine(store, [Channel("hook", "webhook", url=receiver.url)], [rule], interval_s=0.1,
                       public_url="http://spyglass.test")
    made.start()
    for feature in ("score:toxicity", "completion_length", "latency_ms", "cost"):
        drift_report(store, project, feature)
    drift_report(store, project, "prompt_embedding", "embedding", drifted=False)
    assert made.tick() == []
    drift_report(store, project, "prompt_embedding", "embedding")
    assert [t.event for t in made.tick()] == ["firing"]
    drain(made)
    body = receiver.bodies()[0]
    assert body["status"] == "firing" and body["labels"]["alertname"] == "Drift detected"
