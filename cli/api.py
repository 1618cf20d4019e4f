"""`spyglass api`: serve the HTTP API against a configured Kafka and ClickHouse."""

from __future__ import annotations

import argparse

from spyglass.core.errors import ConfigError
from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="default SPYGLASS_API_PORT or 8000")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from spyglass.api.app import create_app
    from spyglass.cli.workers import api_deps, new_store

    if not settings.broker.kafka_bootstrap:
        raise ConfigError("SPYGLASS_KAFKA_BOOTSTRAP is not set: `spyglass api` publishes to an existing "
                          "Kafka cluster (use `spyglass up` for the embedded stack)")
    verifier = None
    if settings.api.auth:  # the same API keys as the embedded stack (`spyglass keys create`)
        from spyglass.api.auth import KeyVerifier

        verifier = KeyVerifier(new_store(settings.storage))
    deps = api_deps(settings, settings.broker.kafka_bootstrap, new_store(settings.storage), verifier)
    try:
        uvicorn.run(create_app(deps), host=settings.api.host, port=args.port or settings.api.port)
    finally:
        deps.publisher.close()
        deps.score_publisher.close()
    return 0
