"""Named trace queries: list traces (newest first, cursor-paginated) and fetch one trace's spans."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from spyglass.core.errors import InvalidInput
from spyglass.storage.spans import SPAN_COLUMNS
from spyglass.storage.store import Store

# Columns of a span returned to readers: all of them (the large prompt/completion/context included).
SPAN_FIELDS = ", ".join(SPAN_COLUMNS)


@dataclass(frozen=True)
class TraceFilter:
    """Which traces to list. Times are epoch seconds; a trace matches when any span matches."""

    start: float
    end: float
    project: str | None = None
    service: str | None = None
    model: str | None = None
    status: str | None = None
    conversation_id: str | None = None
    user_id: str | None = None
    tag: str | None = None
    flagged: str | None = None  # an evaluator name: only traces with a span it flagged

    def where(self) -> tuple[str, dict[str, Any]]:
        """SQL conditions on ``spans`` and their bound parameters."""
        clauses = ["start_time >= fromUnixTimestamp64Micro({start:Int64})",
                   "start_time < fromUnixTimestamp64Micro({end:Int64})"]
        params: dict[str, Any] = {"start": int(self.start * 1e6), "end": int(self.end * 1e6)}
        for column in ("project", "service", "model", "status", "conversation_id", "user_id"):
            value = getattr(self, column)
            if value is not None:
                clauses.append(f"{column} = {{{column}:String}}")
                params[column] = value
        if self.tag is not None:
            clauses.append("has(tags, {tag:String})")
            params["tag"] = self.tag
        if self.flagged is not None:
            clauses.append("span_id IN (SELECT span_id FROM evaluations FINAL WHERE evaluator = {flagged:String} "
                           "AND flagged AND span_start >= fromUnixTimestamp64Micro({start:Int64}) "
                           "AND span_start < fromUnixTimestamp64Micro({end:Int64}))")
            params["flagged"] = self.flagged
        return " AND ".join(clauses), params


def encode_cursor(trace_start_us: int, trace_id: str) -> str:
    return base64.urlsafe_b64encode(f"{trace_start_us}:{trace_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, str]:
    """(trace start in microseconds, trace id) of a cursor ``encode_cursor`` made; InvalidInput for any other."""
    try:
        start, _, trace_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        start_us = int(start)
    except (ValueError, UnicodeError):  # binascii.Error is a ValueError
        start_us, trace_id = 0, ""
    if not trace_id:
        raise InvalidInput(f"cursor {cursor[:100]!r} is not a cursor this API returned")
    return start_us, trace_id


def list_traces(store: Store, where: TraceFilter, limit: int = 50,
                cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Trace summaries, newest first; returns (traces, cursor of the next page or None)."""
    conditions, params = where.where()
    after = ""
    if cursor:
        params["cursor_start"], params["cursor_trace"] = decode_cursor(cursor)
        after = "HAVING (start_us, trace_id) < ({cursor_start:Int64}, {cursor_trace:String})"
    params["limit"] = limit + 1
    rows = store.rows(f"""
        SELECT trace_id,
               any(project) AS project,
               toUnixTimestamp64Micro(min(start_time)) AS start_us,
               min(start_time) AS trace_start,
               max(end_time) AS trace_end,
               dateDiff('microsecond', min(start_time), max(end_time)) / 1000 AS duration_ms,
               count() AS span_count,
               argMinIf(name, start_time, parent_span_id = '') AS root_name,
               argMinIf(service, start_time, parent_span_id = '') AS service,
               countIf(status = 'error') AS error_count,
               sum(total_tokens) AS total_tokens,
               sum(cost) AS cost,
               arrayFilter(m -> m != '', groupUniqArray(model)) AS models,
               anyIf(conversation_id, conversation_id != '') AS conversation_id,
               anyIf(user_id, user_id != '') AS user_id
        FROM spans FINAL
        WHERE trace_id IN (SELECT trace_id FROM spans WHERE {conditions})
          AND start_time >= fromUnixTimestamp64Micro({{start:Int64}}) - INTERVAL 1 DAY
        GROUP BY trace_id
        {after}
        ORDER BY start_us DESC, trace_id DESC
        LIMIT {{limit:UInt32}}""", parameters=params)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["start_us"], rows[-1]["trace_id"])
    flags = flagged_evaluators(store, [(row["project"], row["trace_id"]) for row in rows])
    for row in rows:
        row.pop("start_us")
        row["start_time"], row["end_time"] = row.pop("trace_start"), row.pop("trace_end")
        row["status"] = "error" if row["error_count"] else "ok"
        row["flagged"] = flags.get(row["trace_id"], [])
    return rows, next_cursor


def flagged_evaluators(store: Store, traces: list[tuple[str, str]]) -> dict[str, list[str]]:
    """For each (project, trace_id), the evaluators that flagged one of its spans (sorted), by trace id."""
    if not traces:
        return {}
    rows = store.rows("SELECT trace_id, arraySort(groupUniqArray(evaluator)) AS evaluators FROM evaluations FINAL "
                      "WHERE trace_id IN {ids:Array(String)} AND (project, trace_id) IN {pairs:Array(Tuple(String, String))} "
                      "AND flagged GROUP BY trace_id",
                      parameters={"ids": [trace_id for _, trace_id in traces], "pairs": traces})
    return {row["trace_id"]: row["evaluators"] for row in rows}


def trace_spans(store: Store, trace_id: str, project: str | None = None) -> list[dict[str, Any]]:
    """Every span of one trace (de-duplicated), oldest first."""
    scope = "AND project = {project:String}" if project else ""
    return store.rows(f"SELECT {SPAN_FIELDS} FROM spans FINAL WHERE trace_id = {{trace_id:String}} {scope} "
                      "ORDER BY start_time, span_id", parameters={"trace_id": trace_id, "project": project})
