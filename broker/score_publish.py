"""Publishing scores from outside (POST /v1/scores) to their topic: the same road as the SDK's."""

from __future__ import annotations

from typing import Any

from kafka.errors import KafkaError, KafkaTimeoutError

from spyglass.broker.errors import BrokerError
from spyglass.broker.publish import BrokerBusy
from spyglass.broker.topics import make_producer
from spyglass.sdk.score_wire import encode_scores

SCORES_PER_RECORD = 500


class ScorePublisher:
    """Sends validated scores as score records and waits for the broker's acknowledgement. Thread-safe."""

    def __init__(self, bootstrap: str, topic: str, ack_timeout_s: float = 10.0) -> None:
        self.topic = topic
        self.ack_timeout_s = ack_timeout_s
        self._producer = make_producer(bootstrap, max_block_ms=1_000, linger_ms=2)

    def publish(self, scores: list[dict[str, Any]]) -> int:
        """Publish ``scores``; return how many. Raises ``BrokerBusy`` or ``BrokerError``."""
        try:
            futures = [self._producer.send(self.topic, encode_scores(scores[lo:lo + SCORES_PER_RECORD]))
                       for lo in range(0, len(scores), SCORES_PER_RECORD)]
            for future in futures:
                future.get(timeout=self.ack_timeout_s)
        except KafkaTimeoutError as exc:
            raise BrokerBusy(f"broker busy, retry later: {exc}") from exc
        except KafkaError as exc:
            raise BrokerError(f"could not publish to {self.topic}: {exc}") from exc
        return len(scores)

    def close(self) -> None:
        self._producer.close(timeout=5)
