"""Alerts, acknowledgements, silences and alert rules over HTTP.

GET /v1/alerts, GET /v1/alerts/{id}, POST /v1/alerts/{id}/ack; GET/POST /v1/silences,
DELETE /v1/silences/{id} (expire); GET/POST /v1/alert-rules, GET/PUT/DELETE /v1/alert-rules/{id}.
The engine reads rules, acks and silences on its next tick (every few seconds).
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Request

from spyglass.alerts.rules import parse_rule
from spyglass.alerts.silences import parse_matchers
from spyglass.core.errors import Conflict, InvalidInput, NotFound
from spyglass.core.time import iso, parse_duration
from spyglass.storage import alerts as db

router = APIRouter(tags=["alerts"])
_TIME_FIELDS = ("at", "since", "fired_at", "notified_at", "acked_at", "resolved_at", "starts_at", "ends_at",
                "updated_at")


def _json(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            value = None
        out[key] = iso(value) if key in _TIME_FIELDS and value is not None else value
    return out


def _alert(row: dict[str, Any], ack_requested: bool) -> dict[str, Any]:
    out = _json(row)
    out.pop("seq", None)
    out["acknowledged"] = row["acked_at"] is not None or (ack_requested and row["status"] == "firing")
    return out


@router.get("/v1/alerts", summary="Alerts: active ones and history, newest first")
def get_alerts(request: Request,
               state: Literal["active", "pending", "firing", "acknowledged", "resolved", "all"] = "active",
               rule: str | None = None, project: str | None = None, severity: str | None = None,
               since: float | None = Query(None, description="epoch seconds: alerts changed at or after"),
               limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    store = request.app.state.deps.store
    rows = db.list_alerts(store, None if state == "all" else state, rule, project, severity, since, limit)
    acked = db.acked_alert_ids(store, [r["alert_id"] for r in rows])
    return {"alerts": [_alert(r, r["alert_id"] in acked) for r in rows]}


@router.get("/v1/alerts/{alert_id}", summary="One alert with every transition and delivery")
def get_alert(request: Request, alert_id: str) -> dict[str, Any]:
    store = request.app.state.deps.store
    events = db.alert_events(store, alert_id)
    if not events:
        raise NotFound(f"alert {alert_id!r} not found")
    acked = alert_id in db.acked_alert_ids(store, [alert_id])
    return {**_alert(events[-1], acked), "events": [_json(e) for e in events],
            "deliveries": [_json(d) for d in db.deliveries(store, alert_id)]}


@router.post("/v1/alerts/{alert_id}/ack", status_code=202, summary="Acknowledge a firing alert")
def ack_alert(request: Request, alert_id: str, body: dict[str, Any] | None = Body(None)) -> dict[str, Any]:
    store = request.app.state.deps.store
    events = db.alert_events(store, alert_id)
    if not events:
        raise NotFound(f"alert {alert_id!r} not found")
    request.state.audit = {"project": dict(events[-1].get("labels") or {}).get("project", "")}  # api.audit
    if events[-1]["status"] != "firing":
        raise Conflict(f"alert {alert_id!r} is {events[-1]['status']}; only a firing alert can be acknowledged")
    body = body or {}
    db.insert_ack(store, alert_id, str(body.get("by", "")), str(body.get("comment", "")))
    return {"alert_id": alert_id, "acknowledged": True}


@router.get("/v1/silences", summary="Silences, newest first")
def get_silences(request: Request, active: bool = False) -> dict[str, Any]:
    rows = db.list_silences(request.app.state.deps.store, active_at=time.time() if active else None)
    now = time.time()
    return {"silences": [{**_json(r), "active": r["starts_at"] <= now < r["ends_at"]} for r in rows]}


def _epoch(body: dict[str, Any], key: str, default: float) -> float:
    try:
        return float(body.get(key, default))
    except (TypeError, ValueError):
        raise InvalidInput(f"{key} is epoch seconds, got {body[key]!r}") from None


@router.post("/v1/silences", status_code=201, summary="Silence alerts matching labels until it expires")
def post_silence(request: Request, body: dict[str, Any] = Body(..., examples=[{
        "matchers": {"project": "support-bot", "alertname": "Toxic responses"}, "duration": "2h",
        "comment": "known incident INC-42", "created_by": "alice"}])) -> dict[str, Any]:
    matchers = parse_matchers(body.get("matchers"))  # SilenceError: 400
    starts = _epoch(body, "starts_at", time.time())
    if "ends_at" in body:
        ends = _epoch(body, "ends_at", 0.0)
    elif "duration" in body:
        ends = starts + parse_duration(body["duration"], "duration")
    else:
        raise InvalidInput("give ends_at (epoch seconds) or duration (e.g. 2h)")
    if ends <= starts:
        raise InvalidInput("the silence must end after it starts")
    silence_id = str(uuid.uuid4())
    plain = [{"name": m.name, "value": m.value, "op": m.op} for m in matchers]
    db.save_silence(request.app.state.deps.store, silence_id, plain, starts, ends,
                    str(body.get("created_by", "")), str(body.get("comment", "")))
    return {"id": silence_id, "matchers": plain, "starts_at": iso(starts), "ends_at": iso(ends)}


@router.delete("/v1/silences/{silence_id}", summary="Expire a silence now")
def expire_silence(request: Request, silence_id: str) -> dict[str, Any]:
    store = request.app.state.deps.store
    found = db.list_silences(store, silence_id=silence_id)
    if not found:
        raise NotFound(f"silence {silence_id!r} not found")
    s, now = found[0], time.time()
    db.save_silence(store, silence_id, s["matchers"], min(s["starts_at"], now), now, s["created_by"], s["comment"])
    return {"id": silence_id, "expired": True, "ends_at": iso(now)}


def _rule_out(row: dict[str, Any]) -> dict[str, Any]:
    return {**row["body"], "id": row["id"], "source": row["source"], "updated_at": iso(row["updated_at"])}


def _parse(body: Any, rule_id: str | None = None) -> Any:
    if rule_id is not None and isinstance(body, dict):
        if body.get("id", rule_id) != rule_id:
            raise InvalidInput(f"body id {body.get('id')!r} differs from the path's {rule_id!r}")
        body = {**body, "id": rule_id}
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("source", "updated_at")}
    return parse_rule(body)  # RuleError: 422 naming the field


@router.get("/v1/alert-rules", summary="Alert rules")
def get_rules(request: Request) -> dict[str, Any]:
    return {"rules": [_rule_out(r) for r in db.list_rules(request.app.state.deps.store)]}


@router.get("/v1/alert-rules/{rule_id}", summary="One alert rule")
def get_rule(request: Request, rule_id: str) -> dict[str, Any]:
    found = db.list_rules(request.app.state.deps.store, rule_id)
    if not found:
        raise NotFound(f"alert rule {rule_id!r} not found")
    return _rule_out(found[0])


@router.post("/v1/alert-rules", status_code=201, summary="Create an alert rule")
def post_rule(request: Request, body: Any = Body(..., examples=[{
        "name": "Toxic responses", "metric": "flag_rate:toxicity", "window": "5m", "comparison": ">",
        "threshold": 0.25, "min_samples": 20, "severity": "critical", "channels": ["log"]}])) -> dict[str, Any]:
    rule = _parse(body)
    store = request.app.state.deps.store
    if db.list_rules(store, rule.id):
        raise Conflict(f"alert rule {rule.id!r} exists; PUT /v1/alert-rules/{rule.id} replaces it")
    db.save_rule(store, rule.id, rule.name, rule.to_dict(), "api")
    return get_rule(request, rule.id)


@router.put("/v1/alert-rules/{rule_id}", summary="Create or replace an alert rule")
def put_rule(request: Request, rule_id: str, body: Any = Body(...)) -> dict[str, Any]:
    rule = _parse(body, rule_id)
    db.save_rule(request.app.state.deps.store, rule.id, rule.name, rule.to_dict(), "api")
    return get_rule(request, rule.id)


@router.delete("/v1/alert-rules/{rule_id}", summary="Delete an alert rule (its open alerts resolve)")
def delete_rule(request: Request, rule_id: str) -> dict[str, Any]:
    store = request.app.state.deps.store
    if not db.list_rules(store, rule_id):
        raise NotFound(f"alert rule {rule_id!r} not found")
    db.delete_rule(store, rule_id)
    return {"id": rule_id, "deleted": True}
