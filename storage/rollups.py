"""Completing a per-minute rollup after an insert whose materialized view never ran.

ClickHouse writes a view's rows after the source table's part, not atomically with it. A
process killed between the two leaves rows stored but uncounted. Each span and evaluation
records the insert it came in (``insert_batch``) and each rollup row the inserts it counts
(``batches``, a bitmap), so the missing (rollup key, insert) pairs can be found and added,
exactly once.

Ingest and the evaluator sink call ``repair_rollup`` when a replayed batch finds rows already
stored: with a Kafka cluster that is how an interrupted insert shows itself. A memory-only broker
replays nothing after a crash, so the embedded stack also checks its last inserts when it starts
(``repair_recent``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from spyglass.storage.errors import StorageError
from spyglass.storage.store import Store


@dataclass(frozen=True)
class Rollup:
    """A rollup table, the materialized view that fills it, and the view's source table."""

    table: str
    view: str
    source: str
    time: str  # the source's time column; the rollup's ``minute`` is its minute
    keys: tuple[str, ...]  # grouping columns besides ``minute``
    inserted_at: str  # the source's column ClickHouse fills with the insert's time


SPANS_1M = Rollup("spans_1m", "spans_1m_mv", "spans", "start_time", ("project", "service", "model", "environment"),
                  "ingested_at")
EVALUATIONS_1M = Rollup("evaluations_1m", "evaluations_1m_mv", "evaluations", "span_start",
                        ("project", "service", "model", "environment", "evaluator"), "evaluated_at")

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
            store.command(_view_insert(store, rollup, uncounted), parameters=params,
                          settings={"insert_deduplication_token": f"{rollup.table}-repair:{batch}"})
            added += missing
    return added


def repair_recent(store: Store, rollup: Rollup, window_s: int = 120) -> int:
    """Repair the inserts of the last ``window_s`` seconds before the newest one (see ``repair_rollup``).

    For a start after a crash where nothing will be replayed (a memory-only broker). Run it only
    while no other process inserts: an insert whose view has not run *yet* would be counted twice.
    """
    recent = store.rows(
        f"SELECT groupUniqArray(insert_batch) AS batches, groupUniqArray(project) AS projects FROM {rollup.source} "
        f"WHERE {rollup.inserted_at} >= (SELECT max({rollup.inserted_at}) FROM {rollup.source}) "
        f"- INTERVAL {int(window_s)} SECOND AND insert_batch != {_NO_TOKEN}")[0]
    if not recent["batches"]:
        return 0
    return repair_rollup(store, rollup, recent["batches"], recent["projects"])


def _view_insert(store: Store, rollup: Rollup, rows_sql: str) -> str:
    """An INSERT of the view's own query reading ``rows_sql`` instead of the source table, so the
    repair aggregates exactly as the view does (the aggregates are defined in the migrations only)."""
    view = {"view": rollup.view}
    query = store.rows("SELECT as_select FROM system.tables WHERE database = currentDatabase() "
                       "AND name = {view:String}", parameters=view)[0]["as_select"]
    columns = [row["name"] for row in store.rows(
        "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {view:String} "
        "ORDER BY position", parameters=view)]
    source = rf"\bFROM (?:`?\w+`?\.)?`?{rollup.source}`?(?=\s|$)"  # the view names it with its database
    query, found = re.subn(source, lambda _: f"FROM ({rows_sql})", query, count=1)
    if not found:
        raise StorageError(f"{rollup.view} does not read {rollup.source}: cannot repair {rollup.table}")
    return f"INSERT INTO {rollup.table} ({', '.join(columns)}) {query}"


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
