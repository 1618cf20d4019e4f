"""Scores from outside (table ``scores``): writing them beside the spans they score, and reading them."""

from __future__ import annotations

from typing import Any, Sequence

import orjson

from spyglass.storage.store import Store

SCORE_COLUMNS = ("project", "score_id", "trace_id", "span_id", "name", "data_type", "value", "category", "comment",
                 "source", "author", "service", "model", "environment", "user_id", "scored_at")
_SPAN_FIELDS = ("service", "model", "environment", "user_id")


def stored_score_ids(store: Store, score_ids: Sequence[str]) -> set[str]:
    """Which of these score ids are stored already (a replayed record must not count twice)."""
    if not score_ids:
        return set()
    rows = store.rows("SELECT DISTINCT score_id FROM scores WHERE score_id IN {ids:Array(String)}",
                      parameters={"ids": list(score_ids)})
    return {row["score_id"] for row in rows}


def span_context(store: Store, rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, str]]:
    """Service, model, environment and user of each scored span; key (project, trace, span or '')."""
    traces = sorted({r["trace_id"] for r in rows})
    if not traces:
        return {}
    found = store.rows(
        "SELECT project, trace_id, span_id, service, model, environment, user_id, kind FROM spans "
        "WHERE trace_id IN {t:Array(String)} AND project IN {p:Array(String)} ORDER BY start_time",
        parameters={"t": traces, "p": sorted({r["project"] for r in rows})})
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    for span in found:
        fields = {f: span[f] for f in _SPAN_FIELDS}
        out.setdefault((span["project"], span["trace_id"], span["span_id"]), fields)
        # a trace-level score takes the trace's first LLM call, else its first span
        whole = (span["project"], span["trace_id"], "")
        if whole not in out or (span["kind"] == "llm" and not out[whole].get("model")):
            out[whole] = fields
    return out


def insert_scores(store: Store, rows: list[dict[str, Any]], dedup_token: str | None = None) -> int:
    """Insert validated score rows (``score_wire.validate_score``), copying span context; returns the count."""
    if not rows:
        return 0
    context = span_context(store, rows)
    body = []
    for row in rows:
        span = context.get((row["project"], row["trace_id"], row["span_id"])) or \
            context.get((row["project"], row["trace_id"], ""), {})
        body.append({**{f: span.get(f, "") for f in _SPAN_FIELDS}, **row})
    store.insert_json_rows("scores", SCORE_COLUMNS, b"\n".join(orjson.dumps(r) for r in body), dedup_token)
    return len(body)


def scores_of_trace(store: Store, trace_id: str, project: str | None = None) -> list[dict[str, Any]]:
    """Every outside score of a trace, oldest first (``span_id`` '' for the trace as a whole)."""
    return store.rows(
        "SELECT score_id, span_id, name, data_type, value, category, comment, source, author, scored_at "
        "FROM scores FINAL WHERE trace_id = {t:String} AND ({p:String} = '' OR project = {p:String}) "
        "ORDER BY scored_at", parameters={"t": trace_id, "p": project or ""})
