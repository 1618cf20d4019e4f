"""The schema for a ClickHouse cluster, derived from the embedded one.

Every MergeTree table becomes ``<name>_local`` (its Replicated* twin, ``ON CLUSTER``) on every
node, plus a ``Distributed`` table under the original name, so the queries the API and the docs
use run unchanged. Rows with the same sharding key live on one shard: spans, evaluations and
scores by ``cityHash64(project, trace_id)`` (a trace on one shard), everything else by its
sorting key, so ``FINAL`` and ReplacingMergeTree deduplication stay correct per shard.
Materialized views read and write the local tables, so each shard rolls up its own inserts.

The DDL is produced from the migrated schema (``system.tables`` of a scratch chDB), not written
by hand, so it cannot drift from the migrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spyglass.storage.errors import ConfigError, StorageError
from spyglass.storage.store import Store

LOCAL = "_local"
TRACE_KEY = "cityHash64(project, trace_id)"
ZOOKEEPER_PATH = "/clickhouse/tables/{shard}/{database}/{table}"


@dataclass(frozen=True)
class Table:
    name: str
    engine: str
    query: str
    sorting_key: str
    columns: frozenset[str]


def schema_tables(store: Store) -> list[Table]:
    """The tables and materialized views of ``store``'s database (already migrated)."""
    columns: dict[str, set[str]] = {}
    for row in store.rows("SELECT table, name FROM system.columns WHERE database = currentDatabase()"):
        columns.setdefault(row["table"], set()).add(row["name"])
    return [Table(row["name"], row["engine"], row["q"], row["sorting_key"], frozenset(columns.get(row["name"], ())))
            for row in store.rows("SELECT name, engine, create_table_query AS q, sorting_key FROM system.tables "
                                  "WHERE database = currentDatabase() ORDER BY name")]


def sharding_key(table: Table) -> str:
    """A trace stays on one shard; other rows go where their sorting key (their identity) says."""
    if {"project", "trace_id"} <= table.columns:
        return TRACE_KEY
    return f"cityHash64({table.sorting_key})"


def cluster_ddl(store: Store, cluster: str, database: str) -> list[str]:
    """Statements that create the current schema on ``cluster`` in ``database`` (idempotent, in order)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", cluster):
        raise ValueError(f"cluster name {cluster!r} is not a plain identifier")
    tables = schema_tables(store)
    merge_trees = [t for t in tables if t.engine.endswith("MergeTree")]
    views = [t for t in tables if t.engine == "MaterializedView"]
    names = {t.name for t in merge_trees}
    rename = _renamer(store.database, database, names)
    statements = [f"CREATE DATABASE IF NOT EXISTS {database} ON CLUSTER {cluster}"]
    for table in merge_trees:
        statements.append(_local_table(table, cluster, database, rename))
        statements.append(f"CREATE TABLE IF NOT EXISTS {database}.{table.name} ON CLUSTER {cluster} "
                          f"AS {database}.{table.name}{LOCAL} "
                          f"ENGINE = Distributed({cluster}, {database}, {table.name}{LOCAL}, {sharding_key(table)})")
    for view in views:
        head = f"CREATE MATERIALIZED VIEW {store.database}.{view.name} "
        if not view.query.startswith(head):
            raise ValueError(f"unexpected definition of {view.name}: {view.query[:80]}")
        body = rename(view.query[len(head):])
        statements.append(f"CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.{view.name} ON CLUSTER {cluster} {body}")
    return statements


def _renamer(source_db: str, target_db: str, tables: set[str]):
    """Rewrite ``source_db.table`` to ``target_db.table_local`` for the MergeTree tables."""
    pattern = re.compile(rf"\b{re.escape(source_db)}\.({'|'.join(sorted(map(re.escape, tables)))})\b")
    return lambda sql: pattern.sub(lambda m: f"{target_db}.{m.group(1)}{LOCAL}", sql)


def _local_table(table: Table, cluster: str, database: str, rename) -> str:
    head = f"CREATE TABLE {table.query.split(' ', 3)[2]} "
    if not table.query.startswith(head):
        raise ValueError(f"unexpected definition of {table.name}: {table.query[:80]}")
    body = table.query[len(head):]
    match = re.search(r"ENGINE = (\w*)MergeTree(?:\(([^()]*)\))?", body)
    if match is None:
        raise ValueError(f"{table.name}: no MergeTree engine in {body[:120]}")
    path = ZOOKEEPER_PATH.format(shard="{shard}", database=database, table=table.name + LOCAL)
    args = ", ".join(a for a in (f"'{path}'", "'{replica}'", match.group(2) or "") if a)
    engine = f"ENGINE = Replicated{match.group(1)}MergeTree({args})"
    body = body[:match.start()] + engine + body[match.end():]
    # Replicated tables deduplicate retried inserts through Keeper; the setting has another name there.
    body = body.replace("non_replicated_deduplication_window", "replicated_deduplication_window")
    return f"CREATE TABLE IF NOT EXISTS {database}.{table.name}{LOCAL} ON CLUSTER {cluster} {rename(body)}"


def migrate_cluster(store: Store, cluster: str) -> list[str]:
    """Create the schema on a fresh ``cluster`` through ``store`` (a server); return the statements run.

    A cluster created by an earlier version gets no automatic upgrade: a later migration's cluster
    form is applied by hand (docs/operations.md, "A ClickHouse cluster") and this refuses to guess.
    """
    import tempfile

    from spyglass.storage.schema import _TABLE, available_migrations, migrate

    if store.embedded:
        raise ConfigError("a cluster schema needs a ClickHouse server DSN (http://...), not embedded chDB")
    shipped = {m.version: m for m in available_migrations()}
    exists = store.rows("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() "
                        "AND name = {t:String}", parameters={"t": _TABLE})[0]["n"]
    if exists:
        done = {row["version"] for row in store.rows(f"SELECT version FROM {_TABLE} FINAL")}
        missing = sorted(set(shipped) - done)
        if missing:
            raise StorageError(f"cluster {cluster} lacks migrations {missing}; apply their ON CLUSTER form by hand "
                               "(docs/operations.md, 'A ClickHouse cluster')")
        return []
    with tempfile.TemporaryDirectory(prefix="spyglass-cluster-") as scratch:
        reference = Store(f"chdb://{scratch}", store.database)
        migrate(reference)
        statements = cluster_ddl(reference, cluster, store.database)
        reference.close()
    for statement in statements:
        store.command(statement)
    for migration in shipped.values():
        store.command(f"INSERT INTO {_TABLE} (version, name, checksum) VALUES ({{v:UInt32}}, {{n:String}}, {{c:String}})",
                      parameters={"v": migration.version, "n": migration.name, "c": migration.checksum},
                      settings={"distributed_foreground_insert": 1})
    return statements
