"""`spyglass api`: serve the HTTP API against a configured Kafka and ClickHouse."""

from __future__ import annotations

import argparse

from spyglass.cli.settings import Settings
from spyglass.storage.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="default SPYGLASS_API_PORT or 8000")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from spyglass.api.app import create_app
    from spyglass.api.deps import ApiDeps
    from spyglass.broker.publish import SpanPublisher
    from spyglass.storage import Store

    if not settings.kafka_bootstrap:
        raise ConfigError("SPYGLASS_KAFKA_BOOTSTRAP is not set: `spyglass api` publishes to an existing "
                          "Kafka cluster (use `spyglass up` for the embedded stack)")
    publisher = SpanPublisher(settings.kafka_bootstrap, settings.spans_topic)
    store = Store(settings.clickhouse_dsn, settings.clickhouse_database)
    verifier = None
    if settings.auth:  # the same API keys as the embedded stack (`spyglass keys create`)
        from spyglass.api.auth import KeyVerifier

        verifier = KeyVerifier(Store(settings.clickhouse_dsn, settings.clickhouse_database))
    from spyglass.broker.score_publish import ScorePublisher
    from spyglass.sdk.score_wire import scores_topic

    scores = ScorePublisher(settings.kafka_bootstrap, scores_topic(settings.spans_topic))  # POST /v1/scores
    deps = ApiDeps(store=store, publisher=publisher, max_request_bytes=settings.max_request_bytes,
                   public_url=settings.api_url, auth=verifier, score_publisher=scores)
    try:
        uvicorn.run(create_app(deps), host=settings.api_host, port=args.port or settings.api_port)
    finally:
        publisher.close()
        scores.close()
    return 0
