"""`spyglass sql "SELECT ..."`: run one query on the Spyglass database, print rows as JSON lines."""

from __future__ import annotations

import argparse
import json

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="SQL to run")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.cli.local_api import StackRunning, open_store

    try:
        store = open_store(settings, "sql")
    except StackRunning as exc:
        # any SQL needs ClickHouse itself; the API offers only read-only, project-scoped queries
        raise StackRunning(f"{exc}. Stop the stack to run any SQL, or run a read-only query on one project "
                           f"through its API: spyglass query \"SELECT ...\" --project P") from None
    for row in store.rows(args.query):
        print(json.dumps(row, default=str))
    return 0
