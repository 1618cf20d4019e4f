"""`spyglass evaluate`: an evaluator consumer-group member scoring spans from Kafka into ClickHouse."""

from __future__ import annotations

import argparse
import signal

from spyglass.cli.settings import Settings
from spyglass.storage.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--evaluator", action="append", dest="evaluators",
                        help="evaluator to run (repeatable); default SPYGLASS_EVALUATORS")


def build_worker(settings: Settings, bootstrap: str, names: list[str] | None = None):
    """An evaluator consumer over the configured store; loads the models now."""
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import pick_device
    from spyglass.evaluators.engine import LazyEncoder
    from spyglass.evaluators.registry import load_evaluators
    from spyglass.evaluators.sampling import LagSampler
    from spyglass.evaluators.sink import EvaluationSink
    from spyglass.ingest.consumer import SpanConsumer
    from spyglass.storage import Store

    device = pick_device(settings.device)
    try:
        evaluators = load_evaluators(names or settings.evaluators, settings)
    except KeyError as exc:
        raise ConfigError(f"SPYGLASS_EVALUATORS: {exc.args[0]}") from None
    from spyglass.telemetry.catalogue import EVALUATOR_TARGET_LAG

    EVALUATOR_TARGET_LAG.set(settings.eval_target_lag_s)
    sampler = LagSampler(settings.eval_target_lag_s) if settings.eval_target_lag_s > 0 else None
    sink = EvaluationSink(Store(settings.clickhouse_dsn, settings.clickhouse_database), evaluators,
                          EvalContext(encoder=LazyEncoder(device, precision=settings.encoder_precision), device=device),
                          sampler=sampler)
    sink.warm_up()
    return SpanConsumer(sink, bootstrap, settings.spans_topic, settings.evaluator_group, settings.eval_batch_spans,
                        settings.eval_batch_ms, label="evaluators", store_on_stop=False,
                        consumer_options={"max_poll_interval_ms": settings.ingest_max_poll_interval_ms,
                                          "session_timeout_ms": settings.ingest_session_timeout_ms})


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.storage import Store, migrate

    if not settings.kafka_bootstrap:
        raise ConfigError("SPYGLASS_KAFKA_BOOTSTRAP is not set: `spyglass evaluate` joins an existing Kafka "
                          "cluster (use `spyglass up` for the embedded stack)")
    migrate(Store(settings.clickhouse_dsn, settings.clickhouse_database), settings.retention_days)
    worker = build_worker(settings, settings.kafka_bootstrap, args.evaluators)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.run()
    return 0
