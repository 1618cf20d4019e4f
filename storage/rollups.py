"""Repairing ``spans_1m`` after an insert whose materialized view never ran.

ClickHouse writes ``spans_1m_mv``'s rows after the ``spans`` part, not atomically with it. A
process killed between the two leaves spans stored but uncounted. Each span records the insert
it came in (``ingest_batch``) and each rollup row the inserts it counts (``batches``, a bitmap),
so the missing (rollup key, insert) pairs can be found and added, exactly once.

Ingest calls ``repair_span_rollups`` when a replayed batch finds spans already stored: that is
the only way an interrupted insert shows itself.
"""

from __future__ import annotations

from typing import Iterable

from spyglass.storage.store import Store

# The same aggregates as spans_1m_mv (migrations 0002 and 0007); tests compare the two.
_ROLLUP_SELECT = """
    toStartOfMinute(start_time) AS minute,
    project, service, model, environment,
    count() AS spans,
    countIf(kind = 'llm') AS llm_calls,
    countIf(status = 'error') AS errors,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(duration_ms) AS latency_ms,
    sum(duration_ms) AS latency_ms_sum,
    max(duration_ms) AS latency_ms_max,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(total_tokens) AS total_tokens,
    sum(cost) AS cost,
    groupBitmapState(ingest_batch) AS batches"""

_KEYS = "minute, project, service, model, environment"

# what ingest_batch holds for spans inserted without a de-duplication token (never repaired)
_NO_TOKEN = "cityHash64('')"


def repair_span_rollups(store: Store, batches: Iterable[int], projects: Iterable[str]) -> int:
    """Add to ``spans_1m`` what these inserts (``ingest_batch`` values) stored but never counted.

    Returns how many rollup rows were added. Each insert is repaired in its own block with a
    de-duplication token, so two workers repairing the same insert add it once.
    """
    projects = sorted(set(projects))
    added = 0
    for batch in sorted(set(batches)):
        bounds = store.rows(
            f"SELECT min(start_time) AS lo, max(start_time) AS hi, count() AS n FROM spans "
            f"WHERE project IN {{projects:Array(String)}} AND ingest_batch = {{batch:UInt64}} "
            f"AND ingest_batch != {_NO_TOKEN}",
            parameters={"projects": projects, "batch": batch})[0]
        if not bounds["n"]:
            continue
        missing = store.rows(
            f"SELECT uniqExact(toStartOfMinute(start_time), project, service, model, environment) AS n "
            f"FROM ({_batch_rows_sql()})", parameters=_params(projects, batch, bounds))[0]["n"]
        if not missing:
            continue
        store.command(
            f"INSERT INTO spans_1m ({_KEYS}, spans, llm_calls, errors, latency_ms, latency_ms_sum, latency_ms_max, "
            f"prompt_tokens, completion_tokens, total_tokens, cost, batches) "
            f"SELECT {_ROLLUP_SELECT} FROM ({_batch_rows_sql()}) GROUP BY {_KEYS}",
            parameters=_params(projects, batch, bounds),
            settings={"insert_deduplication_token": f"spans_1m-repair:{batch}"})
        added += missing
    return added


def _batch_rows_sql() -> str:
    """The insert's spans whose rollup key does not count that insert yet."""
    return f"""
        SELECT * FROM spans
        WHERE project IN {{projects:Array(String)}} AND ingest_batch = {{batch:UInt64}}
          AND start_time BETWEEN {{lo:DateTime64(6, 'UTC')}} AND {{hi:DateTime64(6, 'UTC')}}
          AND (toStartOfMinute(start_time), project, service, model, environment) NOT IN (
              SELECT {_KEYS} FROM spans_1m
              WHERE project IN {{projects:Array(String)}}
                AND minute BETWEEN toStartOfMinute({{lo:DateTime64(6, 'UTC')}}) AND {{hi:DateTime64(6, 'UTC')}}
              GROUP BY {_KEYS}
              HAVING bitmapContains(groupBitmapMergeState(batches), {{batch:UInt64}}))"""


def _params(projects: list[str], batch: int, bounds: dict) -> dict:
    return {"projects": projects, "batch": batch, "lo": bounds["lo"], "hi": bounds["hi"]}
