"""One factory per role, shared by `spyglass up` (the embedded stack) and the single-role commands.

Each builds its worker from the settings and does not start it; the caller runs ``worker.run()``
(blocking, usually on a thread) and calls ``worker.stop()``. Models and modules load lazily, so
`spyglass migrate` never imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spyglass.core.errors import ConfigError
from spyglass.core.settings import AlertSettings, EvaluatorSettings, Settings, StorageSettings
from spyglass.storage import Store

if TYPE_CHECKING:
    from spyglass.alerts.engine import AlertEngine
    from spyglass.alerts.files import RuleSet
    from spyglass.api.auth import KeyVerifier
    from spyglass.api.deps import ApiDeps
    from spyglass.drift.monitor import Embedder
    from spyglass.drift.service import DriftService
    from spyglass.evaluators.engine import LazyEncoder
    from spyglass.ingest.consumer import SpanConsumer
    from spyglass.ingest.scores import ScoreIngest
    from spyglass.ingest.worker import IngestWorker


def new_store(storage: StorageSettings) -> Store:
    """A handle on the configured database (each worker takes its own)."""
    return Store(storage.dsn, storage.database)


def _consumer_options(settings: Settings, max_poll_interval_ms: int) -> dict[str, Any]:
    return {"max_poll_interval_ms": max_poll_interval_ms, "session_timeout_ms": settings.ingest.session_timeout_ms}


def ingest_worker(settings: Settings, bootstrap: str) -> "IngestWorker":
    """The span ingest consumer; a bad price file is a ``ConfigError`` before anything starts."""
    from spyglass.ingest.prices import PriceError
    from spyglass.ingest.worker import IngestWorker

    s, broker = settings.ingest, settings.broker
    try:
        return IngestWorker(new_store(settings.storage), bootstrap, broker.spans_topic, broker.dlq_topic, s.group,
                            s.batch_spans, s.batch_ms, _consumer_options(settings, s.max_poll_interval_ms),
                            decode_processes=s.decode_processes, prices_file=s.prices_file)
    except PriceError as exc:
        raise ConfigError(str(exc)) from None  # the message names the file and the bad entry


def score_ingest(settings: Settings, bootstrap: str) -> "ScoreIngest":
    """The consumer of scores from outside (SDK, POST /v1/scores), beside span ingest."""
    from spyglass.ingest.scores import ScoreIngest
    from spyglass.sdk.score_wire import scores_topic

    broker = settings.broker
    return ScoreIngest(new_store(settings.storage), bootstrap, scores_topic(broker.spans_topic), broker.dlq_topic,
                       f"{settings.ingest.group}.scores",
                       _consumer_options(settings, settings.ingest.max_poll_interval_ms))


def model_encoder(evaluators: EvaluatorSettings) -> "LazyEncoder":
    """The shared text encoder on the configured device and precision (loads on first use)."""
    from spyglass.evaluators.encoder import pick_device
    from spyglass.evaluators.engine import LazyEncoder

    return LazyEncoder(pick_device(evaluators.device), precision=evaluators.encoder_precision)


def evaluate_worker(settings: Settings, bootstrap: str, names: list[str] | None = None) -> "SpanConsumer":
    """An evaluator consumer over the configured store; loads the models now."""
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.registry import load_evaluators
    from spyglass.evaluators.sink import EvaluationSink
    from spyglass.ingest.consumer import SpanConsumer

    s = settings.evaluators
    try:
        evaluators = load_evaluators(names or s.names, s)
    except KeyError as exc:
        raise ConfigError(f"SPYGLASS_EVALUATORS: {exc.args[0]}") from None
    from spyglass.evaluators.sampling import LagSampler
    from spyglass.telemetry.catalogue import EVALUATOR_TARGET_LAG

    EVALUATOR_TARGET_LAG.set(s.target_lag_s)
    encoder = model_encoder(s)
    sink = EvaluationSink(new_store(settings.storage), evaluators, EvalContext(encoder=encoder, device=encoder.device),
                          sampler=LagSampler(s.target_lag_s) if s.target_lag_s > 0 else None)
    # store_on_stop=False: at a stop, what was not scored is left to `spyglass backfill` (the spans are stored)
    return SpanConsumer(sink, bootstrap, settings.broker.spans_topic, s.group, s.batch_spans, s.batch_ms,
                        label="evaluators", store_on_stop=False,
                        consumer_options=_consumer_options(settings, s.max_poll_interval_ms))


def drift_service(settings: Settings, encoder: "Embedder | None") -> "DriftService":
    """The drift monitor on its schedule (``encoder`` None: no embedding features)."""
    from spyglass.drift.service import DriftService

    return DriftService(new_store(settings.storage), settings.drift, encoder)


def rule_set(alerts: AlertSettings, override: str | None = None) -> "RuleSet":
    """Rules and channels from the rule files (``override``, else the configured ones, else the packaged
    defaults), plus the local log channel unless a file defines ``log``."""
    from spyglass.alerts.channels import Channel
    from spyglass.alerts.files import default_rule_files, load_rule_files

    text = override or alerts.rules
    files = [part.strip() for part in (text or "").split(",") if part.strip()]
    found = load_rule_files(files or default_rule_files())
    if not any(c.name == "log" for c in found.channels):
        found.channels.append(Channel("log", "log", path=alerts.log_path or ""))
    return found


def alert_engine(settings: Settings, store: Store, public_url: str, rules: str | None = None) -> "AlertEngine":
    """The alert engine over ``store``: ``engine.run()`` blocks until ``engine.stop()``."""
    from spyglass.alerts.engine import AlertEngine

    s = settings.alerts
    found = rule_set(s, rules)
    return AlertEngine(store, found.channels, found.rules, interval_s=s.interval_s,
                       renotify_s=s.renotify_s, public_url=public_url, repost_s=s.alertmanager_repost_s)


def api_deps(settings: Settings, bootstrap: str, store: Store, verifier: "KeyVerifier | None") -> "ApiDeps":
    """The API's collaborators; the caller closes ``deps.publisher`` and ``deps.score_publisher``."""
    from spyglass.api.deps import ApiDeps
    from spyglass.broker.publish import SpanPublisher
    from spyglass.broker.score_publish import ScorePublisher
    from spyglass.sdk.score_wire import scores_topic

    topic = settings.broker.spans_topic
    return ApiDeps(store=store, publisher=SpanPublisher(bootstrap, topic),
                   max_request_bytes=settings.api.max_request_bytes, public_url=settings.api.url, auth=verifier,
                   score_publisher=ScorePublisher(bootstrap, scores_topic(topic)))
