"""Completing a per-minute rollup after an insert whose materialized view never ran.

ClickHouse writes a view's rows after the source table's part, not atomically with it. A
process killed between the two leaves rows stored but uncounted. Each span and evaluation
records the insert it came in (``insert_batch``) and each rollup row the inserts it counts
(``batches``, a bitmap), so the missing (rollup key, insert) pairs can be found and added,
exactly once.

Ingest and the evaluator sink call ``repair_rollup`` when a replayed batch finds rows already
stored: that is the only way an interrupted insert shows itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from spyglass.storage.store import Store


@dataclass(frozen=True)
class Rollup:
    """A rollup table, its source table, and the view's aggregates (as in the migrations; tests compare)."""

    table: str
    source: str
    time: str  # the source's time column; the rollup's ``minute`` is its minute
    keys: tuple[str, ...]  # grouping columns besides ``minute``
    aggregates: str  # the view's aggregate columns, ``batches`` included

    @property
    def columns(self) -> str:
        """The rollup's columns in the order the repair selects them."""
        return ", ".join(("minute", *self.keys, *re.findall(r" AS (\w+)", self.aggregates)))


SPANS_1M = Rollup("spans_1m", "spans", "start_time", ("project", "service", "model", "environment"), """
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
    groupBitmapState(insert_batch) AS batches""")

EVALUATIONS_1M = Rollup("evaluations_1m", "evaluations", "span_start",
                        ("project", "service", "model", "environment", "evaluator"), """
    count() AS evaluated,
    countIf(flagged) AS flagged,
    countIf(label = 'error') AS errors,
    count(score) AS scored,
    sum(ifNull(score, 0)) AS score_sum,
    max(ifNull(score, 0)) AS score_max,
    quantilesTDigestStateIf(0.5, 0.9, 0.99)(ifNull(score, 0), isNotNull(score)) AS score_q,
    groupBitmapState(insert_batch) AS batches""")

# what insert_batch holds for rows inserted without a de-duplication token (never repaired)
_NO_TOKEN = "cityHash64('')"


def repair_rollup(store: Store, rollup: Rollup, batches: Iterable[int], projects: Iterable[str]) -> int:
    """Add to ``rollup`` what these inserts (``insert_batch`` values) stored but it never counted.

    Returns how many rollup rows were added. Each insert is repaired in its own block with a
    de-duplication token, so two workers repairing the same insert add it once.
    """
    projects = sorted(set(projects))
    added = 0
    for batch in sorted(set(batches)):
        params = {"projects": projects, "batch": batch}
        bounds = store.rows(
            f"SELECT min({rollup.time}) AS lo, max({rollup.time}) AS hi, count() AS n FROM {rollup.source} "
            f"WHERE project IN {{projects:Array(String)}} AND insert_batch = {{batch:UInt64}} "
            f"AND insert_batch != {_NO_TOKEN}", parameters=params)[0]
        if not bounds["n"]:
            continue
        params.update(lo=bounds["lo"], hi=bounds["hi"])
        uncounted = _uncounted_rows(rollup)
        missing = store.rows(f"SELECT uniqExact(toStartOfMinute({rollup.time}), {', '.join(rollup.keys)}) AS n "
                             f"FROM ({uncounted})", parameters=params)[0]["n"]
        if missing:
            keys = ", ".join(("minute",) + rollup.keys)
            store.command(f"INSERT INTO {rollup.table} ({rollup.columns}) "
                          f"SELECT toStartOfMinute({rollup.time}) AS minute, {', '.join(rollup.keys)}, "
                          f"{rollup.aggregates} FROM ({uncounted}) GROUP BY {keys}",
                          parameters=params,
                          settings={"insert_deduplication_token": f"{rollup.table}-repair:{batch}"})
            added += missing
    return added


def _uncounted_rows(rollup: Rollup) -> str:
    """The insert's source rows whose rollup key does not count that insert yet."""
    keys = ", ".join(rollup.keys)
    return f"""
        SELECT * FROM {rollup.source}
        WHERE project IN {{projects:Array(String)}} AND insert_batch = {{batch:UInt64}}
          AND {rollup.time} BETWEEN {{lo:DateTime64(6, 'UTC')}} AND {{hi:DateTime64(6, 'UTC')}}
          AND (toStartOfMinute({rollup.time}), {keys}) NOT IN (
              SELECT minute, {keys} FROM {rollup.table}
              WHERE project IN {{projects:Array(String)}}
                AND minute BETWEEN toStartOfMinute({{lo:DateTime64(6, 'UTC')}}) AND {{hi:DateTime64(6, 'UTC')}}
              GROUP BY minute, {keys}
              HAVING bitmapContains(groupBitmapMergeState(batches), {{batch:UInt64}}))"""
