"""Publishing scores from outside (POST /v1/scores) to their topic: the same road as the SDK's."""

from __future__ import annotations

from typing import Any

from spyglass.broker.publish import RecordPublisher
from spyglass.sdk.score_wire import encode_scores

SCORES_PER_RECORD = 500


class ScorePublisher(RecordPublisher):
    """Sends validated scores as score records and waits for the broker's acknowledgement."""

    def publish(self, scores: list[dict[str, Any]]) -> int:
        """Publish ``scores``; return how many. Raises ``BrokerBusy`` or ``BrokerError``."""
        self.send_all([encode_scores(scores[lo:lo + SCORES_PER_RECORD])
                       for lo in range(0, len(scores), SCORES_PER_RECORD)])
        return len(scores)
