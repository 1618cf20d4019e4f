"""Per-project retention: each project's own number of days, enforced by a scheduled delete.

Why a scheduled delete and not a per-project TTL: a ClickHouse TTL is one expression per table,
and the per-project days would have to live in every row (set at ingest, wrong once the setting
changes) or in a dictionary (not on chDB's embedded engine the same way as on a server). A
lightweight ``DELETE FROM`` per table and project works the same on both, and takes effect for
rows already stored when the setting changes. The global TTL (``SPYGLASS_RETENTION_DAYS``) still
applies to every project: a project's days can only shorten it. Rollups (``*_1m``) hold counts
without text and follow the project's days too, so the project's charts end where its data does.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from spyglass.storage.erasure import SYNC_DELETE
from spyglass.storage.schema import RETENTION_TABLES
from spyglass.storage.store import Store

log = logging.getLogger(__name__)
# every project-keyed table with its time column; the audit log is not the project's data to expire
TABLES = {**RETENTION_TABLES, "bias_reports": "computed_at"}


@dataclass(frozen=True)
class Expired:
    """What one enforcement removed for one project: rows per table older than ``cutoff`` (epoch s)."""

    project: str
    days: int
    cutoff: float
    removed: dict[str, int]


def set_retention(store: Store, project: str, days: int, key_id: str = "") -> None:
    """Keep ``project``'s data ``days`` days (0: back to the global retention)."""
    if days < 0:
        raise ValueError("days must be >= 0 (0: the global retention applies)")
    store.command("INSERT INTO project_retention (project, days, key_id) VALUES ({p:String}, {d:UInt32}, {k:String})",
                  parameters={"p": project, "d": days, "k": key_id})


def retention_days(store: Store) -> dict[str, int]:
    """{project: days} of every project with its own retention."""
    rows = store.rows("SELECT project, argMax(days, set_at) AS days FROM project_retention GROUP BY project "
                      "HAVING days > 0 ORDER BY project")
    return {r["project"]: int(r["days"]) for r in rows}


def enforce(store: Store, now: float | None = None) -> list[Expired]:
    """Delete every project's rows older than its retention; returns what was removed (blocks while deleting)."""
    now = time.time() if now is None else now
    done = []
    for project, days in retention_days(store).items():
        cutoff = now - days * 86_400
        removed = {}
        for table, column in TABLES.items():
            where = f"project = {{p:String}} AND {column} < fromUnixTimestamp64Milli({{c:Int64}})"
            params = {"p": project, "c": int(cutoff * 1000)}
            count = int(store.rows(f"SELECT count() AS n FROM {table} WHERE {where}", parameters=params)[0]["n"])
            if count:
                store.command(f"DELETE FROM {store.mutation_target(table)} WHERE {where}", parameters=params,
                              settings=SYNC_DELETE)
            removed[table] = count
        done.append(Expired(project, days, cutoff, removed))
    return done


class RetentionService:
    """Runs ``enforce`` every ``interval_s`` seconds until ``stop()``; a failed pass is logged, never fatal."""

    def __init__(self, store: Store, interval_s: float = 3600.0) -> None:
        self.store = store
        self.interval_s = interval_s
        self._stop = threading.Event()

    def run(self) -> None:
        """Block: a pass at once (a restart must not postpone it), then one every interval."""
        while True:
            try:
                for expired in enforce(self.store):
                    if any(expired.removed.values()):
                        log.info("retention: %s kept %d days, removed %s", expired.project, expired.days,
                                 {t: n for t, n in expired.removed.items() if n})
            except Exception:  # noqa: BLE001 - the next pass runs on schedule
                log.exception("retention pass failed")
            if self._stop.wait(self.interval_s):
                return

    def stop(self) -> None:
        """Ask ``run()`` to return; safe from any thread, safe to call twice."""
        self._stop.set()
