"""Erasure of a user's or a trace's data, and the list of erased subjects that ingest consults.

Rows are removed with lightweight deletes (``DELETE FROM``), not ``ALTER TABLE ... DELETE``
mutations: a lightweight delete hides the rows from every query as soon as it returns and costs
a mask write rather than a rewrite of every part; the rows leave the disk when their parts next
merge. ``purge`` forces that physical removal (``OPTIMIZE ... FINAL``) where the law needs it
now. Rollups (``*_1m``) hold counts and sums without text or user ids, so they keep their counts.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson

from spyglass.core.errors import InvalidInput
from spyglass.storage.store import Store

# table -> column holding the trace id; spans and scores also carry user_id
ERASABLE = {"spans": "trace_id", "evaluations": "trace_id", "scores": "trace_id", "review_labels": "trace_id",
            "trace_index": "trace_id"}
SYNC_DELETE = {"lightweight_deletes_sync": 2, "mutations_sync": 2}  # DELETE returns once done everywhere
KINDS = ("user", "trace")


@dataclass(frozen=True)
class Erased:
    """What one erasure removed: rows per table, and whether this call recorded the erasure."""

    project: str
    kind: str
    subject: str
    removed: dict[str, int]
    traces: int


def erase(store: Store, project: str, kind: str, subject: str, key_id: str = "") -> Erased:
    """Remove every row of ``subject`` (a user id or a trace id) in ``project``; idempotent.

    The erasure is recorded first, so ingest drops replayed rows of the subject from then on.
    """
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    store.command("INSERT INTO erasures (project, kind, subject, key_id, removed) VALUES "
                  "({p:String}, {k:String}, {s:String}, {key:String}, '')",
                  parameters={"p": project, "k": kind, "s": subject, "key": key_id})
    ERASED.invalidate()
    if kind == "user":
        traces = [r["trace_id"] for r in store.rows(
            "SELECT DISTINCT trace_id FROM spans WHERE project = {p:String} AND user_id = {u:String}",
            parameters={"p": project, "u": subject})]
        # the user's traces are erased as traces too: their spans without a user id and scores arriving
        # later (which name only the trace) must not come back in a replay either
        if traces:
            store.command("INSERT INTO erasures (project, kind, subject, key_id, removed) SELECT {p:String}, 'trace', "
                          "arrayJoin({t:Array(String)}), {key:String}, 'with a user'",
                          parameters={"p": project, "t": traces, "key": key_id})
            ERASED.invalidate()
    else:
        traces = [subject]
    removed = {}
    for table, column in ERASABLE.items():
        where = f"project = {{p:String}} AND {column} IN {{t:Array(String)}}"
        if kind == "user" and table in ("spans", "scores"):
            where = f"project = {{p:String}} AND ({column} IN {{t:Array(String)}} OR user_id = {{u:String}})"
        params = {"p": project, "t": traces, "u": subject}
        count = store.rows(f"SELECT count() AS n FROM {table} WHERE {where}", parameters=params)[0]["n"]
        if count:
            store.command(f"DELETE FROM {store.mutation_target(table)} WHERE {where}", parameters=params, settings=SYNC_DELETE)
        removed[table] = int(count)
    store.command("INSERT INTO erasures (project, kind, subject, key_id, removed) VALUES "
                  "({p:String}, {k:String}, {s:String}, {key:String}, {r:String})",
                  parameters={"p": project, "k": kind, "s": subject, "key": key_id,
                              "r": orjson.dumps(removed).decode()})
    return Erased(project, kind, subject, removed, len(traces))


def purge(store: Store) -> None:
    """Rewrite the parts holding deleted rows now, instead of at their next merge."""
    for table in ERASABLE:
        store.command(f"OPTIMIZE TABLE {store.mutation_target(table)} FINAL")


class ErasedSubjects:
    """The erased (project, user) and (project, trace) pairs, re-read at most every ``ttl_s``.

    Another process's erasure is seen within ``ttl_s``; one made through this process at once.
    """

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, dict[str, set[tuple[str, str]]]]] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    def of(self, store: Store) -> dict[str, set[tuple[str, str]]]:
        """{'user': {(project, user_id)}, 'trace': {(project, trace_id)}} for ``store``'s database."""
        key = f"{store.dsn}/{store.database}"
        hit = self._cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        found: dict[str, set[tuple[str, str]]] = {"user": set(), "trace": set()}
        for row in store.rows("SELECT DISTINCT project, kind, subject FROM erasures"):
            found.setdefault(row["kind"], set()).add((row["project"], row["subject"]))
        with self._lock:
            self._cache[key] = (time.monotonic() + self.ttl_s, found)
        return found


ERASED = ErasedSubjects()


def is_erased(erased: dict[str, set[tuple[str, str]]], row: dict[str, Any]) -> bool:
    """Whether a span or score row belongs to an erased user or trace."""
    return erased_ids(erased, row.get("project", ""), row.get("trace_id", ""), row.get("user_id", "") or "")


def erased_ids(erased: dict[str, set[tuple[str, str]]], project: str, trace_id: str, user_id: str) -> bool:
    """Whether this trace, or this user, of ``project`` is erased."""
    return (project, trace_id) in erased["trace"] or (project, user_id) in erased["user"]


def filter_erased(store: Store, encoded: Any) -> int:
    """Drop spans of erased users and traces from ingest's encoded batch (``ingest.decode.EncodedRows``,
    whose identities and user ids are at hand: the file is rewritten only when one matches).
    Returns how many spans were dropped."""
    erased = ERASED.of(store)
    if not erased["user"] and not erased["trace"] or not len(encoded):
        return 0
    keep = [i for i, ((project, trace_id, _), user) in enumerate(zip(encoded.keys, encoded.users))
            if not erased_ids(erased, project, trace_id, user)]
    dropped = len(encoded) - len(keep)
    if dropped:
        encoded.keep_only(keep)
    return dropped


def without_erased(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (span or score dicts) minus those of erased users and traces."""
    erased = ERASED.of(store)
    if not erased["user"] and not erased["trace"]:
        return rows
    return [row for row in rows if not is_erased(erased, row)]
