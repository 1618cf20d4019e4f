"""Evidence for an alert: offending trace ids and leaked PII entity counts, read by named queries.

Only ids, types and counts are read: prompt and completion text never leave this module.
Filter and group dimensions are column names the caller has checked against its own list.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from spyglass.storage.store import Store


def _where(filters: Mapping[str, Sequence[str]], group: Mapping[str, str], start_s: float,
           time_col: str) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"start": int(start_s)}
    clauses = [f"{time_col} >= toStartOfMinute(fromUnixTimestamp({{start:UInt32}}))"]
    for dim, values in filters.items():
        params[f"f_{dim}"] = list(values)
        clauses.append(f"{dim} IN {{f_{dim}:Array(String)}}")
    for dim, value in group.items():
        params[f"g_{dim}"] = value
        clauses.append(f"{dim} = {{g_{dim}:String}}")
    return " AND ".join(clauses), params


def offending_trace_ids(store: Store, source: str, stat: str, evaluator: str,
                        filters: Mapping[str, Sequence[str]], group: Mapping[str, str], start_s: float,
                        limit: int = 3, summed: bool = False) -> list[str]:
    """Trace ids of spans that made a metric bad (flagged, failed or slowest) since ``start_s``, newest first.

    ``source`` is the table the metric reads (spans, evaluations, scores); other sources have no traces.
    ``summed``: the metric is a sum of a span column (tokens, cost): its costliest spans are the evidence.
    """
    if source == "evaluations":
        where, params = _where(filters, group, start_s, "span_start")
        params["evaluator"] = evaluator
        order = "score DESC" if stat == "score_mean" else "span_start DESC"
        flagged = "" if stat == "score_mean" else "AND flagged"
        sql = (f"SELECT trace_id FROM evaluations FINAL WHERE evaluator = {{evaluator:String}} {flagged} "
               f"AND {where} ORDER BY {order} LIMIT {{limit:UInt32}}")
    elif source == "scores":  # the traces users scored negatively (thumbs down)
        where, params = _where(filters, group, start_s, "scored_at")
        params["evaluator"] = evaluator
        sql = (f"SELECT trace_id FROM scores FINAL WHERE name = {{evaluator:String}} AND value <= 0 AND {where} "
               "ORDER BY scored_at DESC LIMIT {limit:UInt32}")
    elif source == "spans":
        where, params = _where(filters, group, start_s, "start_time")
        if stat in ("error_rate", "errors"):
            sql = f"SELECT trace_id FROM spans WHERE status = 'error' AND {where} ORDER BY start_time DESC"
        elif summed and stat != "requests":
            column = "total_tokens" if stat == "tokens" else stat
            sql = f"SELECT trace_id FROM spans WHERE {where} ORDER BY {column} DESC"
        else:
            sql = f"SELECT trace_id FROM spans WHERE {where} ORDER BY duration_ms DESC"
        sql += " LIMIT {limit:UInt32}"
    else:
        return []
    params["limit"] = limit * 4  # several spans of one trace collapse into one id below
    seen: list[str] = []
    for row in store.rows(sql, parameters=params):
        if row["trace_id"] not in seen:
            seen.append(row["trace_id"])
    return seen[:limit]


def leaked_entity_counts(store: Store, evaluator: str, filters: Mapping[str, Sequence[str]],
                         group: Mapping[str, str], start_s: float) -> dict[str, int]:
    """Leaked PII entity types since ``start_s`` and how many flagged spans leaked each (never the values)."""
    where, params = _where(filters, group, start_s, "span_start")
    params["evaluator"] = evaluator
    rows = store.rows("SELECT entity, count() AS n FROM evaluations FINAL "
                      "ARRAY JOIN JSONExtract(details, 'leaked_types', 'Array(String)') AS entity "
                      f"WHERE evaluator = {{evaluator:String}} AND flagged AND {where} GROUP BY entity ORDER BY entity",
                      parameters=params)
    return {row["entity"]: int(row["n"]) for row in rows}
