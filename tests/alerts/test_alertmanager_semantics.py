"""Alertmanager semantics, pure: label rules at load, reposts, endsAt, description and current value."""

from __future__ import annotations

import json
import math

import pytest

from spyglass.alerts.channels import Channel, build_request
from spyglass.alerts.files import parse_rule_text
from spyglass.alerts.notice import build_notice, summarize
from spyglass.alerts.repost import EXPIRY_INTERVALS, due_reposts, expires_at
from spyglass.alerts.rules import RuleError, parse_rule
from spyglass.alerts.silences import Silence, parse_matchers
from spyglass.alerts.state import AlertState, Transition, alert_labels
from spyglass.cli.main import main

RULE = {"name": "Toxic", "metric": "flag_rate:toxicity", "threshold": 0.25, "channels": ["am", "hook"],
        "description": "More than a quarter of answers are toxic: check the last prompt change."}
AM = Channel("am", "alertmanager", url="http://am:9093/api/v2/alerts")
HOOK = Channel("hook", "webhook", url="http://hook")


@pytest.mark.parametrize("labels, reason", [
    ({"on-call": "x"}, "label name 'on-call' is invalid: label names must match [a-zA-Z_][a-zA-Z0-9_]*"),
    ({"1team": "x"}, "label name '1team' is invalid"),
    ({"team": "bad \udc80"}, "label 'team': the value is not valid UTF-8"),
    ({"severity": "low"}, "label name 'severity' is reserved"),
    ({"team": {"a": 1}}, "label 'team': the value must be a string"),
])
def test_invalid_labels_are_refused_at_load_with_the_reason(labels, reason):
    with pytest.raises(RuleError, match=r"rule 'Toxic'\.labels: ") as caught:
        parse_rule({**RULE, "labels": labels})
    assert reason in str(caught.value)


def test_valid_labels_load():
    rule = parse_rule({**RULE, "labels": {"on_call": "ai-quality", "_tier": "1", "team": "ünïcode"}})
    assert rule.labels == {"on_call": "ai-quality", "_tier": "1", "team": "ünïcode"}


def test_rule_file_and_cli_check_refuse_an_invalid_label(tmp_path, capsys):
    text = "rules:\n  - {name: Toxic, metric: 'flag_rate:toxicity', threshold: 0.2, labels: {on-call: ai}}\n"
    with pytest.raises(RuleError, match=r"f\.yaml: rule 'Toxic'\.labels: label name 'on-call' is invalid"):
        parse_rule_text(text, "f.yaml")
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    assert main(["alerts", "--check", "--rules", str(path)]) == 2
    err = capsys.readouterr().err
    assert "label name 'on-call' is invalid" in err and str(path) in err


def _state(value: float = 0.4, **changes) -> AlertState:
    base = dict(alert_id="a1", dedup_key="toxic/k", rule_id="toxic", group={"project": "p"}, status="firing",
                since=1000.0, value=value, samples=40, fired_at=1000.0, notified_at=1000.0)
    return AlertState(**{**base, **changes})


def test_description_and_current_value_reach_every_channel():
    rule = parse_rule(RULE)
    notice = build_notice(rule, Transition("renotified", _state(0.61), True), 1500.0, [], expires_at=1620.0)
    am = json.loads(build_request(AM, notice).body)[0]
    assert am["annotations"]["description"] == RULE["description"] and am["annotations"]["value"] == "0.61"
    assert am["annotations"]["summary"].startswith("Toxic: flag_rate:toxicity=0.61 > 0.25")
    assert am["endsAt"] == "1970-01-01T00:27:00.000000Z"  # 1620 s: a firing alert expires unless posted again
    assert json.loads(build_request(HOOK, notice).body)["description"] == RULE["description"]
    slack = json.loads(build_request(Channel("s", "slack", url="http://s"), notice).body)
    assert RULE["description"] in slack["blocks"][0]["text"]["text"]
    pd = json.loads(build_request(Channel("pd", "pagerduty", url="http://pd", routing_key="k"), notice).body)
    assert pd["payload"]["custom_details"]["description"] == RULE["description"]
    assert pd["payload"]["custom_details"]["value"] == 0.61


def test_a_resolve_reads_as_a_recovery_and_ends_now():
    rule = parse_rule(RULE)
    resolved = _state(0.1, status="resolved", resolved_at=1800.0)
    notice = build_notice(rule, Transition("resolved", resolved, True), 1800.0, [], expires_at=9999.0)
    assert notice.summary == ("[RESOLVED] Toxic: flag_rate:toxicity back to 0.1, no longer > 0.25 "
                              "over 5m (project=p)")
    am = json.loads(build_request(AM, notice).body)[0]
    assert am["endsAt"] == "1970-01-01T00:30:00.000000Z" and not am["annotations"]["summary"].startswith("[")
    assert "back to no data" in summarize(rule, "resolved", math.nan, math.nan, {})


def test_reposts_are_due_per_interval_regardless_of_ack_and_renotify_but_not_when_silenced():
    rule = parse_rule(RULE)
    rules, channels = {rule.id: rule}, {"am": AM, "hook": HOOK}
    states = {"toxic/k": _state(acked_at=1200.0),  # acknowledged: still kept active in Alertmanager
              "toxic/never": _state(dedup_key="toxic/never", notified_at=None),  # silenced from the start
              "toxic/pending": _state(dedup_key="toxic/pending", status="pending", notified_at=None)}
    due = due_reposts(rules, states, channels, {"toxic/k": 1000.0}, 1029.0, 30.0)
    assert due == []
    due = due_reposts(rules, states, channels, {"toxic/k": 1000.0}, 1030.0, 30.0)
    assert [(d.state.dedup_key, [c.name for c in d.channels]) for d in due] == [("toxic/k", ["am"])]
    silence = Silence("s1", parse_matchers({"project": "p"}), 0.0, 5000.0)
    assert due_reposts(rules, states, channels, {}, 1030.0, 30.0, [silence]) == []
    no_am = parse_rule({**RULE, "channels": ["hook"]})
    assert due_reposts({no_am.id: no_am}, states, channels, {}, 1030.0, 30.0) == []
    assert expires_at(1000.0, 30.0) == 1000.0 + EXPIRY_INTERVALS * 30.0
    assert alert_labels(rule, {"project": "p"})["alertname"] == "Toxic"
