"""Kafka exporter: one lz4-compressed record per span batch, produced with kafka-python."""

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


class KafkaExporter:
    """Produces records to ``topic``; blocking, for the background thread only."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._producer: Any = None

    def _connect(self) -> Any:
        # Imported here so applications that send over HTTP never load kafka-python.
        from kafka import KafkaProducer

        # Pass only the options this kafka-python release knows (2.x lacks some 3.x settings).
        known = KafkaProducer.DEFAULT_CONFIG
        options = {key: value for key, value in _PRODUCER_OPTIONS.items() if key in known}
        return KafkaProducer(bootstrap_servers=self._bootstrap, **options)

    def export(self, record: bytes) -> None:
        """Produce one record and wait for the broker's acknowledgement; raise ``ExportError``."""
        from kafka.errors import KafkaError, MessageSizeTooLargeError

        try:
            if self._producer is None:
                self._producer = self._connect()
            self._producer.send(self._topic, record).get(timeout=_WAIT_S)
        except MessageSizeTooLargeError as exc:
            raise ExportError(f"record of {len(record)} bytes refused: {exc}", retryable=False) from exc
        except (KafkaError, OSError) as exc:
            raise ExportError(f"Kafka at {self._bootstrap} unavailable: {exc}", retryable=True) from exc

    def close(self) -> None:
        """Close the producer, waiting briefly for anything it still holds."""
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=2)
