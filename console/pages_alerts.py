"""Alerts: list by state, one alert (transitions, deliveries, example traces), acknowledge, silence."""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spyglass.alerts.examples import offending_traces
from spyglass.alerts.rules import RuleError, parse_duration, parse_rule
from spyglass.alerts.silences import SilenceError, parse_matchers
from spyglass.console.access import Forbidden
from spyglass.console.web import NotFound, current_user, form_data, redirect, render, state
from spyglass.storage import alerts as db

router = APIRouter(include_in_schema=False)
STATES = ("active", "firing", "pending", "acknowledged", "resolved", "all")


@router.get("/alerts")
def alerts(request: Request, state_: str = "active") -> Response:
    user = current_user(request)
    asked = request.query_params.get("state", state_)
    project = request.query_params.get("project") or (None if user.operator else user.key.project)
    user.allow("GET", "/v1/alerts", project)
    store = state(request).deps.store
    chosen = asked if asked in STATES else "active"
    rows = db.list_alerts(store, None if chosen == "all" else chosen, project=project, limit=200)
    acked = db.acked_alert_ids(store, [r["alert_id"] for r in rows])
    return render(request, "alerts.html", user=user, project=project or "", projects=[project] if project else [],
                  nav="alerts", alerts=rows, acked=acked, chosen=chosen, states=STATES)


def _alert(request: Request, user: Any, alert_id: str) -> tuple[list[dict[str, Any]], str]:
    """The alert's events, after checking the session may see it (another project's: not found)."""
    events = db.alert_events(state(request).deps.store, alert_id)
    if not events:
        raise NotFound(f"alert {alert_id} not found")
    project = events[-1]["labels"].get("project", "")
    if not user.operator and project != user.key.project:
        raise NotFound(f"alert {alert_id} not found in project {user.key.project}")
    user.allow("GET", "/v1/alerts", project or None)
    return events, project


def _examples(store: Any, latest: dict[str, Any]) -> list[str]:
    """A few offending traces of the alert's window (what its notification linked to)."""
    found = db.list_rules(store, latest["rule_id"])
    if not found:
        return []
    try:
        rule = parse_rule(found[0]["body"])
    except RuleError:
        return []
    group = {k: latest["labels"][k] for k in rule.group_by if k in latest["labels"]}
    moment = latest["fired_at"] or latest["since"] or latest["at"]
    return offending_traces(store, rule, group, moment - rule.window_s, limit=5)


@router.get("/alerts/{alert_id}")
def alert(request: Request, alert_id: str, done: str = "") -> Response:
    user = current_user(request)
    events, project = _alert(request, user, alert_id)
    store = state(request).deps.store
    latest = events[-1]
    acked = alert_id in db.acked_alert_ids(store, [alert_id])
    return render(request, "alert.html", user=user, project=project, projects=[project] if project else [],
                  nav="alerts", alert=latest, events=events, deliveries=db.deliveries(store, alert_id),
                  examples=_examples(store, latest), acked=acked or latest["acked_at"] is not None, done=done,
                  can_ack=user.can("POST", f"/v1/alerts/{alert_id}/ack"), can_silence=user.can("POST", "/v1/silences"))


@router.post("/alerts/{alert_id}/ack")
async def acknowledge(request: Request, alert_id: str) -> Response:
    user = current_user(request)
    events, _ = _alert(request, user, alert_id)
    user.allow("POST", f"/v1/alerts/{alert_id}/ack")
    form = await form_data(request, user)
    if events[-1]["status"] != "firing":
        raise Forbidden(f"alert {alert_id} is {events[-1]['status']}; only a firing alert can be acknowledged")
    by = f"console: {user.key.name or user.key.key_id}"
    db.insert_ack(state(request).deps.store, alert_id, by, form.get("comment", "")[:1000])
    return redirect(f"/alerts/{alert_id}?done=acknowledged")


@router.post("/alerts/{alert_id}/silence")
async def silence(request: Request, alert_id: str) -> Response:
    user = current_user(request)
    events, _ = _alert(request, user, alert_id)
    user.allow("POST", "/v1/silences")
    form = await form_data(request, user)
    labels = events[-1]["labels"]
    try:
        length = parse_duration(form.get("duration", "1h"), "duration")
        matchers = parse_matchers({k: labels[k] for k in ("alertname", "project", "service", "model")
                                   if labels.get(k)})
    except (RuleError, SilenceError) as exc:
        raise Forbidden(f"cannot silence: {exc}") from None
    now = time.time()
    db.save_silence(state(request).deps.store, str(uuid.uuid4()),
                    [{"name": m.name, "value": m.value, "op": m.op} for m in matchers], now, now + length,
                    f"console: {user.key.name or user.key.key_id}", form.get("comment", "")[:1000])
    return redirect(f"/alerts/{alert_id}?done=silenced")
