"""The ClickHouse connection: one client API for embedded chDB (`chdb://path`) and a server (`http://`).

chDB allows one data directory per process; several ``Store`` objects on the same DSN share it.
Each component (ingest, API, evaluators) opens its own ``Store`` so their calls do not serialize
on one client.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl
from typing import Any, Sequence

import clickhouse_connect
from clickhouse_connect.driver.exceptions import ClickHouseError

from spyglass.storage.errors import ConfigError, StorageError

_DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _client_args(dsn: str) -> dict[str, Any]:
    if dsn.startswith("chdb://"):
        path = dsn[len("chdb://"):]
        # chdb://./relative -> absolute, created on demand
        path, _, query = path.partition("?")  # chdb:///data?config-file=x.xml: engine start-up options
        if path and not path.startswith("/"):
            path = str(Path(path).resolve())
        if path:
            Path(path).mkdir(parents=True, exist_ok=True)
        args: dict[str, Any] = {"dsn": f"chdb://{path}"}
        if query:
            args["chdb_options"] = dict(parse_qsl(query, keep_blank_values=True))
        return args
    if dsn.startswith(("http://", "https://", "clickhouse://", "clickhouses://")):
        return {"dsn": dsn}
    raise ConfigError(
        f"SPYGLASS_CLICKHOUSE_DSN={dsn!r} is not a ClickHouse DSN: use chdb:///path/to/data "
        "(embedded) or http(s)://user:password@host:8123 (server)")


class Store:
    """A ClickHouse client bound to the Spyglass database; errors come out as ``StorageError``."""

    def __init__(self, dsn: str, database: str = "spyglass") -> None:
        if not _DATABASE_NAME.match(database):
            raise ConfigError(f"SPYGLASS_CLICKHOUSE_DATABASE={database!r} is not a plain identifier")
        self.dsn = dsn
        self.database = database
        self._targets: dict[str, str] = {}
        args = _client_args(dsn)
        try:
            bootstrap = clickhouse_connect.get_client(**args)
            bootstrap.command(f"CREATE DATABASE IF NOT EXISTS {database}")
            self.client = clickhouse_connect.get_client(**args, database=database)
        except ClickHouseError as exc:
            raise StorageError(f"cannot open ClickHouse at {dsn}: {exc}") from exc

    @property
    def embedded(self) -> bool:
        return self.dsn.startswith("chdb://")

    def command(self, sql: str, parameters: dict[str, Any] | None = None,
                settings: dict[str, Any] | None = None) -> Any:
        """Run a statement that returns no rows (DDL, ALTER, ...)."""
        try:
            return self.client.command(sql, parameters=parameters, settings=settings)
        except ClickHouseError as exc:
            raise StorageError(str(exc)) from exc

    def rows(self, sql: str, parameters: dict[str, Any] | None = None,
             settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query; rows as dicts keyed by column name. Parameters are bound, never formatted."""
        try:
            result = self.client.query(sql, parameters=parameters, settings=settings)
        except ClickHouseError as exc:
            raise StorageError(str(exc)) from exc
        names = result.column_names
        return [dict(zip(names, row)) for row in result.result_rows]

    def insert_json_rows(self, table: str, columns: Sequence[str], body: bytes,
                         dedup_token: str | None = None) -> None:
        """Insert JSON rows (one object per line, or one array); ClickHouse parses them (much faster than Python).

        ``dedup_token`` makes a retried insert of the same block a no-op.
        """
        try:
            self.client.raw_insert(table, list(columns), body, settings=_json_insert_settings(dedup_token),
                                   fmt="JSONEachRow")
        except ClickHouseError as exc:
            raise StorageError(f"insert into {table} failed: {exc}") from exc

    def insert_json_file(self, table: str, columns: Sequence[str], path: str, dedup_token: str | None = None,
                         settings: dict[str, Any] | None = None) -> None:
        """Like ``insert_json_rows``, from a file: embedded chDB reads it itself, a server gets it streamed."""
        settings = {**_json_insert_settings(dedup_token), **(settings or {})}
        try:
            if self.embedded:  # what clickhouse-connect's chDB backend does with a body, minus copying it to a file
                names = ", ".join(f"`{c}`" for c in columns)
                self.client.command(f"INSERT INTO {table} ({names}) FROM INFILE {sql_string(path)} FORMAT JSONEachRow",
                                    settings=settings)
            else:
                with open(path, "rb") as body:
                    self.client.raw_insert(table, list(columns), body, settings=settings, fmt="JSONEachRow")
        except ClickHouseError as exc:
            raise StorageError(f"insert into {table} failed: {exc}") from exc

    def insert_select_file(self, table: str, columns: Sequence[str], select: str, structure: str, path: str,
                           dedup_token: str | None = None, settings: dict[str, Any] | None = None) -> None:
        """``INSERT INTO table (columns) <select>``, where ``select`` reads ``{source}``: the file
        (JSONEachRow: objects, or one array of them) with ``structure``. Embedded chDB reads the file
        itself; a server gets it streamed."""
        settings = {**_json_insert_settings(dedup_token), **(settings or {})}
        try:
            if self.embedded:
                source = f"file({sql_string(path)}, JSONEachRow, {sql_string(structure)})"
                self.client.command(insert_select(table, columns, select, source), settings=settings)
            else:
                query = insert_select(table, columns, select, f"input({sql_string(structure)})") + " FORMAT JSONEachRow"
                with open(path, "rb") as body:
                    self.client.command(query, data=body.read(), settings=settings)
        except ClickHouseError as exc:
            raise StorageError(f"insert into {table} failed: {exc}") from exc

    def mutation_target(self, table: str) -> str:
        """Where a DELETE, ALTER or OPTIMIZE of ``table`` goes: the table itself, or on a cluster
        (``table`` is Distributed, see ``storage/cluster.py``) its local tables on every node."""
        if table not in self._targets:
            rows = self.rows("SELECT engine_full FROM system.tables WHERE database = currentDatabase() "
                             "AND name = {t:String}", parameters={"t": table})
            engine = rows[0]["engine_full"] if rows else ""
            match = re.match(r"Distributed\('?(\w+)'?, *'?\w+'?, *'?(\w+)'?", engine)
            self._targets[table] = f"{match.group(2)} ON CLUSTER {match.group(1)}" if match else table
        return self._targets[table]

    def ping(self) -> bool:
        """True when ClickHouse answers a trivial query."""
        try:
            self.client.query("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - readiness probes report, they do not raise
            return False

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a dead connection is not an error
            pass


def insert_select(table: str, columns: Sequence[str], select: str, source: str) -> str:
    """``INSERT INTO table (columns) <select>``, ``{source}`` in ``select`` replaced by ``source``."""
    names = ", ".join(f"`{c}`" for c in columns)
    return f"INSERT INTO {table} ({names}) " + select.replace("{source}", source)


def sql_string(text: str) -> str:
    """A ClickHouse string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _json_insert_settings(dedup_token: str | None) -> dict[str, Any]:
    settings: dict[str, Any] = {"date_time_input_format": "best_effort", "input_format_skip_unknown_fields": 1}
    if dedup_token:
        settings["insert_deduplication_token"] = dedup_token
    return settings
