"""Rule parsing and validation, metric names, durations, rule files (no services)."""

from __future__ import annotations

import pytest

from spyglass.alerts.files import default_rule_files, load_rule_files, parse_rule_text
from spyglass.alerts.metrics import metric_query, parse_metric
from spyglass.alerts.rules import RuleError, parse_duration, parse_rule
from spyglass.core.errors import InvalidInput


def test_a_full_rule_parses_with_units_and_defaults():
    rule = parse_rule({"name": "Toxic responses", "metric": "evaluator:toxicity:flag_rate", "window": "5m",
                       "comparison": ">=", "threshold": 0.25, "for": "30s", "min_samples": 20,
                       "filters": {"project": "bot", "environment": ["prod", "staging"]},
                       "group_by": ["project", "model"], "labels": {"team": "q"}, "channels": ["pd", "slack"],
                       "severity": "critical", "renotify": "1h"})
    assert rule.id == "toxic-responses"
    assert (rule.window_s, rule.for_s, rule.renotify_s) == (300, 30, 3600)
    assert rule.filters == {"project": ("bot",), "environment": ("prod", "staging")}
    assert rule.metric.source == "evaluations" and rule.metric.evaluator == "toxicity"
    assert rule.breaches(0.25) and not rule.breaches(0.2) and not rule.breaches(float("nan"))
    assert parse_rule(rule.to_dict()) == rule


@pytest.mark.parametrize("raw, message", [
    ({"metric": "latency_p95", "threshold": 1}, "name"),
    ({"name": "x", "threshold": 1}, "metric"),
    ({"name": "x", "metric": "latency_p42", "threshold": 1}, "unknown metric"),
    ({"name": "x", "metric": "latency_p95"}, "threshold"),
    ({"name": "x", "metric": "latency_p95", "threshold": 1, "comparison": "=>"}, "comparison"),
    ({"name": "x", "metric": "latency_p95", "threshold": 1, "window": "10s"}, "at least 1m"),
    ({"name": "x", "metric": "latency_p95", "threshold": 1, "window": "five"}, "duration"),
    ({"name": "x", "metric": "latency_p95", "threshold": 1, "severity": "meh"}, "severity"),
    ({"name": "x", "metric": "latency_p95", "threshold": 1, "filters": {"region": "eu"}}, "region"),
    ({"name": "x", "metric": "drift:effect_size", "threshold": 1, "group_by": ["environment"]}, "environment"),
    ({"name": "x", "metric": "latency_p95", "threshold": "high"}, "threshold"),
    ({"name": "x", "metric": "latency_p95", "threshold": 1, "min_samples": -1}, "min_samples"),
    ({"name": "x", "metric": "latency_p95", "threshold": 1, "treshold": 2}, "unknown field"),
    ({"name": "x", "metric": "latency_p95", "kind": "magic"}, "kind"),
])
def test_bad_rules_say_which_field_is_wrong(raw, message):
    with pytest.raises(RuleError, match=message):
        parse_rule(raw)


def test_durations():
    assert [parse_duration(v, "w") for v in ("250ms", "30s", "5m", "1h", "1d", 90, "2")] == \
        [0.25, 30, 300, 3600, 86400, 90, 2]
    with pytest.raises(RuleError):
        parse_duration(-1, "w")


def test_metric_names_and_old_names():
    assert parse_metric("flagged:pii").stat == "flagged" and parse_metric("flagged:pii").evaluator == "pii"
    assert parse_metric("pii_leaks") == parse_metric("flagged:pii")  # an old name, read with a warning
    assert parse_metric("evaluator:toxicity:mean").text == "score_mean:toxicity"
    assert parse_metric("drift_drifted").source == "drift" and parse_metric("drift:drifted").text == "drift_drifted"
    assert parse_metric("latency_p99").source == "spans"
    with pytest.raises(InvalidInput, match="choose one of"):
        parse_metric("evaluator:toxicity:median")


def test_metric_queries_bind_values_instead_of_formatting_them():
    rule = parse_rule({"name": "x", "metric": "flag_rate:tox'ic", "threshold": 0.1,
                       "filters": {"project": "p'; DROP TABLE spans"}})
    sql, params = metric_query(rule.metric, rule.filters, rule.group_by, 1000.0, 1300.0)
    assert "DROP" not in sql and "tox'ic" not in sql
    assert params["f_project"] == ["p'; DROP TABLE spans"] and params["evaluator"] == "tox'ic"
    assert "GROUP BY project" in sql and "FROM evaluations_1m" in sql


def test_the_packaged_default_rules_load_and_demand_samples():
    found = load_rule_files(default_rule_files())
    names = {r.metric.text for r in found.rules}
    assert {"flag_rate:toxicity", "flag_rate:hallucination", "latency_p95", "error_rate", "flagged:pii"} <= names
    rates = [r for r in found.rules if r.metric.stat in ("flag_rate", "error_rate", "latency_p95")]
    assert all(r.min_samples >= 20 for r in rates), "rates need enough samples to avoid false alarms"
    assert all(r.channels == ("log",) for r in found.rules)


def test_rule_files_name_the_file_and_channel_on_error():
    with pytest.raises(RuleError, match="f.yaml: channel 'pd'.routing_key"):
        parse_rule_text("channels:\n  - {name: pd, type: pagerduty}\n", "f.yaml")
    with pytest.raises(RuleError, match="f.yaml: rule 'x'.metric"):
        parse_rule_text("rules:\n  - {name: x, metric: nope, threshold: 1}\n", "f.yaml")
    found = parse_rule_text("channels:\n  - {name: am, type: alertmanager, url: 'http://h:9093'}\n", "f.yaml")
    assert found.channels[0].url == "http://h:9093/api/v2/alerts"
