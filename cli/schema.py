"""`spyglass schema`: print the span wire format v1 as JSON Schema (docs/span.schema.json)."""

from __future__ import annotations

import argparse
import json

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.sdk.wire import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0
