"""Reviewers' labels through the API and chDB: agreement figures match a hand-computed confusion matrix."""

from __future__ import annotations

import time

import pytest

from spyglass.cli.main import main
from spyglass.storage.evaluations import insert_evaluations
from support import unique_name

pytestmark = pytest.mark.integration


def verdicts(project: str, version: str, flags: list[bool]) -> list[dict]:
    t0 = time.time() - 60
    return [{"project": project, "trace_id": f"{project}-{version}-{i}", "span_id": f"{project}-{version}-{i}",
             "service": "svc", "model": "m", "environment": "", "span_start": t0 + i, "evaluator": "judge",
             "version": version, "score": 0.9 if f else 0.1, "label": "bad" if f else "ok", "flagged": f,
             "details": {}} for i, f in enumerate(flags)]


def test_agreement_matches_a_hand_computed_confusion_matrix(stack, api):
    project = unique_name("agree")
    # version 2: TP 8, FP 2 (flagged, reviewer says wrong), FN 3 (not flagged, wrong), TN 7
    truth = [(True, True)] * 8 + [(True, False)] * 2 + [(False, False)] * 3 + [(False, True)] * 7
    insert_evaluations(stack.store, verdicts(project, "2", [f for f, _ in truth]) + verdicts(project, "1", [True] * 3))
    for i, (_, correct) in enumerate(truth):
        if i == 0:  # a first, changed mind: the latest label counts
            api.post("/v1/reviews", json={"project": project, "span_id": f"{project}-2-0", "evaluator": "judge",
                                          "correct": not correct, "reviewer": "rita"})
        answer = api.post("/v1/reviews", json={"project": project, "span_id": f"{project}-2-{i}", "evaluator": "judge",
                                               "correct": correct, "reviewer": "rita"})
        assert answer.status_code == 201, answer.text
    for i in range(3):
        api.post("/v1/reviews", json={"project": project, "span_id": f"{project}-1-{i}", "evaluator": "judge",
                                      "correct": True})
    missing = api.post("/v1/reviews", json={"project": project, "span_id": "nope", "evaluator": "judge", "correct": True})
    assert missing.status_code == 404

    found = api.get("/v1/evaluators/agreement", params={"project": project}).json()["evaluators"]
    v1, v2 = found
    assert (v2["version"], v2["tp"], v2["fp"], v2["fn"], v2["tn"], v2["n"]) == ("2", 8, 2, 3, 7, 20)
    assert v2["precision"] == pytest.approx(0.8) and v2["recall"] == pytest.approx(8 / 11)
    # po = 15/20, pe = (10*11 + 10*9)/400 = 0.5, kappa = 0.5, SE = sqrt(.75*.25/(20*.25))
    assert v2["kappa"] == pytest.approx(0.5)
    se = (0.75 * 0.25 / (20 * 0.25)) ** 0.5
    assert v2["kappa_ci"] == pytest.approx([0.5 - 1.959964 * se, 0.5 + 1.959964 * se], abs=1e-5)
    assert v2["precision_ci"] == pytest.approx([0.4902, 0.9433], abs=1e-4)  # Wilson, 8 of 10
    assert (v1["version"], v1["n"], v1["precision"], v1["recall"], v1["kappa"]) == ("1", 3, 1.0, 1.0, None)
    # a window before the spans started holds no labels
    assert api.get("/v1/evaluators/agreement", params={"project": project, "end": time.time() - 3600}
                   ).json()["evaluators"] == []


def test_cli_asks_the_running_stack(stack, api, capsys, monkeypatch, tmp_path):
    project = unique_name("agree_cli")
    insert_evaluations(stack.store, verdicts(project, "3", [True, False]))
    for i, correct in enumerate((True, False)):
        api.post("/v1/reviews", json={"project": project, "span_id": f"{project}-3-{i}", "evaluator": "judge",
                                      "correct": correct})
    s = stack.settings
    for name, value in {"CLICKHOUSE_DSN": s.storage.dsn, "CLICKHOUSE_DATABASE": s.storage.database,
                        "LOCAL_KEY_PATH": s.api.local_key_path}.items():
        monkeypatch.setenv(f"SPYGLASS_{name}", value)
    assert main(["evaluators", "agreement", "--project", project, "--json", "--api", stack.api_url]) == 0
    import json
    rows = json.loads(capsys.readouterr().out)
    assert [(r["version"], r["tp"], r["fn"], r["n"]) for r in rows] == [("3", 1, 1, 2)]


def test_an_alert_pages_when_agreement_falls(store):
    from spyglass.alerts.engine import AlertEngine
    from spyglass.alerts.metrics import metric_query, parse_metric
    from spyglass.alerts.rules import parse_rule
    from spyglass.storage.reviews import insert_label

    project = unique_name("agree_alert")
    truth = [(True, True)] * 8 + [(True, False)] * 2 + [(False, False)] * 3 + [(False, True)] * 7
    for i, (flagged, correct) in enumerate(truth):
        verdict = {"trace_id": f"t{i}", "version": "2", "flagged": flagged, "span_start": time.time() - 60}
        insert_label(store, project, f"s{i}", "judge", verdict, correct, "rita", "")
    sql, params = metric_query(parse_metric("agreement:judge:kappa"), {"project": [project]}, ["project"],
                               time.time() - 3600, time.time() + 60)
    (row,) = store.rows(sql, parameters=params)
    assert row["samples"] == 20 and row["value"] == pytest.approx(0.5)
    rule = parse_rule({"name": "judge agrees less", "metric": "agreement:judge:kappa", "comparison": "<",
                       "threshold": 0.6, "window": "1d", "min_samples": 10, "filters": {"project": [project]},
                       "group_by": ["project", "version"]})
    engine = AlertEngine(store, [], [rule], interval_s=0.1)
    engine.start()
    made = engine.tick()
    fired = [t for t in made if t.event == "firing"]
    assert [(t.state.group["version"], round(t.state.value, 3)) for t in fired] == [("2", 0.5)]
