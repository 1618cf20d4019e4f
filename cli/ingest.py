"""`spyglass ingest`: one ingest consumer-group member against a configured Kafka and ClickHouse."""

from __future__ import annotations

import argparse
import signal
import threading

from spyglass.cli.settings import Settings
from spyglass.storage.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--create-topics", action="store_true", help="create the span and DLQ topics if missing")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.broker import ensure_topics
    from spyglass.ingest.scores import ScoreIngest
    from spyglass.ingest.worker import IngestWorker
    from spyglass.sdk.score_wire import scores_topic
    from spyglass.storage import Store, migrate

    if not settings.kafka_bootstrap:
        raise ConfigError("SPYGLASS_KAFKA_BOOTSTRAP is not set: `spyglass ingest` joins an existing "
                          "Kafka cluster (use `spyglass up` for the embedded broker)")
    if args.create_topics:
        ensure_topics(settings.kafka_bootstrap, {settings.spans_topic: settings.partitions, settings.dlq_topic: 1,
                                                 scores_topic(settings.spans_topic): 1})
    store = Store(settings.clickhouse_dsn, settings.clickhouse_database)
    migrate(store, settings.retention_days)
    worker = IngestWorker(store, settings.kafka_bootstrap, settings.spans_topic, settings.dlq_topic,
                          settings.ingest_group, settings.ingest_batch_spans, settings.ingest_batch_ms,
                          consumer_options={"max_poll_interval_ms": settings.ingest_max_poll_interval_ms,
                                            "session_timeout_ms": settings.ingest_session_timeout_ms},
                          decode_processes=settings.ingest_decode_processes, prices_file=settings.prices_file)
    # scores from outside (SDK, POST /v1/scores) on their own topic, beside the spans, on a thread
    score_ingest = ScoreIngest(Store(settings.clickhouse_dsn, settings.clickhouse_database), settings.kafka_bootstrap,
                               scores_topic(settings.spans_topic), settings.dlq_topic, f"{settings.ingest_group}.scores")
    scores = threading.Thread(target=score_ingest.run, name="scores", daemon=True)
    scores.start()

    def stop(*_: object) -> None:
        worker.stop()
        score_ingest.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()
    score_ingest.stop()
    scores.join(30)
    return 0
