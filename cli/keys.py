"""`spyglass keys create|list|revoke`: API keys, in ClickHouse or, while `spyglass up` holds the embedded
data directory, through its API (/v1/keys) with its local operator key."""

from __future__ import annotations

import argparse

from spyglass.core.settings import Settings
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
    from spyglass.cli.local_api import StackRunning, local_api, open_store
    from spyglass.storage import migrate
    from spyglass.storage.keys import create_key, list_keys, revoke_key

    try:
        store = open_store(settings, "keys")
    except StackRunning:
        return _through_api(args, local_api(settings))
    migrate(store, settings.storage.retention_days)
    if args.action == "create":
        try:
            key, plaintext = create_key(store, args.project, args.scopes, args.name)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        _print_created(key.key_id, key.project, key.scopes, plaintext)
    elif args.action == "list":
        for key in list_keys(store, args.project):
            _print_key(key.key_id, key.project, key.scopes, key.revoked, key.name)
    elif not revoke_key(store, args.key_id):
        raise ConfigError(f"no API key {args.key_id!r}")
    else:
        print(f"revoked {args.key_id} (other API processes stop accepting it within 30 s)")
    return 0


def _through_api(args: argparse.Namespace, api) -> int:
    """The same actions over /v1/keys of the running stack (its API revokes at once)."""
    if args.action == "create":
        key = api.call("POST", "/v1/keys", json={"project": args.project, "scopes": args.scopes, "name": args.name})
        _print_created(key["key_id"], key["project"], key["scopes"], key["key"])
    elif args.action == "list":
        for key in api.call("GET", "/v1/keys", params={"project": args.project} if args.project else None)["keys"]:
            _print_key(key["key_id"], key["project"], key["scopes"], key["revoked"], key["name"])
    else:
        api.call("DELETE", f"/v1/keys/{args.key_id}")
        print(f"revoked {args.key_id}")
    return 0


def _print_created(key_id: str, project: str, scopes, plaintext: str) -> None:
    print(f"key {key_id} for project {project!r}, scopes {', '.join(scopes)}:\n{plaintext}")


def _print_key(key_id: str, project: str, scopes, revoked: bool, name: str) -> None:
    print(f"{key_id}  {project:20s} {','.join(scopes):20s} {'revoked' if revoked else 'active':8s} {name}")
