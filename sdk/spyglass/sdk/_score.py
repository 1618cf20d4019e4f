"""``spyglass.score(...)``: scores from outside (thumbs, reviews, the app's checks), sent in batches.

Scores ride their own topic (``score_wire.scores_topic``) or ``POST /v1/scores``, through the same
``BatchWorker`` as spans: bounded queue, background thread, backoff, never raising into the app.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Optional, Union

from spyglass.sdk._export import Exporter
from spyglass.sdk._http import HttpExporter
from spyglass.sdk._kafka import KafkaExporter
from spyglass.sdk._log import logger, warn_once
from spyglass.sdk._worker import BatchWorker
from spyglass.sdk.score_wire import ScoreError, encode_scores, scores_topic, validate_score

_MAX_QUEUE = 10_000
_lock = threading.Lock()


class _ScoreRecords:
    """Wraps a span exporter: the worker's span-shaped record becomes a score record."""

    def __init__(self, inner: Exporter) -> None:
        self._inner = inner

    def export(self, record: bytes) -> None:
        self._inner.export(encode_scores(json.loads(record)["spans"]))

    def close(self) -> None:
        self._inner.close()


def _prepare(score: dict[str, Any]) -> Optional[dict[str, Any]]:
    try:
        return validate_score(score)
    except ScoreError as exc:
        warn_once("bad-score", "spyglass: dropping an invalid score: %s", exc)
        return None


def _exporter(settings: Any) -> Optional[Exporter]:
    if settings.kafka_bootstrap:
        return KafkaExporter(settings.kafka_bootstrap, scores_topic(settings.kafka_topic))
    if settings.api_url:
        http = HttpExporter(settings.api_url, api_key=settings.api_key)
        http._url = settings.api_url.rstrip("/") + "/v1/scores"  # same transport, the scores route
        return http
    return None


def score_worker(client: Any) -> Optional[BatchWorker]:
    """The client's score worker, started on first use (one more daemon thread), or None."""
    worker = getattr(client, "score_worker", None)
    if worker is not None:
        return worker
    with _lock:
        if getattr(client, "score_worker", None) is None:
            exporter = _exporter(client.settings)
            if exporter is None:  # a custom exporter (tests, InMemorySink): scores go nowhere
                return None
            client.score_worker = BatchWorker(_ScoreRecords(exporter), _prepare, _MAX_QUEUE, 500,
                                              client.settings.flush_interval_s)
        return client.score_worker


def score(name: str, value: Union[float, bool, str], *, trace_id: Optional[str] = None,
          span_id: Optional[str] = None, comment: Optional[str] = None, source: str = "user",
          author: Optional[str] = None, score_id: Optional[str] = None) -> None:
    """Record a score on a trace or span: a number, true/false (thumbs) or a category.

    ``trace_id`` defaults to the current span's trace (and ``span_id`` to that span). ``source``
    is ``user``, ``reviewer`` or ``api``. Queued in memory and sent by a background thread;
    never blocks, never raises. Invalid scores are dropped and counted in ``stats()``.
    """
    from spyglass.sdk import _client

    try:
        client = _client.active
        if client is None:
            warn_once("score-before-init", "spyglass: score() before init(); the score is not recorded")
            return
        if trace_id is None:
            from spyglass.sdk._span import current_span

            current = current_span()
            if current is not None:
                trace_id, span_id = current.trace_id, span_id or current.span_id
        worker = score_worker(client)
        if worker is None:
            warn_once("score-no-destination", "spyglass: scores need Kafka or the API as destination")
            return
        worker.submit({"project": client.settings.project, "name": name, "value": value, "trace_id": trace_id,
                       "span_id": span_id, "comment": comment, "source": source, "author": author,
                       "score_id": score_id, "timestamp": time.time()})
    except Exception:
        logger.exception("spyglass: score() failed; the score is not recorded")
