"""Read-only SQL for analysts: one SELECT, limited, scoped to the caller's project.

ClickHouse itself does the parsing: ``formatQuery`` turns the text into exactly one canonical
statement (a second statement is a syntax error there, and only that canonical text ever runs),
``EXPLAIN AST`` shows its shape (statement kind, table functions, SETTINGS, INTO OUTFILE, names)
before anything is read, and ``EXPLAIN QUERY TREE`` lists every table the analyzer resolved
(CTEs, subqueries, JOINs, ``IN table`` included). Only the analyst tables (``ANALYST_TABLES``,
an allow-list) can be read; keys, alert state and anything added later stay out until listed.
Rows of other projects never reach the query: ``additional_table_filters`` adds
``project = <caller>`` to every analyst table. ``readonly = 1`` backs all of it up. Error
messages are cut before ClickHouse's echo of the statement, so they never show the internal
SETTINGS or row filters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from clickhouse_connect.driver.exceptions import ClickHouseError

from spyglass.core.errors import Forbidden, InvalidInput, SpyglassError, TimedOut, TooLarge
from spyglass.core.time import iso
from spyglass.storage.errors import StorageError
from spyglass.storage.store import Store

# Table functions that read nothing outside the query itself.
SAFE_TABLE_FUNCTIONS = frozenset({"numbers", "numbers_mt", "zeros", "zeros_mt", "values", "generate_series",
                                  "generateseries", "null"})
# Ordinary functions that read files, dictionaries or Join tables outside the project filter.
DENIED_FUNCTION_PREFIXES = ("file", "dict", "joinget", "catboost", "getmacro", "getsetting", "getclientsetting",
                            "getserversetting")
# The allow-list: tables an analyst may read, each scoped to the caller's project by its project
# column. Never api_keys (secret hashes), alert state or drift baselines (operators' settings).
ANALYST_TABLES = frozenset({"spans", "spans_1m", "evaluations", "evaluations_1m", "drift_reports",
                            "scores", "scores_1m", "review_labels", "bias_reports"})  # never audit_log, erasures
# Tables with no tenant data that every project may read.
SHARED_TABLES = frozenset({"schema_migrations"})
# ClickHouse error codes of limits the query ran into: (kind, what to tell the caller).
_LIMIT_CODES = {159: "too_slow", 160: "too_slow", 396: "too_many_rows", 241: "too_much_memory",
                158: "too_many_rows", 307: "too_many_rows"}
_HINTS = {"too_slow": "narrow the time range or read a rollup table (spans_1m, evaluations_1m)",
          "too_many_rows": "add a LIMIT or aggregate", "too_much_memory": "aggregate over fewer groups or rows"}
_FORBIDDEN_CODES = {164, 497, 291, 446}  # READONLY, ACCESS_DENIED, DATABASE_ACCESS_DENIED, FUNCTION_NOT_ALLOWED
_CODE = re.compile(r"Code: (\d+)\.")


class SqlRefused(SpyglassError):
    """The query was not run, or was stopped. ``kind`` is one of: invalid, forbidden, too_many_rows,
    too_slow, too_much_memory; the message says what to change."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message, kind=kind)
        self.kind = kind


class SqlInvalid(SqlRefused, InvalidInput):
    """Not a query ClickHouse can run."""


class SqlForbidden(SqlRefused, Forbidden):
    """A statement, table or function analysts may not use."""


class SqlTooSlow(SqlRefused, TimedOut):
    """Stopped at the time limit."""


class SqlTooBig(SqlRefused, TooLarge):
    """Stopped at the row or memory limit."""


_REFUSALS: dict[str, type[SqlRefused]] = {"invalid": SqlInvalid, "forbidden": SqlForbidden, "too_slow": SqlTooSlow,
                                          "too_many_rows": SqlTooBig, "too_much_memory": SqlTooBig}


def refused(message: str, kind: str) -> SqlRefused:
    """The refusal of ``kind``, a class of the error tree so the API answers with its status."""
    return _REFUSALS[kind](message, kind)


@dataclass(frozen=True)
class SqlLimits:
    """What one analyst query may use: result rows, wall seconds, memory bytes."""

    max_rows: int = 10_000
    max_seconds: float = 10.0
    max_memory_bytes: int = 1 << 30


