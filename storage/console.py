"""Named queries the web console needs beyond the API's: its secret, key by id, projects, turns.

Trace listing reuses ``storage.traces``; ``ConsoleTraceFilter`` only adds the console's extra
filters (prompt name/version, text search) to its conditions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson

from spyglass.storage.keys import ApiKey, _key
from spyglass.storage.store import Store
from spyglass.storage.traces import SPAN_FIELDS, TraceFilter


def console_secret(store: Store, name: str = "session") -> bytes:
    """The console's signing secret, created on first use; concurrent creators converge on the oldest."""
    query = ("SELECT secret FROM console_secrets WHERE name = {n:String} ORDER BY created_at, secret LIMIT 1")
    rows = store.rows(query, parameters={"n": name})
    if not rows:
        store.command("INSERT INTO console_secrets (name, secret) VALUES ({n:String}, {s:String})",
                      parameters={"n": name, "s": secrets.token_hex(32)})
        rows = store.rows(query, parameters={"n": name})
    return bytes.fromhex(rows[0]["secret"])


def key_by_id(store: Store, key_id: str) -> ApiKey | None:
    """The key with this id (revoked ones included, flagged), or None."""
    rows = store.rows("SELECT key_id, project, name, scopes, toUnixTimestamp64Milli(created_at) AS t, "
                      "revoked_at IS NOT NULL AS revoked FROM api_keys FINAL WHERE key_id = {k:String}",
                      parameters={"k": key_id})
    return _key(rows[0]) if rows else None


def known_projects(store: Store, since_s: float) -> list[str]:
    """Projects with spans since ``since_s`` (epoch seconds), from the per-minute rollups."""
    rows = store.rows("SELECT DISTINCT project FROM spans_1m WHERE minute >= toDateTime({t:Int64}) ORDER BY project",
                      parameters={"t": int(since_s)})
    return [row["project"] for row in rows]


def project_evaluators(store: Store, project: str, since_s: float) -> list[str]:
    """Evaluators that scored spans of ``project`` since ``since_s``."""
    rows = store.rows("SELECT DISTINCT evaluator FROM evaluations_1m WHERE project = {p:String} "
                      "AND minute >= toDateTime({t:Int64}) ORDER BY evaluator",
                      parameters={"p": project, "t": int(since_s)})
    return [row["evaluator"] for row in rows]


def project_filter_values(store: Store, project: str, since_s: float) -> dict[str, list[str]]:
    """Services and models seen in ``project`` since ``since_s`` (choices for the trace filters)."""
    rows = store.rows("SELECT groupUniqArray(service) AS services, groupUniqArray(model) AS models FROM spans_1m "
                      "WHERE project = {p:String} AND minute >= toDateTime({t:Int64})",
                      parameters={"p": project, "t": int(since_s)})
    row = rows[0] if rows else {"services": [], "models": []}
    return {"services": sorted(s for s in row["services"] if s), "models": sorted(m for m in row["models"] if m)}


@dataclass(frozen=True)
class ConsoleTraceFilter(TraceFilter):
    """``TraceFilter`` plus prompt name/version and a case-insensitive search of prompt and completion."""

    prompt_name: str | None = None
    prompt_version: str | None = None
    text: str | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        conditions, params = super().where()
        clauses = [conditions]
        for column in ("prompt_name", "prompt_version"):
            value = getattr(self, column)
            if value is not None:
                clauses.append(f"{column} = {{{column}:String}}")
                params[column] = value
        if self.text:
            clauses.append("(positionCaseInsensitiveUTF8(prompt, {text:String}) > 0 "
                           "OR positionCaseInsensitiveUTF8(completion, {text:String}) > 0)")
            params["text"] = self.text
        return " AND ".join(clauses), params


def conversation_spans(store: Store, project: str | None, conversation_id: str, limit: int = 500) -> list[dict[str, Any]]:
    """The LLM spans of one conversation, oldest first (at most ``limit``)."""
    scope = "AND project = {project:String}" if project else ""
    return store.rows(f"SELECT {SPAN_FIELDS} FROM spans FINAL WHERE conversation_id = {{c:String}} {scope} "
                      "AND kind = 'llm' ORDER BY start_time, span_id LIMIT {limit:UInt32}",
                      parameters={"c": conversation_id, "project": project, "limit": limit})


