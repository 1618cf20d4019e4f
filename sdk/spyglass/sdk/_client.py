"""The process-wide client: ``init``, ``flush``, ``shutdown`` and ``stats``.

Spans finished before ``init`` (or after ``shutdown``) are not recorded, at almost no cost.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any, Callable, Optional

from spyglass.sdk._config import Settings, resolve_settings
from spyglass.sdk._counter import Counter
from spyglass.sdk._export import Exporter
from spyglass.sdk._http import HttpExporter
from spyglass.sdk._kafka import KafkaExporter
from spyglass.sdk._messages import normalize_messages
from spyglass.sdk._log import logger, warn_once
from spyglass.sdk._sampling import trace_sampled
from spyglass.sdk._worker import BatchWorker

Redactor = Callable[[dict[str, Any]], Optional[dict[str, Any]]]


class Client:
    """One configured pipeline: sampling decision, span queue, worker thread, exporter."""

    def __init__(self, settings: Settings, exporter: Exporter, redact: Optional[Redactor]) -> None:
        self.settings = settings
        self.sample_rate = settings.sample_rate
        self.sampled_out = Counter()
        self.errors = Counter()
        optional = {"environment": settings.environment, "release": settings.release}
        self._static = {"project": settings.project, "service": settings.service,
                        **{k: v for k, v in optional.items() if v}}
        self._redact = redact
        self.worker = BatchWorker(exporter, self._prepare, settings.max_queue_size,
                                  settings.max_batch_size, settings.flush_interval_s, settings.max_in_flight)
        self.submit = self.worker.submit  # the hot path calls this directly

    def sample(self, trace_id: str) -> bool:
        """Whether spans of this trace are recorded (decided once, at the trace's root)."""
        return trace_sampled(trace_id, self.sample_rate)

    def _prepare(self, span: dict[str, Any]) -> Optional[dict[str, Any]]:
        # Runs on the worker thread, so the application pays for none of this.
        # A plain loop: half the cost of update() over a generator (1.8 vs 3.5 µs a span, timed alone).
        ready = self._static.copy()
        for key, value in span.items():
            if value is not None:
                ready[key] = value
        prompt = ready.get("prompt")
        if type(prompt) is list:
            for message in prompt:
                if type(message) is not dict and type(message) is not str:  # a provider SDK's object
                    ready["prompt"] = normalize_messages(prompt)
                    break
        if self._redact is not None:
            ready = self._redact(ready)
            if ready is not None and not isinstance(ready, dict):
                warn_once("redact-type", "spyglass: the redaction hook returned %s, not a dict or None; "
                          "dropping the span", type(ready).__name__)
                return None
        return ready

    def stats(self) -> dict[str, int]:
        worker = self.worker
        pending = worker.pending()
        return {
            "queued": worker.taken + pending, "sent": worker.sent,
            "dropped": worker.dropped.value + worker.discarded, "failed": worker.failed,
            "retries": worker.retries, "pending": pending,
            "sampled_out": self.sampled_out.value, "errors": self.errors.value,
        }


active: Optional[Client] = None
_lock = threading.Lock()
_atexit_registered = False
_last_stats: dict[str, int] = {}


def _choose_exporter(settings: Settings, exporter: Optional[Exporter]) -> Optional[Exporter]:
    if exporter is not None:
        if callable(getattr(exporter, "export", None)) and callable(getattr(exporter, "close", None)):
            return exporter
        logger.warning("spyglass: init(exporter=%r) has no export()/close() methods; ignoring it", exporter)
    if settings.kafka_bootstrap:
        return KafkaExporter(settings.kafka_bootstrap, settings.kafka_topic, settings.max_in_flight)
    if settings.api_url:
        return HttpExporter(settings.api_url, api_key=settings.api_key)
    return None


def init(*, project: Optional[str] = None, service: Optional[str] = None,
         environment: Optional[str] = None, release: Optional[str] = None,
         kafka_bootstrap: Optional[str] = None, kafka_topic: Optional[str] = None,
         api_url: Optional[str] = None, api_key: Optional[str] = None, sample_rate: Optional[float] = None,
         max_queue_size: Optional[int] = None, max_batch_size: Optional[int] = None,
         max_in_flight: Optional[int] = None, flush_interval_s: Optional[float] = None,
         shutdown_timeout_s: Optional[float] = None,
         redact: Optional[Redactor] = None, exporter: Optional[Exporter] = None) -> None:
    """Start sending spans; each setting is the argument, else ``SPYGLASS_<NAME>``, else a default.

    Spans go to Kafka when a bootstrap address is set, else to ``POST {api_url}/v1/spans``
    (authenticated with ``api_key``, an ingest-scoped key);
    ``exporter`` (e.g. ``InMemorySink()``) overrides both. ``redact`` runs on every span dict on
    the SDK's thread before it leaves the process; return the dict (changed or not) or None to
    drop it. Calling ``init`` again flushes and replaces the previous setup. Never raises: bad
    values are logged and replaced by the next source. Starts one daemon thread.
    """
    global active, _atexit_registered, _last_stats
    try:
        given = dict(project=project, service=service, environment=environment, release=release,
                     kafka_bootstrap=kafka_bootstrap, kafka_topic=kafka_topic, api_url=api_url, api_key=api_key,
                     sample_rate=sample_rate, max_queue_size=max_queue_size,
                     max_batch_size=max_batch_size, max_in_flight=max_in_flight,
                     flush_interval_s=flush_interval_s,
                     shutdown_timeout_s=shutdown_timeout_s)
        settings = resolve_settings(given)
        if redact is not None and not callable(redact):
            logger.warning("spyglass: init(redact=%r) is not callable; ignoring it", redact)
            redact = None
        chosen = _choose_exporter(settings, exporter)
        shutdown()
        _last_stats = {}  # counts start afresh with each setup
        if chosen is None:
            logger.warning("spyglass: no destination configured (set SPYGLASS_KAFKA_BOOTSTRAP or "
                           "SPYGLASS_API_URL, or pass one to init); spans will not be recorded")
            return
        with _lock:
            active = Client(settings, chosen, redact)
            if not _atexit_registered:
                atexit.register(shutdown)  # "no lost spans on a clean exit"
                _atexit_registered = True
    except Exception:
        logger.exception("spyglass: init failed; spans will not be recorded")


def flush(timeout_s: float = 5.0) -> bool:
    """Block up to ``timeout_s`` until spans finished so far are exported; True if they were.

    Returns False on timeout (the spans stay queued, for example while the broker is down);
    True straight away before ``init``. Thread-safe; never raises.
    """
    client = active
    if client is None:
        return True
    try:
        scores = getattr(client, "score_worker", None)  # spyglass.score(...), when used
        return client.worker.flush(timeout_s) and (scores is None or scores.flush(timeout_s))
    except Exception:
        logger.exception("spyglass: flush failed")
        return False


def shutdown(timeout_s: Optional[float] = None) -> None:
    """Export what is queued (up to ``timeout_s``, default the configured 5 s), then stop.

    Blocks the caller up to the timeout. Idempotent and registered with ``atexit``; spans
    finished afterwards are not recorded until the next ``init``. ``stats()`` keeps the final
    counts. Never raises.
    """
    global active, _last_stats
    with _lock:
        client, active = active, None
    if client is None:
        return
    try:
        wait = client.settings.shutdown_timeout_s if timeout_s is None else max(0.0, float(timeout_s))
        client.worker.shutdown(wait)
        if getattr(client, "score_worker", None) is not None:
            client.score_worker.shutdown(wait)
        _last_stats = client.stats()
    except Exception:
        logger.exception("spyglass: shutdown failed")


def stats() -> dict[str, int]:
    """Counters of the current client (or the last one shut down): never raises.

    ``queued`` accepted for export, ``sent`` delivered, ``dropped`` discarded before sending
    (queue full, redaction, unencodable), ``failed`` given up after sending failed,
    ``retries`` failed attempts retried, ``pending`` waiting now, ``sampled_out`` not
    recorded by sampling, ``errors`` SDK errors swallowed on the application's threads.
    """
    client = active
    if client is None:
        return dict(_last_stats)
    try:
        return client.stats()
    except Exception:
        logger.exception("spyglass: stats failed")
        return {}
