"""`spyglass query "SQL" --project P`: an analyst's read-only query, shown as a table, JSON or CSV.

Runs against ClickHouse directly, or through a Spyglass API with ``--api URL``. While `spyglass up`
holds the embedded data directory, it goes through that stack's API with its local key.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from spyglass.cli.local_api import LocalApi, StackRunning, local_api, open_store
from spyglass.core.settings import Settings
from spyglass.storage.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="one SELECT statement over the Spyglass tables")
    parser.add_argument("--project", required=True, help="only this project's rows are visible")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output (default table)")
    parser.add_argument("--max-rows", type=int, default=10_000, help="more result rows than this is an error")
    parser.add_argument("--api", metavar="URL", help="run through a Spyglass API (POST /v1/sql) instead of ClickHouse")
    parser.add_argument("--api-key", metavar="KEY", help="read-scope API key for --api (default: the local key of "
                                                       "`spyglass up`, SPYGLASS_LOCAL_KEY_PATH)")


def _through_api(args: argparse.Namespace, api: LocalApi) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        body = api.call("POST", "/v1/sql", params={"project": args.project},
                        json={"query": args.query, "format": "json", "max_rows": args.max_rows})
    except ConfigError as exc:
        raise QueryFailed(str(exc)) from None
    return [c["name"] for c in body["columns"]], body["rows"]


def _direct(args: argparse.Namespace, settings: Settings) -> tuple[list[str], list[dict[str, Any]]]:
    from spyglass.api.sql import json_value
    from spyglass.storage.sql import SqlRefused, run_readonly_sql

    store = open_store(settings, "query")
    try:
        result = run_readonly_sql(store, args.query, args.project, max_rows=args.max_rows)
    except SqlRefused as exc:
        raise QueryFailed(f"{exc.kind}: {exc.message}") from None
    finally:
        store.close()
    return result.columns, [{n: json_value(v) for n, v in zip(result.columns, row)} for row in result.rows]


class QueryFailed(Exception):
    """The query was refused or failed; the message is for the analyst."""


def print_rows(columns: list[str], rows: list[dict[str, Any]], fmt: str) -> None:
    """Rows to stdout as a rich table, JSON lines or CSV with a header."""
    if fmt == "json":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[json.dumps(row[c]) if isinstance(row[c], (list, dict)) else row[c] for c in columns]
                          for row in rows])
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns, caption=f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
        for row in rows:
            table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
        Console().print(table)


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.api:
            columns, rows = _through_api(args, local_api(settings, args.api, args.api_key))
        else:
            try:
                columns, rows = _direct(args, settings)
            except StackRunning:
                api = local_api(settings, key=args.api_key)
                print(f"(spyglass up holds the data directory: querying through its API at {api.url})",
                      file=sys.stderr)
                columns, rows = _through_api(args, api)
    except QueryFailed as exc:
        print(f"spyglass query: {exc}", file=sys.stderr)
        return 1
    print_rows(columns, rows, args.format)
    return 0
