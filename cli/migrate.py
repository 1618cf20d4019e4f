"""`spyglass migrate`: apply ClickHouse schema migrations (safe to run twice); on a cluster, create its schema."""

from __future__ import annotations

import argparse

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--print-cluster-ddl", metavar="CLUSTER",
                        help="print the ON CLUSTER schema (Replicated + Distributed tables) for CLUSTER and exit; "
                             "runs nothing against SPYGLASS_CLICKHOUSE_DSN")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.storage import Store, migrate

    if args.print_cluster_ddl:
        return _print_cluster_ddl(args.print_cluster_ddl, settings.storage.database)
    store = Store(settings.storage.dsn, settings.storage.database)
    if settings.storage.cluster:
        from spyglass.storage.cluster import migrate_cluster

        statements = migrate_cluster(store, settings.storage.cluster)
        print(f"{settings.storage.database} on cluster {settings.storage.cluster}: "
              f"{len(statements)} statements run" if statements else "up to date")
        return 0
    applied = migrate(store, settings.storage.retention_days)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    print(f"{settings.storage.database}: up to date ({len(applied)} applied now)")
    return 0


def _print_cluster_ddl(cluster: str, database: str) -> int:
    import tempfile

    from spyglass.storage import Store, migrate
    from spyglass.storage.cluster import cluster_ddl

    with tempfile.TemporaryDirectory(prefix="spyglass-cluster-") as scratch:
        reference = Store(f"chdb://{scratch}", database)
        migrate(reference)
        for statement in cluster_ddl(reference, cluster, database):
            print(statement + ";\n")
    return 0
