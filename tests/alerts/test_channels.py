"""Channel formats against local receivers: HMAC, retries and backoff, PagerDuty/Slack/Alertmanager shapes."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading

import httpx

from spyglass.alerts.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, Channel, build_request
from spyglass.alerts.delivery import BACKOFF_BASE_S, BACKOFF_CAP_S, Dispatcher, send
from spyglass.alerts.notice import build_notice
from spyglass.alerts.rules import parse_rule
from spyglass.alerts.state import Observation, step
from spyglass.core.time import backoff_s

RULE = parse_rule({"name": "PII leaks", "metric": "flagged:pii", "threshold": 3, "comparison": ">=",
                   "severity": "critical", "labels": {"team": "sec"}})


def notice(status: str = "firing"):
    states, made = step(RULE, [Observation({"project": "p1"}, 5.0, 40, True)], {}, 1_700_000_000.0)
    transition = made[0]
    if status == "resolved":
        _, made = step(RULE, [], states, 1_700_000_060.0)
        transition = made[0]
    links = [{"text": "matching traces", "href": "http://api/v1/traces?project=p1&flagged=pii"}]
    return build_notice(RULE, transition, 1_700_000_000.0, links, {"pii_entities": {"EMAIL_ADDRESS": 5}})


def test_webhook_signature_verifies_with_the_shared_secret(receiver):
    channel = Channel("hook", "webhook", url=receiver.url + "/hook", secret="s3cret")
    with httpx.Client() as client:
        result = send(channel, notice(), client, threading.Event())
    assert result.ok and result.attempts == 1
    got = receiver.requests[0]
    stamp = got.headers[TIMESTAMP_HEADER]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers[SIGNATURE_HEADER], f"sha256={expected}")
    body = got.json
    assert body["rule_name"] == "PII leaks" and body["value"] == 5.0 and body["threshold"] == 3.0
    assert body["window_s"] == 300 and body["links"][0]["href"].endswith("flagged=pii")
    assert body["details"] == {"pii_entities": {"EMAIL_ADDRESS": 5}}


def test_temporary_failures_are_retried_with_backoff_and_permanent_ones_are_not(receiver):
    channel = Channel("hook", "webhook", url=receiver.url, deadline_s=20)
    receiver.responses[:] = [503, 429, 502]
    with httpx.Client() as client:
        result = send(channel, notice(), client, threading.Event())
        assert (result.ok, result.attempts, result.http_status) == (True, 4, 200)
        receiver.responses[:] = [400]
        result = send(channel, notice(), client, threading.Event())
    assert (result.ok, result.attempts, result.http_status) == (False, 1, 400) and "HTTP 400" in result.error
    assert all(0 < backoff_s(n, BACKOFF_BASE_S, BACKOFF_CAP_S) <= min(10, 0.25 * 2 ** (n - 1)) for n in range(1, 12))


def test_an_unreachable_receiver_gives_up_at_the_deadline():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connections are refused
    channel = Channel("hook", "webhook", url=f"http://127.0.0.1:{port}", deadline_s=1.5)
    with httpx.Client() as client:
        result = send(channel, notice(), client, threading.Event())
    assert not result.ok and result.attempts >= 2 and result.http_status == 0 and "Connect" in result.error


def test_pagerduty_slack_and_alertmanager_formats():
    firing, resolved = notice(), notice("resolved")
    pd = json.loads(build_request(Channel("pd", "pagerduty", url="http://pd", routing_key="R" * 32), firing).body)
    assert pd["event_action"] == "trigger" and pd["routing_key"] == "R" * 32 and pd["dedup_key"] == firing.dedup_key
    assert pd["payload"]["severity"] == "critical" and pd["payload"]["summary"].startswith("[FIRING] PII leaks")
    assert pd["links"][0]["href"].startswith("http://api/v1/traces")
    pd_resolve = json.loads(build_request(Channel("pd", "pagerduty", url="http://pd", routing_key="R"), resolved).body)
    assert (pd_resolve["event_action"], pd_resolve["dedup_key"]) == ("resolve", firing.dedup_key)
    slack = json.loads(build_request(Channel("s", "slack", url="http://slack"), firing).body)
    assert slack["text"].startswith(":rotating_light: [FIRING]") and slack["blocks"][0]["type"] == "section"
    am = json.loads(build_request(Channel("am", "alertmanager", url="http://am/api/v2/alerts"), resolved).body)
    assert am[0]["labels"]["alertname"] == "PII leaks" and am[0]["labels"]["project"] == "p1"
    assert "endsAt" in am[0] and am[0]["startsAt"].endswith("Z")


def test_dispatcher_delivers_in_order_per_channel_and_reports_results(receiver):
    results = []
    dispatcher = Dispatcher(results.append)
    channel = Channel("pd", "pagerduty", url=receiver.url + "/v2/enqueue", routing_key="key")
    dispatcher.submit(channel, notice())
    dispatcher.submit(channel, notice("resolved"))
    dispatcher.close(timeout_s=10)
    assert [b["event_action"] for b in receiver.bodies()] == ["trigger", "resolve"]
    assert [(r.event, r.ok) for r in results] == [("firing", True), ("resolved", True)]
