"""Kafka exporter: one lz4-compressed record per span batch, produced with kafka-python.

``send`` returns at once with an acknowledgement to collect later, so the worker keeps several
batches in flight instead of waiting out the broker's round trip for each one.
"""

from __future__ import annotations

from typing import Any

from spyglass.sdk._export import ExportError
from spyglass.sdk.wire import MAX_RECORD_BYTES

# Short timeouts keep the worker responsive to shutdown while the broker is away; the worker's
# own backoff does the long-term retrying, so the producer must give up on a record rather
# than keep a second copy of it queued internally (which would also be re-sent later).
_PRODUCER_OPTIONS: dict[str, Any] = dict(
    # acks from the leader; the backend drops the rare duplicate a retry makes, so no idempotence
    compression_type="lz4", acks=1, enable_idempotence=False, linger_ms=0,
    max_request_size=MAX_RECORD_BYTES + 1024 * 1024,
    max_block_ms=5_000, request_timeout_ms=5_000, delivery_timeout_ms=6_000,
    bootstrap_timeout_ms=5_000, reconnect_backoff_max_ms=2_000,
)
_WAIT_S = 8.0  # a little beyond delivery_timeout_ms, after which the producer reports failure


def _export_error(exc: BaseException, size: int, bootstrap: str) -> ExportError:
    from kafka.errors import MessageSizeTooLargeError

    if isinstance(exc, MessageSizeTooLargeError):
        return ExportError(f"record of {size} bytes refused: {exc}", retryable=False)
    return ExportError(f"Kafka at {bootstrap} unavailable: {exc}", retryable=True)


class KafkaAcknowledgement:
    """The broker's answer to one record, collected later by the worker."""

    __slots__ = ("_future", "_size", "_bootstrap")

    def __init__(self, future: Any, size: int, bootstrap: str) -> None:
        self._future = future
        self._size = size
        self._bootstrap = bootstrap

    def done(self) -> bool:
        return bool(self._future.is_done)

    def wait(self) -> None:
        """Block until acknowledged (at most ~8 s); raise ``ExportError``."""
        from kafka.errors import KafkaError

        try:
            self._future.get(timeout=_WAIT_S)
        except (KafkaError, OSError) as exc:
            raise _export_error(exc, self._size, self._bootstrap) from exc


class KafkaExporter:
    """Produces records to ``topic``; for the background thread only.

    ``max_in_flight``: records the producer may have sent and not yet had acknowledged.
    """

    def __init__(self, bootstrap: str, topic: str, max_in_flight: int = 1) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._max_in_flight = max_in_flight
        self._producer: Any = None

    def _connect(self) -> Any:
        # Imported here so applications that send over HTTP never load kafka-python.
        from kafka import KafkaProducer

        # Pass only the options this kafka-python release knows (2.x lacks some 3.x settings).
        known = KafkaProducer.DEFAULT_CONFIG
        options = dict(_PRODUCER_OPTIONS, max_in_flight_requests_per_connection=max(5, self._max_in_flight))
        options = {key: value for key, value in options.items() if key in known}
        return KafkaProducer(bootstrap_servers=self._bootstrap, **options)

    def send(self, record: bytes) -> KafkaAcknowledgement:
        """Hand one record to the producer without waiting for the broker; raise ``ExportError``.

        Blocks only while the producer has no room or no broker metadata (at most ~5 s).
        """
        from kafka.errors import KafkaError

        try:
            if self._producer is None:
                self._producer = self._connect()
            return KafkaAcknowledgement(self._producer.send(self._topic, record), len(record), self._bootstrap)
        except (KafkaError, OSError) as exc:
            raise _export_error(exc, len(record), self._bootstrap) from exc

    def export(self, record: bytes) -> None:
        """Produce one record and wait for the broker's acknowledgement; raise ``ExportError``."""
        self.send(record).wait()

    def close(self) -> None:
        """Close the producer, waiting briefly for anything it still holds."""
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=2)
