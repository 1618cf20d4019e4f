"""`spyglass retention`: set a project's own retention, or run the per-project retention pass once."""

from __future__ import annotations

import argparse
import json

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", help="with --days: the project whose retention to set")
    parser.add_argument("--days", type=int, help="keep the project's data this many days (0: the global retention)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.cli.local_api import StackRunning, local_api, open_store
    from spyglass.storage.errors import ConfigError

    if (args.project is None) != (args.days is None):
        raise ConfigError("give --project and --days together (or neither, to run the retention pass once)")
    try:
        store = open_store(settings, "retention")
    except StackRunning:  # the running stack answers; it runs the pass itself
        if args.project is None:
            raise ConfigError("the running `spyglass up` runs the retention pass itself (every "
                              "SPYGLASS_RETENTION_INTERVAL_S); set a project's days with --project and --days") from None
        print(json.dumps(local_api(settings).call("PUT", f"/v1/projects/{args.project}/retention",
                                                  json={"days": args.days})))
        return 0
    from spyglass.storage.retention import enforce, set_retention

    if args.project is not None:
        set_retention(store, args.project, args.days)
        print(json.dumps({"project": args.project, "days": args.days or None}))
        return 0
    for expired in enforce(store):
        print(json.dumps({"project": expired.project, "days": expired.days, "removed": expired.removed}))
    return 0
