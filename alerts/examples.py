"""Evidence for a firing alert: a few offending trace ids and, for PII, entity types and counts.

Only ids, types and counts are read here: prompt and completion text never enter a notice.
"""

from __future__ import annotations

from typing import Any, Mapping

from spyglass.alerts.rules import AlertRule
from spyglass.storage.store import Store


def _where(rule: AlertRule, group: Mapping[str, str], start_s: float, time_col: str) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"start": int(start_s)}
    clauses = [f"{time_col} >= toStartOfMinute(fromUnixTimestamp({{start:UInt32}}))"]
    for dim, values in rule.filters.items():
        params[f"f_{dim}"] = list(values)
        clauses.append(f"{dim} IN {{f_{dim}:Array(String)}}")
    for dim, value in group.items():
        params[f"g_{dim}"] = value
        clauses.append(f"{dim} = {{g_{dim}:String}}")
    return " AND ".join(clauses), params


def offending_traces(store: Store, rule: AlertRule, group: Mapping[str, str], start_s: float,
                     limit: int = 3) -> list[str]:
    """Trace ids of spans that made the metric bad (flagged, failed or slowest), newest first."""
    metric = rule.metric
    if metric.source in ("drift", "bias", "agreement"):
        return []
    if metric.source == "evaluations":
        where, params = _where(rule, group, start_s, "span_start")
        params["evaluator"] = metric.evaluator
        order = "score DESC" if metric.stat == "score_mean" else "span_start DESC"
        flagged = "" if metric.stat == "score_mean" else "AND flagged"
        sql = (f"SELECT trace_id FROM evaluations FINAL WHERE evaluator = {{evaluator:String}} {flagged} "
               f"AND {where} ORDER BY {order} LIMIT {{limit:UInt32}}")
    elif metric.source == "scores":  # the traces users scored negatively (thumbs down)
        where, params = _where(rule, group, start_s, "scored_at")
        params["evaluator"] = metric.evaluator
        sql = (f"SELECT trace_id FROM scores FINAL WHERE name = {{evaluator:String}} AND value <= 0 AND {where} "
               "ORDER BY scored_at DESC LIMIT {limit:UInt32}")
    else:
        where, params = _where(rule, group, start_s, "start_time")
        if metric.stat in ("error_rate", "errors"):
            sql = f"SELECT trace_id FROM spans WHERE status = 'error' AND {where} ORDER BY start_time DESC"
        elif metric.summed and metric.stat not in ("requests", "errors"):  # the costliest spans
            column = "total_tokens" if metric.stat == "tokens" else metric.stat
            sql = f"SELECT trace_id FROM spans WHERE {where} ORDER BY {column} DESC"
        else:
            sql = f"SELECT trace_id FROM spans WHERE {where} ORDER BY duration_ms DESC"
        sql += " LIMIT {limit:UInt32}"
    params["limit"] = limit * 4
    seen: list[str] = []
    for row in store.rows(sql, parameters=params):
        if row["trace_id"] not in seen:
            seen.append(row["trace_id"])
    return seen[:limit]


def pii_entity_counts(store: Store, rule: AlertRule, group: Mapping[str, str], start_s: float) -> dict[str, int]:
    """Leaked PII entity types and how many flagged spans leaked each (never the values)."""
    where, params = _where(rule, group, start_s, "span_start")
    params["evaluator"] = rule.metric.evaluator
    rows = store.rows("SELECT entity, count() AS n FROM evaluations FINAL "
                      "ARRAY JOIN JSONExtract(details, 'leaked_types', 'Array(String)') AS entity "
                      f"WHERE evaluator = {{evaluator:String}} AND flagged AND {where} GROUP BY entity ORDER BY entity",
                      parameters=params)
    return {row["entity"]: int(row["n"]) for row in rows}
