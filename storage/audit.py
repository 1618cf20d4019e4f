"""The audit log (table ``audit_log``): append-only rows of who did what, from where; never text or PII."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from spyglass.storage.store import Store

AUDIT_COLUMNS = ("key_id", "project", "action", "target", "status", "client", "sql_hash", "rows")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class AuditEvent:
    """One audited call. ``target`` is an id or a route, never a value read or written."""

    key_id: str
    project: str
    action: str
    target: str
    status: int
    client: str
    sql_hash: str = ""
    rows: int | None = None


def normalized_sql_hash(query: str) -> str:
    """A hash of the statement with literals replaced and whitespace and case folded.

    Two runs of the same query with other values hash alike, and no value (a user id in a
    WHERE clause) is kept in the log.
    """
    text = _STRING.sub("?", query)
    text = _NUMBER.sub("?", text)
    text = _SPACE.sub(" ", text).strip().rstrip(";").lower()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record(store: Store, events: list[AuditEvent]) -> None:
    """Append ``events`` (one insert)."""
    if not events:
        return
    store.insert_json_rows("audit_log", AUDIT_COLUMNS, b"\n".join(orjson.dumps(asdict(e)) for e in events))


def read_audit(store: Store, project: str | None, start_s: float, end_s: float, action: str | None = None,
               key_id: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Audit rows in [start_s, end_s], newest first; ``project`` None: every project."""
    return store.rows(
        "SELECT at, key_id, project, action, target, status, client, sql_hash, rows FROM audit_log "
        "WHERE at >= fromUnixTimestamp64Milli({lo:Int64}) AND at <= fromUnixTimestamp64Milli({hi:Int64}) "
        "AND ({p:String} = '' OR project = {p:String}) AND ({a:String} = '' OR action = {a:String}) "
        "AND ({k:String} = '' OR key_id = {k:String}) ORDER BY at DESC LIMIT {n:UInt32}",
        parameters={"lo": int(start_s * 1000), "hi": int(end_s * 1000), "p": project or "", "a": action or "",
                    "k": key_id or "", "n": limit})
