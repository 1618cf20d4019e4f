"""Channels and the requests they receive (pure builders; ``delivery`` sends them).

Formats: a generic JSON webhook (optional HMAC-SHA256 signature), a Slack incoming webhook,
PagerDuty Events API v2 (trigger/acknowledge/resolve by dedup_key), Prometheus Alertmanager
API v2 (``POST /api/v2/alerts``) and a local log of JSON lines.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from spyglass.alerts.notice import Notice
from spyglass.core.errors import InvalidRecord
from spyglass.core.time import iso

TYPES = ("webhook", "slack", "pagerduty", "alertmanager", "log")
PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
SIGNATURE_HEADER = "X-Spyglass-Signature"
TIMESTAMP_HEADER = "X-Spyglass-Timestamp"
_PD_ACTION = {"firing": "trigger", "acknowledged": "acknowledge", "resolved": "resolve"}
_PD_SEVERITY = {"critical": "critical", "error": "error", "warning": "warning", "info": "info"}
_SLACK_ICON = {"firing": ":rotating_light:", "acknowledged": ":eyes:", "resolved": ":white_check_mark:"}


class ChannelError(InvalidRecord):
    """A channel definition that cannot be used; the message names the channel and field."""


@dataclass(frozen=True)
class Channel:
    """Where notices go. ``url`` for HTTP channels, ``path`` for the log channel (unset: the logger)."""

    name: str
    type: str
    url: str = ""
    secret: str = ""  # webhook: HMAC-SHA256 key
    routing_key: str = ""  # pagerduty: the Events API v2 integration key
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0
    deadline_s: float = 60.0  # give up retrying after this long


@dataclass(frozen=True)
class Request:
    """One HTTP request to send (or, for the log channel, one line to write)."""

    url: str
    body: bytes
    headers: dict[str, str]


def parse_channel(raw: Any, where: str = "channel") -> Channel:
    """Validate a channel definition (YAML mapping); raise ``ChannelError`` naming the field."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise ChannelError(f"{where}: expected a mapping with a non-empty name")
    where = f"channel {raw['name']!r}"
    kind = raw.get("type")
    if kind not in TYPES:
        raise ChannelError(f"{where}.type: {kind!r} is not one of {', '.join(TYPES)}")
    known = {"name", "type", "url", "secret", "routing_key", "path", "headers", "timeout_s", "deadline_s"}
    if set(raw) - known:
        raise ChannelError(f"{where}: unknown field(s) {', '.join(sorted(set(raw) - known))}")
    url = raw.get("url") or (PAGERDUTY_URL if kind == "pagerduty" else "")
    if kind not in ("log",) and not str(url).startswith(("http://", "https://")):
        raise ChannelError(f"{where}.url: required, an http(s) URL")
    if kind == "pagerduty" and not raw.get("routing_key"):
        raise ChannelError(f"{where}.routing_key: required (the Events API v2 integration key)")
    if kind == "alertmanager" and not url.rstrip("/").endswith("/api/v2/alerts"):
        url = url.rstrip("/") + "/api/v2/alerts"
    headers = raw.get("headers") or {}
    if not isinstance(headers, dict):
        raise ChannelError(f"{where}.headers: expected a mapping")
    return Channel(name=raw["name"], type=kind, url=url, secret=str(raw.get("secret") or ""),
                   routing_key=str(raw.get("routing_key") or ""), path=str(raw.get("path") or ""),
                   headers={str(k): str(v) for k, v in headers.items()},
                   timeout_s=float(raw.get("timeout_s", 5.0)), deadline_s=float(raw.get("deadline_s", 60.0)))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, timestamp + "." + body); receivers recompute it."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def build_request(channel: Channel, notice: Notice) -> Request:
    """The request ``channel`` should receive for ``notice``."""
    headers = {"Content-Type": "application/json", "User-Agent": "spyglass-alerts/0.1", **channel.headers}
    if channel.type in ("webhook", "log"):
        body = _dumps(notice.to_json())
        if channel.secret:
            stamp = f"{notice.at:.3f}"
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = sign(channel.secret, stamp, body)
    elif channel.type == "slack":
        body = _dumps(slack_message(notice))
    elif channel.type == "pagerduty":
        body = _dumps(pagerduty_event(notice, channel.routing_key))
    else:
        body = _dumps(alertmanager_alerts(notice))
    return Request(channel.url or channel.path, body, headers)


