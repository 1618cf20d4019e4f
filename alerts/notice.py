"""What a channel is told about an alert: the ``Notice`` (pure data, never prompt/completion text)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence
from urllib.parse import quote, urlencode

from spyglass.alerts.rules import AlertRule
from spyglass.alerts.state import Transition, alert_labels
from spyglass.core.time import iso

# What channels hear for each recorded event; pending and cancelled are never delivered.
# "reposted" keeps a firing alert active in Alertmanager (alertmanager channels only, never paged).
STATUS_OF_EVENT = {"firing": "firing", "notified": "firing", "renotified": "firing", "reposted": "firing",
                   "acknowledged": "acknowledged", "resolved": "resolved"}


@dataclass(frozen=True)
class Notice:
    """One delivery's content. ``status``: firing, acknowledged or resolved; times epoch seconds."""

    alert_id: str
    dedup_key: str
    status: str
    event: str
    rule_id: str
    rule_name: str
    severity: str
    metric: str
    kind: str
    comparison: str
    threshold: float
    value: float | None
    samples: int
    window_s: float
    labels: dict[str, str]
    summary: str
    since: float
    at: float
    resolved_at: float | None = None
    z_score: float | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # e.g. PII entity types and counts only
    description: str = ""  # the rule's description, for the human reading the page
    expires_at: float | None = None  # firing: consider it over at this time unless posted again (Alertmanager)

    def to_json(self) -> dict[str, Any]:
        """The generic webhook's body; times as RFC 3339 and epoch seconds."""
        body = asdict(self)
        for name in ("since", "at", "resolved_at", "expires_at"):
            if body[name] is not None:
                body[f"{name}_iso"] = iso(body[name])
        return body


def _clean(x: float) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else round(x, 6)


def summarize(rule: AlertRule, status: str, value: float, z: float, group: dict[str, str],
              prefix: bool = True) -> str:
    """One line a human reads on a phone: what, where, how bad (once resolved: where it is back to).

    ``prefix=False`` leaves out ``[STATUS]`` for receivers that show the status themselves (Alertmanager).
    """
    where = ", ".join(f"{k}={v}" for k, v in group.items()) or "all traffic"
    window = f"{rule.window_s / 60:g}m"
    shown = "no data" if value is None or math.isnan(value) else f"{value:.4g}"
    if status == "resolved":
        condition = (f"departs from its trailing baseline (z >= {rule.z_threshold:g})" if rule.kind == "baseline"
                     else f"{rule.comparison} {rule.threshold:g}")
        what = f"{rule.metric.text} back to {shown}, no longer {condition}"
    elif rule.kind == "baseline":
        what = f"{rule.metric.text}={shown} departs from its trailing baseline (z={z:.1f})"
    else:
        what = f"{rule.metric.text}={shown} {rule.comparison} {rule.threshold:g}"
    text = f"{rule.name}: {what} over {window} ({where})"
    return f"[{status.upper()}] {text}" if prefix else text


def trace_links(public_url: str, rule: AlertRule, group: dict[str, str],
                trace_ids: Sequence[str], alert_id: str | None = None) -> list[dict[str, str]]:
    """Links into the web console: the filtered trace list, a few offending traces, the alert's page.

    Console pages, not the JSON API: a person opens them from Slack or PagerDuty in a browser
    (logged out, the console asks for a key and returns to the same page).
    """
    base = public_url.rstrip("/")
    query: dict[str, str] = {k: v for k, v in group.items() if k in ("project", "service", "model")}
    for dim in ("project", "service", "model"):
        values = rule.filters.get(dim, ())
        if dim not in query and len(values) == 1:
            query[dim] = values[0]
    if rule.metric.source == "evaluations" and rule.metric.stat in ("flag_rate", "flagged"):
        query["flagged"] = rule.metric.evaluator
    elif rule.metric.stat == "error_rate":
        query["status"] = "error"
    links = [{"text": "matching traces", "href": f"{base}/traces?{urlencode(query)}"}]
    links += [{"text": f"trace {t}", "href": f"{base}/traces/{quote(t, safe='')}"} for t in trace_ids]
    if alert_id:
        links.append({"text": "alert", "href": f"{base}/alerts/{quote(alert_id, safe='')}"})
    return links


def build_notice(rule: AlertRule, transition: Transition, now: float, links: list[dict[str, str]],
                 details: dict[str, Any] | None = None, expires_at: float | None = None) -> Notice:
    """The notice of a delivered transition (``transition.notify`` must be set, or a repost).

    ``expires_at``: for firing notices, when a receiver may consider the alert over unless posted again.
    """
    state = transition.state
    status = STATUS_OF_EVENT[transition.event]
    return Notice(
        alert_id=state.alert_id, dedup_key=state.dedup_key, status=status, event=transition.event,
        rule_id=rule.id, rule_name=rule.name, severity=rule.severity, metric=rule.metric.text, kind=rule.kind,
        comparison=rule.comparison, threshold=rule.z_threshold if rule.kind == "baseline" else rule.threshold,
        value=_clean(state.value), samples=state.samples, window_s=rule.window_s,
        labels=alert_labels(rule, state.group), summary=summarize(rule, status, state.value, state.score, state.group),
        since=state.since, at=now, resolved_at=state.resolved_at,
        z_score=_clean(state.score), links=links, details=details or {}, description=rule.description,
        expires_at=expires_at if status != "resolved" else None)

