"""Named trace queries: list traces (newest first, cursor-paginated) and fetch one trace's spans."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from typing import Any

from spyglass.core.errors import InvalidInput
from spyglass.storage.spans import SPAN_COLUMNS
from spyglass.storage.store import Store

# The unfiltered list reads the newest slice of the window that holds about enough spans (from
# the per-minute rollup), widening it 4x until a page is certain.
CANDIDATES = 4  # traces fetched per slice, per trace of the page
SPANS_PER_TRACE = 8  # a generous guess: slices hold enough candidates at once
_SPAN_FILTERS = ("service", "model", "status", "conversation_id", "user_id", "tag", "flagged")

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
    """Trace summaries, newest first; returns (traces, cursor of the next page or None).

    Without span filters (project and time only), the newest slices of the window are read first
    (``_newest_page``): the rows read grow with the page, not with the store.
    """
    after = decode_cursor(cursor) if cursor else None
    if where.project is not None and all(getattr(where, f) is None for f in _SPAN_FILTERS):
        rows = _newest_page(store, where, limit, after)
    else:
        rows = _summaries(store, where, limit, after)
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


def _newest_page(store: Store, where: TraceFilter, limit: int, after: tuple[int, str] | None) -> list[dict[str, Any]]:
    """``limit`` + 1 summaries of one project, reading a slice back from the window's end.

    A slice's newest ``CANDIDATES * (limit + 1)`` traces by their first span in the slice are
    candidates. A trace not among them starts at or before the oldest candidate's first span in
    the slice (or before the slice, when all fit): that is the ``floor``. Candidates whose first
    span of all (``trace_index``) starts after it are certain, and summarized from the floor on;
    with fewer than a page of those, a wider slice is read. The last slice is the whole window:
    the same query as with span filters.
    """
    end = where.end if after is None else min(where.end, after[0] / 1e6 + 1e-6)
    want = CANDIDATES * (limit + 1)
    start = _slice_start(store, where, end, SPANS_PER_TRACE * want)
    while start > where.start:
        conditions, params = replace(where, start=start, end=end).where()
        firsts = store.rows(f"SELECT trace_id, toUnixTimestamp64Micro(min(start_time)) AS first_us FROM spans "
                            f"WHERE {conditions} GROUP BY trace_id ORDER BY first_us DESC, trace_id DESC "
                            "LIMIT {want:UInt32}", parameters={**params, "want": want})
        wider = max(end - 4 * max(end - start, 60.0), where.start)
        if not firsts:
            start = wider
            continue
        floor = firsts[-1]["first_us"] if len(firsts) >= want else int(start * 1e6) - 1
        ids = _starting_after(store, where.project, {r["trace_id"]: r["first_us"] for r in firsts}, floor)
        if len(ids) > limit:
            # every span of a trace starting after floor is after it: read from there on
            rows = _summaries(store, replace(where, start=floor / 1e6), limit, after, ids, floor, slack=False)
            if len(rows) > limit:
                return rows
        start = wider
    return _summaries(store, replace(where, end=end), limit, after)


def _slice_start(store: Store, where: TraceFilter, end: float, spans: int) -> float:
    """The latest minute before ``end`` from which the project's rollup counts ``spans`` spans (one cheap read)."""
    rows = store.rows("SELECT toUnixTimestamp(minute) AS m, sum(spans) AS n FROM spans_1m WHERE project = {p:String} "
                      "AND minute >= toStartOfMinute(toDateTime({a:Float64})) AND minute <= toDateTime({b:Float64}) "
                      "GROUP BY m ORDER BY m DESC", parameters={"p": where.project, "a": where.start, "b": end})
    total = 0
    for row in rows:
        total += row["n"]
        if total >= spans:
            return max(float(row["m"]), where.start)
    return where.start


def _starting_after(store: Store, project: str, firsts: dict[str, int], floor: int) -> list[str]:
    """The traces of ``firsts`` (id -> first span seen) whose first span of all starts after ``floor``.

    ``trace_index`` knows a trace's first span wherever it is; a trace it lacks (an insert cut
    off before its view ran) is judged by the span seen.
    """
    known = {r["trace_id"]: r["first_us"] for r in store.rows(
        "SELECT trace_id, toUnixTimestamp64Micro(min(first_start)) AS first_us FROM trace_index "
        "WHERE trace_id IN {ids:Array(String)} AND project = {p:String} GROUP BY trace_id",
        parameters={"ids": list(firsts), "p": project})}
    return [t for t, first in firsts.items() if min(first, known.get(t, first)) > floor]


def _summaries(store: Store, where: TraceFilter, limit: int, after: tuple[int, str] | None,
               ids: list[str] | None = None, floor: int | None = None, slack: bool = True) -> list[dict[str, Any]]:
    """Up to ``limit`` + 1 summaries of the traces with a span matching ``where`` (or of ``ids``), newest
    first, after the cursor; with ``floor``, only traces starting strictly after it (microseconds).
    ``slack`` reads spans from a day before the window, for traces that started before it."""
    conditions, params = where.where()
    having = []
    if after:
        params["cursor_start"], params["cursor_trace"] = after
        having.append("(start_us, trace_id) < ({cursor_start:Int64}, {cursor_trace:String})")
    if floor is not None:
        params["floor"] = floor
        having.append("start_us > {floor:Int64}")
    if ids is not None:
        params["ids"] = ids
        chosen = "s.project = {project:String} AND trace_id IN {ids:Array(String)}"  # s.: not the alias below
    else:
        chosen = f"trace_id IN (SELECT trace_id FROM spans WHERE {conditions})"
        if where.project is not None:  # trace ids are unique only within a project
            chosen += " AND s.project = {project:String}"
    params["limit"] = limit + 1
    return store.rows(f"""
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
        FROM spans AS s FINAL
        WHERE {chosen}
          AND start_time >= fromUnixTimestamp64Micro({{start:Int64}}) {'- INTERVAL 1 DAY' if slack else ''}
        GROUP BY trace_id
        {'HAVING ' + ' AND '.join(having) if having else ''}
        ORDER BY start_us DESC, trace_id DESC
        LIMIT {{limit:UInt32}}""", parameters=params)


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
    """Every span of one trace (de-duplicated), oldest first.

    ``trace_index`` gives the trace's projects and time range, so the spans are read through the
    primary key; a trace it lacks (an insert cut off before its view ran) is found the slow way.
    """
    scope = "AND project = {project:String}" if project else ""
    params: dict[str, Any] = {"trace_id": trace_id, "project": project}
    where = f"trace_id = {{trace_id:String}} {scope}"
    # a scalar subquery runs first, so its range reaches the primary key analysis
    spans = store.rows(
        f"WITH (SELECT (groupUniqArray(project), min(first_start), max(last_start)) FROM trace_index WHERE {where}) AS r "
        f"SELECT {SPAN_FIELDS} FROM spans FINAL WHERE {where} AND has(r.1, project) "
        "AND start_time >= r.2 AND start_time <= r.3 ORDER BY start_time, span_id", parameters=params)
    if spans:
        return spans
    return store.rows(f"SELECT {SPAN_FIELDS} FROM spans FINAL WHERE {where} ORDER BY start_time, span_id",
                      parameters=params)