def slack_message(notice: Notice) -> dict[str, Any]:
    """A Slack incoming-webhook message: fallback ``text`` plus blocks with the trace links."""
    links = " | ".join(f"<{link['href']}|{link['text']}>" for link in notice.links)
    facts = [f"*value* {notice.value}", f"*threshold* {notice.comparison} {notice.threshold}",
             f"*window* {notice.window_s / 60:g}m", f"*samples* {notice.samples}", f"*severity* {notice.severity}"]
    if notice.details:
        facts.append(f"*details* {json.dumps(notice.details, sort_keys=True)}")
    text = f"{_SLACK_ICON[notice.status]} {notice.summary}"
    described = f"{text}\n{notice.description}" if notice.description else text
    return {"text": text, "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": described}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": links or "no links"}]}]}


def pagerduty_event(notice: Notice, routing_key: str) -> dict[str, Any]:
    """A PagerDuty Events API v2 event; the alert's dedup key ties trigger, acknowledge and resolve."""
    event: dict[str, Any] = {"routing_key": routing_key, "event_action": _PD_ACTION[notice.status],
                             "dedup_key": notice.dedup_key}
    if notice.status == "firing":
        event["payload"] = {
            "summary": notice.summary[:1024], "source": notice.labels.get("service") or notice.labels.get(
                "project") or "spyglass", "severity": _PD_SEVERITY[notice.severity], "timestamp": iso(notice.at),
            "component": notice.labels.get("model", ""), "group": notice.labels.get("project", ""),
            "class": notice.metric,
            "custom_details": {"rule": notice.rule_name, "description": notice.description, "value": notice.value, "threshold": notice.threshold,
                               "comparison": notice.comparison, "window_s": notice.window_s,
                               "samples": notice.samples, "labels": notice.labels, **notice.details}}
        event["links"] = [{"href": link["href"], "text": link["text"]} for link in notice.links]
        event["client"] = "Spyglass"
        if notice.links:
            event["client_url"] = notice.links[0]["href"]
    return event


def alertmanager_alerts(notice: Notice) -> list[dict[str, Any]]:
    """Alertmanager API v2 postable alerts: labels identify the alert; a firing one carries
    ``endsAt`` a few repost intervals ahead (the engine posts it again before then), a resolved
    one ``endsAt`` = when it resolved. The summary has no [STATUS] prefix: Alertmanager shows its own.
    """
    labels = {k: v for k, v in notice.labels.items() if v != ""}
    summary = notice.summary.split("] ", 1)[1] if notice.summary.startswith("[") else notice.summary
    annotations = {"summary": summary, "value": "" if notice.value is None else f"{notice.value:g}",
                   "threshold": f"{notice.threshold:g}", "comparison": notice.comparison,
                   "window": f"{notice.window_s / 60:g}m", "samples": str(notice.samples),
                   "status": notice.status, "links": " ".join(link["href"] for link in notice.links)}
    if notice.description:
        annotations["description"] = notice.description
    alert: dict[str, Any] = {"labels": labels, "annotations": annotations, "startsAt": iso(notice.since)}
    if notice.links:
        alert["generatorURL"] = notice.links[0]["href"]
    if notice.status == "resolved":
        alert["endsAt"] = iso(notice.resolved_at or notice.at)
    elif notice.expires_at is not None:
        alert["endsAt"] = iso(notice.expires_at)
    return [alert]


def notice_line(notice: dict[str, Any]) -> str | None:
    """A firing or resolved notice (webhook/log JSON) as one terminal line with its console link; else None."""
    if notice.get("status") not in ("firing", "resolved") or notice.get("event") == "renotified":
        return None
    links = notice.get("links") or []
    page = next((link["href"] for link in links if link.get("text") == "alert"), None)
    page = page or (links[0]["href"] if links else "")
    return f"{notice.get('summary', '')}  {page}".rstrip()
