"""Named queries of the alerting tables: rules, events (every transition), acks, silences, deliveries.

Times go in and out as epoch seconds (floats); the tables hold DateTime64(3, 'UTC').
"""

from __future__ import annotations

import time
from typing import Any, Iterable

import orjson

from spyglass.storage.store import Store

EVENT_COLUMNS = ("seq", "at", "alert_id", "dedup_key", "rule_id", "rule_name", "severity", "event", "status",
                 "labels", "value", "threshold", "samples", "z_score", "silenced", "notified", "since", "fired_at",
                 "notified_at", "acked_at", "resolved_at", "summary")
DELIVERY_COLUMNS = ("at", "alert_id", "dedup_key", "event", "channel", "channel_type", "ok", "attempts",
                    "http_status", "error", "duration_ms")
_TIMES = ("at", "since", "fired_at", "notified_at", "acked_at", "resolved_at")
_EVENT_SELECT = ", ".join([c for c in EVENT_COLUMNS if c not in _TIMES] +
                          [f"toUnixTimestamp64Milli({c}) / 1000 AS {c}" for c in _TIMES])


def _rows(rows: Iterable[dict[str, Any]]) -> bytes:
    return b"\n".join(orjson.dumps(r, option=orjson.OPT_SERIALIZE_NUMPY) for r in rows)


# rules -------------------------------------------------------------------------------------------

def save_rule(store: Store, rule_id: str, name: str, body: dict[str, Any], source: str) -> None:
    """Create or replace a rule (``body``: its file/API form)."""
    store.insert_json_rows("alert_rules", ("id", "name", "body", "source", "deleted", "version"), _rows([{
        "id": rule_id, "name": name, "body": orjson.dumps(body).decode(), "source": source, "deleted": False,
        "version": time.time_ns()}]))


def delete_rule(store: Store, rule_id: str) -> None:
    """Mark a rule deleted (a tombstone row wins over older versions)."""
    store.insert_json_rows("alert_rules", ("id", "name", "body", "source", "deleted", "version"), _rows([{
        "id": rule_id, "name": "", "body": "{}", "source": "", "deleted": True, "version": time.time_ns()}]))


def list_rules(store: Store, rule_id: str | None = None) -> list[dict[str, Any]]:
    """Stored, not deleted rules: id, name, body (dict), source, updated_at (epoch s), by id."""
    scope = "AND id = {id:String}" if rule_id is not None else ""
    rows = store.rows("SELECT id, name, body, source, toUnixTimestamp64Milli(updated_at) / 1000 AS updated_at "
                      f"FROM alert_rules FINAL WHERE NOT deleted {scope} ORDER BY id", parameters={"id": rule_id})
    return [{**row, "body": orjson.loads(row["body"])} for row in rows]


# events ------------------------------------------------------------------------------------------

def insert_events(store: Store, events: list[dict[str, Any]]) -> None:
    """Record transitions (rows with ``EVENT_COLUMNS``; times in epoch seconds or None)."""
    if events:
        store.insert_json_rows("alert_events", EVENT_COLUMNS, _rows(events))


def open_alerts(store: Store) -> list[dict[str, Any]]:
    """The latest event of every alert series whose alert is still pending or firing (for restarts)."""
    return store.rows(f"SELECT * FROM (SELECT {_EVENT_SELECT} FROM alert_events "
                      "ORDER BY dedup_key, seq DESC LIMIT 1 BY dedup_key) WHERE status IN ('pending', 'firing')")


