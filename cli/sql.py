"""`spyglass sql "SELECT ..."`: run one query on the Spyglass database, print rows as JSON lines."""

from __future__ import annotations

import argparse
import json

from spyglass.cli.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="SQL to run")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.storage import Store

    store = Store(settings.clickhouse_dsn, settings.clickhouse_database)
    for row in store.rows(args.query):
        print(json.dumps(row, default=str))
    return 0
