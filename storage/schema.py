"""Versioned schema migrations: ``migrations/NNNN_name.sql`` applied in order, recorded, idempotent."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from spyglass.storage.errors import StorageError
from spyglass.storage.store import Store

_TABLE = "schema_migrations"
# Tables whose retention follows SPYGLASS_RETENTION_DAYS, with the time column TTL applies to.
RETENTION_TABLES = {"spans": "start_time", "spans_1m": "minute", "evaluations": "span_start",
                    "evaluations_1m": "minute", "drift_reports": "current_end",
                    "scores": "scored_at", "scores_1m": "minute", "review_labels": "span_start"}  # not audit_log


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    def statements(self) -> list[str]:
        """Split on ';' at line ends; lines starting with -- are comments."""
        body = "\n".join(line for line in self.sql.splitlines() if not line.lstrip().startswith("--"))
        return [stmt.strip() for stmt in body.split(";\n") if stmt.strip().rstrip(";")]


def available_migrations() -> list[Migration]:
    """Every migration shipped in the package, in version order."""
    folder = resources.files("spyglass.storage").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, rest = entry.name.partition("_")
            found.append(Migration(int(version), rest[:-4], entry.read_text()))
    return sorted(found, key=lambda m: m.version)


def migrate(store: Store, retention_days: int = 0) -> list[Migration]:
    """Apply the migrations not yet recorded; return those applied. Safe to run twice.

    ``retention_days`` > 0 sets a TTL on spans and rollups; 0 removes it (keep forever).
    """
    store.command(f"""CREATE TABLE IF NOT EXISTS {_TABLE} (
        version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY version""")
    done = {row["version"]: row for row in store.rows(f"SELECT version, name, checksum FROM {_TABLE} FINAL")}
    applied = []
    for migration in available_migrations():
        if migration.version in done:
            if done[migration.version]["checksum"] != migration.checksum:
                raise StorageError(
                    f"migration {migration.version:04d}_{migration.name} changed after it was applied; "
                    "add a new migration instead of editing an applied one")
            continue
        for statement in migration.statements():
            store.command(statement)
        store.command(f"INSERT INTO {_TABLE} (version, name, checksum) VALUES "
                      "({v:UInt32}, {n:String}, {c:String})",
                      parameters={"v": migration.version, "n": migration.name, "c": migration.checksum})
        applied.append(migration)
    apply_retention(store, retention_days)
    return applied


def apply_retention(store: Store, retention_days: int) -> None:
    """Set (or remove, with 0) the TTL on every table in ``RETENTION_TABLES``."""
    if retention_days < 0:
        raise StorageError("retention_days must be >= 0")
    tables = {row["name"]: row["q"] for row in store.rows(
        "SELECT name, create_table_query AS q FROM system.tables "
        "WHERE database = currentDatabase() AND name IN {names:Array(String)}",
        parameters={"names": list(RETENTION_TABLES)})}
    for table, ddl in tables.items():
        if retention_days:
            column = RETENTION_TABLES[table]
            store.command(f"ALTER TABLE {store.mutation_target(table)} MODIFY TTL toDateTime({column}) + INTERVAL {int(retention_days)} DAY")
        elif " TTL " in ddl:
            store.command(f"ALTER TABLE {store.mutation_target(table)} REMOVE TTL")
