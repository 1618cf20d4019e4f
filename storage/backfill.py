"""Backfill queries: spans the evaluators left unscored while sampling, and the rollup's correction.

A sampled evaluation row carries weight w > 1: it stands for w - 1 spans left unscored. Once a
window's left-out spans are scored (weight 1 each), its sampled rows must count once too: the
rollup gets a correction row (minus the excess weight, with a de-duplication token so a rerun
after a crash subtracts it once) and then the rows' weights are set to 1 (a mutation, which no
view sees). A window is corrected only when nothing in it is left unscored.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from spyglass.storage.store import Store
from spyglass.storage.traces import SPAN_FIELDS

_WINDOW = ("project = {p:String} AND {col} >= toDateTime64({a:Float64}, 6, 'UTC') "
           "AND {col} < toDateTime64({b:Float64}, 6, 'UTC')")


def _window(column: str) -> str:
    return _WINDOW.replace("{col}", column)


def unscored_spans(store: Store, project: str, start: float, end: float, versions: dict[str, str],
                   limit: int = 10_000) -> list[dict[str, Any]]:
    """Spans of ``project`` started in [start, end) without a row from any current evaluator version, oldest first.

    ``start_time`` comes back in epoch seconds, as the evaluators' input rows have it.
    """
    rows = store.rows(
        f"SELECT {SPAN_FIELDS} FROM spans FINAL WHERE {_window('start_time')} "
        "AND (prompt != '' OR completion != '') "  # what evaluators score (a tool span has neither)
        "AND (trace_id, span_id) NOT IN (SELECT trace_id, span_id FROM evaluations "
        f"WHERE {_window('span_start')} AND (evaluator, version) IN {{pairs:Array(Tuple(String, String))}}) "
        "ORDER BY start_time LIMIT {n:UInt32}",
        parameters={"p": project, "a": start, "b": end, "pairs": list(versions.items()), "n": limit})
    for row in rows:
        for column in ("start_time", "end_time"):
            value = row[column]
            if isinstance(value, datetime):
                row[column] = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return rows


def sampled_minutes(store: Store, project: str, start: float, end: float) -> list[float]:
    """Epoch seconds of the minutes in [start, end) that hold sampled rows (weight != 1)."""
    rows = store.rows(f"SELECT DISTINCT toUnixTimestamp(toStartOfMinute(span_start)) AS m FROM evaluations "
                      f"WHERE {_window('span_start')} AND weight != 1 ORDER BY m",
                      parameters={"p": project, "a": start, "b": end})
    return [float(row["m"]) for row in rows]


def correct_window(store: Store, project: str, minute: float) -> int:
    """Make one fully scored minute count its sampled rows once; returns the rows set to weight 1."""
    params = {"p": project, "a": minute, "b": minute + 60}
    where = f"{_window('span_start')} AND weight != 1"
    keys = store.rows(f"SELECT count() AS n, groupArray(cityHash64(trace_id, span_id, evaluator, weight)) AS h "
                      f"FROM evaluations FINAL WHERE {where}", parameters=params)[0]
    if not keys["n"]:
        return 0
    token = hashlib.sha1(f"{project}:{minute}:{sorted(keys['h'])}".encode()).hexdigest()
    store.command(
        "INSERT INTO evaluations_1m (minute, project, service, model, environment, evaluator, evaluated, flagged, "
        "errors, scored, score_sum, score_max, weighted, flagged_weighted, weighted_w2, flagged_w2) "
        "SELECT toStartOfMinute(span_start) AS minute, project, service, model, environment, evaluator, "
        "0, 0, 0, 0, 0, 0, -sum(weight - 1), -sumIf(weight - 1, e.flagged), -sum(weight * (weight - 1)), "
        f"-sumIf(weight * (weight - 1), e.flagged) FROM evaluations AS e FINAL WHERE {where} "
        "GROUP BY minute, project, service, model, environment, evaluator",
        parameters=params, settings={"insert_deduplication_token": f"backfill-correct:{token}"})
    store.command(f"ALTER TABLE evaluations UPDATE weight = 1 WHERE {where}", parameters=params,
                  settings={"mutations_sync": 2})
    return int(keys["n"])