@dataclass
class SqlResult:
    """Rows of a query with their column names and ClickHouse types."""

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def _literal(value: str) -> str:
    """A ClickHouse string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def project_tables(store: Store) -> tuple[set[str], set[str]]:
    """(analyst tables present with a ``project`` column, every table and view) of the Spyglass database."""
    rows = store.rows("SELECT name, engine, has(groupArray(c.name), 'project') AS scoped "
                      "FROM system.tables AS t LEFT JOIN system.columns AS c "
                      "ON c.database = t.database AND c.table = t.name "
                      "WHERE t.database = {db:String} GROUP BY name, engine", {"db": store.database})
    scoped = {r["name"] for r in rows if r["scoped"] and not r["engine"].endswith("View")}
    return scoped & ANALYST_TABLES, {r["name"] for r in rows}


def scoped_settings(store: Store, project: str, limits: SqlLimits, scoped: set[str]) -> dict[str, Any]:
    """ClickHouse settings for an analyst query: read-only, limited, filtered to ``project``."""
    condition = f"project = {_literal(project)}"
    filters = ", ".join(f"{_literal(f'{store.database}.{table}')}: {_literal(condition)}" for table in sorted(scoped))
    # os_thread_priority: the query's threads run niced, so ingest, health and the API's own reads
    # keep the CPU while analysts' heavy queries run
    return {"readonly": 1, "max_execution_time": limits.max_seconds, "timeout_overflow_mode": "throw",
            "os_thread_priority": 10,
            "max_memory_usage": limits.max_memory_bytes, "max_threads": 2,
            "additional_table_filters": "{" + filters + "}"}


def _ast(store: Store, statement: str) -> list[tuple[int, str]]:
    """``EXPLAIN AST`` lines as (depth, text); parsing only, nothing is read.

    Run without settings: the chDB driver appends them as a SETTINGS clause, which would show here.
    """
    lines = [row["explain"] for row in _explain(store, f"EXPLAIN AST {statement}", {})]
    return [(len(line) - len(line.lstrip(" ")), line.strip()) for line in lines]


def _explain(store: Store, sql: str, settings: dict[str, Any],
             parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    try:
        return store.rows(sql, parameters, settings)
    except StorageError as exc:
        raise _translate(exc.__cause__ or exc) from exc


def check_shape(lines: list[tuple[int, str]], database: str, databases: set[str], readable: set[str],
                existing: set[str]) -> None:
    """Refuse what the AST shows to be more than a read of readable Spyglass tables."""
    if not lines or lines[0][1].split(" ")[0] != "SelectWithUnionQuery":
        kind = lines[0][1].split(" ")[0] if lines else "empty"
        raise refused(f"only SELECT queries are allowed (this is a {kind.removesuffix('Query')} statement)",
                         "forbidden")
    for index, (depth, text) in enumerate(lines):
        head, _, rest = text.partition(" ")
        name = rest.split(" ")[0]
        parent = next((t for d, t in reversed(lines[:index]) if d < depth), "")
        if depth == 1 and text not in ("Identifier Native",) and not head.startswith("ExpressionList"):
            raise refused("INTO OUTFILE and FORMAT clauses are not allowed; choose the format in the request",
                             "forbidden")
        if head == "Set":
            raise refused("SETTINGS clauses are not allowed: the limits of /v1/sql are fixed by the server",
                             "forbidden")
        if head == "Function" and parent.startswith("TableExpression"):
            if name.lower() not in SAFE_TABLE_FUNCTIONS:
                raise refused(f"table function {name}() is not allowed: read the Spyglass tables "
                                 f"(allowed table functions: {', '.join(sorted(SAFE_TABLE_FUNCTIONS))})", "forbidden")
        elif head == "Function" and name.lower().startswith(DENIED_FUNCTION_PREFIXES):
            raise refused(f"function {name}() reads outside the Spyglass tables and is not allowed", "forbidden")
        elif head in ("TableIdentifier", "Identifier"):
            _check_name(name, database, databases, readable, existing, table=head == "TableIdentifier")


def _check_name(name: str, database: str, databases: set[str], readable: set[str], existing: set[str],
                table: bool) -> None:
    first, dot, rest = name.partition(".")
    if dot and first != database and (table or first in databases or first.lower() in ("system",
                                                                                          "information_schema")):
        raise refused(f"table {name} is outside the Spyglass database {database!r}; "
                         "system and other databases cannot be read", "forbidden")
    bare = rest if dot and first == database else (name if not dot else "")
    if bare in existing and bare not in readable:
        raise refused(f"table {bare} is not an analyst table and cannot be read through SQL "
                         f"(readable: {', '.join(sorted(readable))})", "forbidden")


def check_tables(tree: list[str], database: str, readable: set[str]) -> None:
    """Refuse any table or table function the analyzer resolved that is not a readable Spyglass table."""
    for line in tree:
        table = re.search(r"\btable_name: ([^,\s]+)", line)
        function = re.search(r"\btable_function_name: ([\w]+)", line)
        if table and line.lstrip().startswith("TABLE "):
            name = table.group(1)
            # system.one is the implicit table of a SELECT without FROM (explicit reads were refused earlier)
            if name not in {f"{database}.{t}" for t in readable} | {"system.one"}:
                raise refused(f"table {name} is not readable through SQL (readable: "
                                 f"{', '.join(sorted(readable))} in {database!r})", "forbidden")
        if function and function.group(1).lower() not in SAFE_TABLE_FUNCTIONS:
            raise refused(f"table function {function.group(1)}() is not allowed", "forbidden")


def plan_readonly_sql(store: Store, sql: str, project: str, limits: SqlLimits) -> tuple[str, dict[str, Any]]:
    """The canonical statement to run and its settings, or ``SqlRefused`` saying why not."""
    if not sql or not sql.strip():
        raise refused("the query is empty", "invalid")
    scoped, existing = project_tables(store)
    readable = scoped | (SHARED_TABLES & existing)
    settings = scoped_settings(store, project, limits, scoped)
    statement = _explain(store, "SELECT formatQuery({q:String}) AS statement", settings, {"q": sql})[0]["statement"]
    first_word = statement.lstrip("(").split(None, 1)[0].upper() if statement.strip() else ""
    if first_word not in ("SELECT", "WITH"):
        raise refused(f"only SELECT queries are allowed (this is a {first_word} statement)", "forbidden")
    databases = {row["name"] for row in store.rows("SELECT name FROM system.databases")}
    check_shape(_ast(store, statement), store.database, databases, readable, existing)
    tree = [row["explain"] for row in _explain(store, f"EXPLAIN QUERY TREE {statement}", settings)]
    check_tables(tree, store.database, readable)
    settings.update(max_result_rows=limits.max_rows, result_overflow_mode="throw")
    return statement, settings


def _translate(exc: BaseException) -> SqlRefused:
    """A ClickHouse error as a refusal whose kind says whether the query or a limit is at fault."""
    text = str(exc)
    match = _CODE.search(text)
    code = int(match.group(1)) if match else 0
    message = _redact(re.sub(r"\s*\(version [^)]*\)", "", text.split("DB::Exception: ")[-1]).strip())
    if code in _LIMIT_CODES:
        kind = _LIMIT_CODES[code]
        return refused(f"query stopped at a limit: {message}; {_HINTS[kind]}", kind)
    if code in _FORBIDDEN_CODES:
        return refused(f"not allowed: {message}", "forbidden")
    return refused(message or text, "invalid")


def _redact(message: str) -> str:
    """A ClickHouse message without its echo of the statement (which carries the server's SETTINGS)."""
    # ClickHouse appends "In scope <statement as run>" and "while executing ..." to many errors;
    # the statement as run includes the SETTINGS clause with the other projects' row filters.
    for marker in (" In scope ", "In scope SELECT", " SETTINGS ", "additional_table_filters", "While processing "):
        cut = message.find(marker)
        if cut >= 0:
            message = message[:cut].rstrip(" .:,")
    return message or "the query failed"


def run_readonly_sql(store: Store, sql: str, project: str, max_rows: int = 10_000, max_seconds: float = 10.0,
                     max_memory_bytes: int = 1 << 30) -> SqlResult:
    """Run an analyst's query on ``project``'s rows only; ``SqlRefused`` when refused or over a limit.

    Blocking; at most ``max_seconds`` of ClickHouse time per step and ``max_rows`` result rows.
    """
    limits = SqlLimits(max_rows, max_seconds, max_memory_bytes)
    statement, settings = plan_readonly_sql(store, sql, project, limits)
    try:
        result = store.client.query(statement, settings=settings)
    except ClickHouseError as exc:
        raise _translate(exc) from exc
    return SqlResult(list(result.column_names), [t.name for t in result.column_types], list(result.result_rows))


def export_readonly_sql(store: Store, sql: str, project: str, fmt: str, limits: SqlLimits) -> bytes:
    """The same query as ``run_readonly_sql`` in a ClickHouse output format (CSVWithNames, ArrowStream)."""
    statement, settings = plan_readonly_sql(store, sql, project, limits)
    # Settings ride in the statement: the chDB driver would otherwise SET them on the shared session,
    # and after SET readonly = 1 it cannot restore the session (every later write would fail).
    clause = ", ".join(f"{name} = {value if isinstance(value, (int, float)) else _literal(str(value))}"
                       for name, value in settings.items())
    try:
        return store.client.raw_query(f"{statement}\nSETTINGS {clause}", fmt=fmt)
    except ClickHouseError as exc:
        raise _translate(exc) from exc


def json_value(value: Any) -> Any:
    """A ClickHouse value as JSON: datetimes RFC 3339, non-finite floats null, odd types as strings."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)  # Decimal, UUID, IP addresses
