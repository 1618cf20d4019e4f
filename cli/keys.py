"""`spyglass keys create|list|revoke`: API keys (while `spyglass up` runs, use POST /v1/keys instead)."""

from __future__ import annotations

import argparse

from spyglass.cli.settings import Settings
from spyglass.storage.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="create a key and print its secret (shown once)")
    create.add_argument("--project", required=True, help="project the key is bound to ('*': operator key)")
    create.add_argument("--scope", action="append", dest="scopes", required=True, choices=("ingest", "read", "admin"))
    create.add_argument("--name", default="")
    listing = sub.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--project")
    revoke = sub.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.storage import Store, migrate
    from spyglass.storage.keys import create_key, list_keys, revoke_key

    store = Store(settings.clickhouse_dsn, settings.clickhouse_database)
    migrate(store, settings.retention_days)
    if args.action == "create":
        try:
            key, plaintext = create_key(store, args.project, args.scopes, args.name)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        print(f"key {key.key_id} for project {key.project!r}, scopes {', '.join(key.scopes)}:\n{plaintext}")
    elif args.action == "list":
        for key in list_keys(store, args.project):
            state = "revoked" if key.revoked else "active"
            print(f"{key.key_id}  {key.project:20s} {','.join(key.scopes):20s} {state:8s} {key.name}")
    elif not revoke_key(store, args.key_id):
        raise ConfigError(f"no API key {args.key_id!r}")
    else:
        print(f"revoked {args.key_id}")
    return 0