def list_alerts(store: Store, status: str | None = None, rule_id: str | None = None, project: str | None = None,
                severity: str | None = None, since: float | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Alerts (the latest event of each alert id), newest first. ``status``: active, pending, firing,
    acknowledged or resolved; ``since``: alerts whose latest event is at or after (epoch s)."""
    clauses, params = ["1"], {"limit": limit, "rule": rule_id, "project": project, "severity": severity,
                              "since": int((since or 0) * 1000)}
    if status == "active":
        clauses.append("status IN ('pending', 'firing')")
    elif status == "acknowledged":
        clauses.append("status = 'firing' AND acked_at IS NOT NULL")
    elif status:
        clauses.append("status = {status:String}")
        params["status"] = status
    for name, clause in (("rule", "rule_id = {rule:String}"), ("project", "labels['project'] = {project:String}"),
                         ("severity", "severity = {severity:String}")):
        if params[name] is not None:
            clauses.append(clause)
    if since is not None:
        clauses.append("at >= {since:Int64} / 1000")
    return store.rows(f"SELECT * FROM (SELECT {_EVENT_SELECT} FROM alert_events ORDER BY alert_id, seq DESC "
                      f"LIMIT 1 BY alert_id) WHERE {' AND '.join(clauses)} ORDER BY at DESC LIMIT {{limit:UInt32}}",
                      parameters=params)


def alert_events(store: Store, alert_id: str) -> list[dict[str, Any]]:
    """Every recorded transition of one alert, oldest first."""
    return store.rows(f"SELECT {_EVENT_SELECT} FROM alert_events WHERE alert_id = {{id:String}} ORDER BY seq",
                      parameters={"id": alert_id})


# acknowledgements --------------------------------------------------------------------------------

def insert_ack(store: Store, alert_id: str, acked_by: str = "", comment: str = "") -> None:
    """Ask the engine to acknowledge an alert; it applies (and records, and notifies) on its next tick."""
    store.insert_json_rows("alert_acks", ("alert_id", "at", "acked_by", "comment"), _rows([{
        "alert_id": alert_id, "at": time.time(), "acked_by": acked_by, "comment": comment}]))


def acked_alert_ids(store: Store, alert_ids: Iterable[str]) -> set[str]:
    """Which of these alerts have an acknowledgement request."""
    ids = sorted(set(alert_ids))
    if not ids:
        return set()
    rows = store.rows("SELECT DISTINCT alert_id FROM alert_acks WHERE alert_id IN {ids:Array(String)}",
                      parameters={"ids": ids})
    return {row["alert_id"] for row in rows}


# silences ----------------------------------------------------------------------------------------

def save_silence(store: Store, silence_id: str, matchers: list[dict[str, str]], starts_at: float, ends_at: float,
                 created_by: str = "", comment: str = "") -> None:
    """Create a silence, or replace it (expiring one is saving it with ``ends_at`` = now)."""
    store.insert_json_rows("alert_silences", ("id", "matchers", "starts_at", "ends_at", "created_by", "comment",
                                              "version"), _rows([{
        "id": silence_id, "matchers": orjson.dumps(matchers).decode(), "starts_at": starts_at, "ends_at": ends_at,
        "created_by": created_by, "comment": comment, "version": time.time_ns()}]))


def list_silences(store: Store, active_at: float | None = None, silence_id: str | None = None) -> list[dict[str, Any]]:
    """Silences (matchers as a list of dicts), newest first; ``active_at``: only those active then."""
    clauses, params = ["1"], {"now": int((active_at or 0) * 1000), "id": silence_id}
    if active_at is not None:
        clauses.append("starts_at <= fromUnixTimestamp64Milli({now:Int64}) "
                       "AND ends_at > fromUnixTimestamp64Milli({now:Int64})")
    if silence_id is not None:
        clauses.append("id = {id:String}")
    rows = store.rows("SELECT id, matchers, toUnixTimestamp64Milli(starts_at) / 1000 AS starts_at, "
                      "toUnixTimestamp64Milli(ends_at) / 1000 AS ends_at, created_by, comment "
                      f"FROM alert_silences FINAL WHERE {' AND '.join(clauses)} ORDER BY starts_at DESC",
                      parameters=params)
    return [{**row, "matchers": orjson.loads(row["matchers"])} for row in rows]


# deliveries --------------------------------------------------------------------------------------

def insert_deliveries(store: Store, results: list[dict[str, Any]]) -> None:
    """Record delivery results (rows with ``DELIVERY_COLUMNS``)."""
    if results:
        store.insert_json_rows("alert_deliveries", DELIVERY_COLUMNS, _rows(results))


def deliveries(store: Store, alert_id: str) -> list[dict[str, Any]]:
    """Every delivery attempt-series of one alert, oldest first."""
    return store.rows("SELECT toUnixTimestamp64Milli(at) / 1000 AS at, event, channel, channel_type, ok, attempts, "
                      "http_status, error, duration_ms FROM alert_deliveries WHERE alert_id = {id:String} "
                      "ORDER BY at", parameters={"id": alert_id})
