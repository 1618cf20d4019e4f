"""Publishing batches to Kafka from the backend (HTTP and OTLP ingest, scores): one road for every record."""

from __future__ import annotations

from typing import Any

import orjson
from kafka.errors import KafkaError, KafkaTimeoutError

from spyglass.broker.errors import BrokerError
from spyglass.broker.topics import make_producer
from spyglass.sdk.wire import SCHEMA_VERSION

SPANS_PER_RECORD = 500


class BrokerBusy(BrokerError):
    """The producer's buffer is full or the broker is slow: the caller should retry later (HTTP 503)."""

    retry_after_s = 1.0


class RecordPublisher:
    """Sends record bodies to one topic and waits until the broker has them all. Thread-safe."""

    def __init__(self, bootstrap: str, topic: str, ack_timeout_s: float = 10.0) -> None:
        self.topic = topic
        self.ack_timeout_s = ack_timeout_s
        # max_block_ms bounds how long send() waits for buffer space: full means "busy", not a hang
        self._producer = make_producer(bootstrap, max_block_ms=1_000, linger_ms=2)
        self.rejected_busy = 0

    def send_all(self, bodies: list[bytes]) -> None:
        """Send ``bodies`` and wait for every acknowledgement. Raises ``BrokerBusy`` or ``BrokerError``."""
        try:
            futures = [self._producer.send(self.topic, body) for body in bodies]
            for future in futures:
                future.get(timeout=self.ack_timeout_s)
        except KafkaTimeoutError as exc:
            self.rejected_busy += 1
            raise BrokerBusy(f"broker busy, retry later: {exc}") from exc
        except KafkaError as exc:
            raise BrokerError(f"could not publish to {self.topic}: {exc}") from exc

    def connected(self) -> bool:
        """Whether the producer can currently reach a broker."""
        try:
            return bool(self._producer.bootstrap_connected() or self._producer.partitions_for(self.topic))
        except KafkaError:
            return False

    def close(self) -> None:
        self._producer.close(timeout=5)


class SpanPublisher(RecordPublisher):
    """Sends spans as wire-format records."""

    def publish(self, spans: list[Any]) -> int:
        """Publish spans (as sent, unvalidated or validated); return how many. Raises BrokerError."""
        self.send_all([orjson.dumps({"schema_version": SCHEMA_VERSION, "spans": spans[lo:lo + SPANS_PER_RECORD]},
                                    default=str) for lo in range(0, len(spans), SPANS_PER_RECORD)])
        return len(spans)
