"""`spyglass ingest`: one ingest consumer-group member against a configured Kafka and ClickHouse."""

from __future__ import annotations

import argparse
import signal
import threading

from spyglass.core.errors import ConfigError
from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--create-topics", action="store_true", help="create the span and DLQ topics if missing")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.broker import ensure_topics
    from spyglass.cli.workers import ingest_worker, new_store, score_ingest
    from spyglass.sdk.score_wire import scores_topic
    from spyglass.storage import migrate

    bootstrap, broker = settings.broker.kafka_bootstrap, settings.broker
    if not bootstrap:
        raise ConfigError("SPYGLASS_KAFKA_BOOTSTRAP is not set: `spyglass ingest` joins an existing "
                          "Kafka cluster (use `spyglass up` for the embedded broker)")
    if args.create_topics:
        ensure_topics(bootstrap, {broker.spans_topic: broker.partitions, broker.dlq_topic: 1,
                                  scores_topic(broker.spans_topic): 1})
    migrate(new_store(settings.storage), settings.storage.retention_days)
    worker = ingest_worker(settings, bootstrap)
    # scores from outside (SDK, POST /v1/scores) on their own topic, beside the spans, on a thread
    scores_worker = score_ingest(settings, bootstrap)
    scores = threading.Thread(target=scores_worker.run, name="scores", daemon=True)
    scores.start()

    def stop(*_: object) -> None:
        worker.stop()
        scores_worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()
    scores_worker.stop()
    scores.join(30)
    return 0
