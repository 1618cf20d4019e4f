"""`spyglass evaluate`: an evaluator consumer-group member scoring spans from Kafka into ClickHouse."""

from __future__ import annotations

import argparse
import signal

from spyglass.core.errors import ConfigError
from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--evaluator", action="append", dest="evaluators",
                        help="evaluator to run (repeatable); default SPYGLASS_EVALUATORS")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.cli.workers import evaluate_worker, new_store
    from spyglass.storage import migrate

    if not settings.broker.kafka_bootstrap:
        raise ConfigError("SPYGLASS_KAFKA_BOOTSTRAP is not set: `spyglass evaluate` joins an existing Kafka "
                          "cluster (use `spyglass up` for the embedded stack)")
    migrate(new_store(settings.storage), settings.storage.retention_days)
    worker = evaluate_worker(settings, settings.broker.kafka_bootstrap, args.evaluators)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.run()
    return 0
