"""`spyglass migrate`: apply ClickHouse schema migrations (safe to run twice)."""

from __future__ import annotations

import argparse

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.storage import Store, migrate

    store = Store(settings.storage.dsn, settings.storage.database)
    applied = migrate(store, settings.storage.retention_days)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    print(f"{settings.storage.database}: up to date ({len(applied)} applied now)")
    return 0