def scores_of_spans(store: Store, span_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Latest score of each evaluator for these spans: {span_id: {evaluator: score}}."""
    if not span_ids:
        return {}
    rows = store.rows("SELECT span_id, evaluator, score, label, flagged, details FROM evaluations FINAL "
                      "WHERE span_id IN {ids:Array(String)} ORDER BY evaluated_at", parameters={"ids": span_ids})
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row.pop("span_id"), {})[row.pop("evaluator")] = {
            **row, "details": orjson.loads(row["details"]) if row["details"] else {}}
    return out


# what the waterfall draws of every span of a large trace (the page shows one span's text at a time)
TREE_FIELDS = ("trace_id, span_id, parent_span_id, project, service, name, kind, start_time, end_time, duration_ms, "
               "status, total_tokens, cost")
FULL_ROWS_UP_TO = 200


def trace_spans_located(store: Store, trace_id: str, project: str | None = None,
                        full_up_to: int = FULL_ROWS_UP_TO) -> list[dict[str, Any]]:
    """The rows of ``storage.traces.trace_spans``, read in two steps that stay fast on large tables.

    FINAL reads every part's granules for a lookup by trace id; without FINAL the trace-id bloom
    filter skips them. So: locate the trace's project and time range without FINAL, then read
    that primary-key range with FINAL (its duplicates share the key, so they lie in the range).
    A trace of more than ``full_up_to`` spans is read with ``TREE_FIELDS`` only (no texts, no
    metadata): ``span_detail`` reads the one span a page shows in full.
    """
    scope = "AND project = {project:String}" if project else ""
    located = store.rows("SELECT project, toUnixTimestamp64Micro(min(start_time)) AS lo, "
                         "toUnixTimestamp64Micro(max(start_time)) AS hi, count() AS n FROM spans "
                         f"WHERE trace_id = {{trace_id:String}} {scope} GROUP BY project",
                         parameters={"trace_id": trace_id, "project": project})
    fields = SPAN_FIELDS if sum(where.pop("n") for where in located) <= full_up_to else TREE_FIELDS
    spans: list[dict[str, Any]] = []
    for where in located:
        spans += store.rows(f"SELECT {fields} FROM spans FINAL WHERE project = {{project:String}} "
                            "AND start_time BETWEEN fromUnixTimestamp64Micro({lo:Int64}) "
                            "AND fromUnixTimestamp64Micro({hi:Int64}) AND trace_id = {trace_id:String}",
                            parameters={"trace_id": trace_id, **where})
    return sorted(spans, key=lambda span: (span["start_time"], span["span_id"]))


def span_detail(store: Store, span: dict[str, Any]) -> dict[str, Any]:
    """Every field of a span read by ``trace_spans_located`` (itself when it has them already)."""
    if "prompt" in span:
        return span
    rows = store.rows(f"SELECT {SPAN_FIELDS} FROM spans FINAL WHERE project = {{p:String}} "
                      "AND start_time = {t:DateTime64(6, 'UTC')} AND trace_id = {trace:String} AND span_id = {s:String}",
                      parameters={"p": span["project"], "t": span["start_time"], "trace": span["trace_id"],
                                  "s": span["span_id"]})
    return rows[0] if rows else span


def trace_scores_located(store: Store, trace_id: str, spans: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``storage.evaluations.scores_by_span`` for a trace whose ``spans`` are read, within their key range."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for project in sorted({span["project"] for span in spans}):
        starts = [span["start_time"] for span in spans if span["project"] == project]
        rows = store.rows(
            "SELECT span_id, evaluator, version, score, label, flagged, details, evaluated_at FROM evaluations FINAL "
            "WHERE project = {project:String} AND span_start BETWEEN {lo:DateTime64(6, 'UTC')} "
            "AND {hi:DateTime64(6, 'UTC')} AND trace_id = {trace_id:String} ORDER BY evaluated_at",
            parameters={"project": project, "lo": min(starts), "hi": max(starts), "trace_id": trace_id})
        for row in rows:
            out.setdefault(row.pop("span_id"), {})[row.pop("evaluator")] = {
                **row, "details": orjson.loads(row["details"]) if row["details"] else {}}
    return out
