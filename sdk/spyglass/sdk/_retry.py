"""How long to wait before sending a failed record again: exponential backoff with jitter."""

from __future__ import annotations

import random
from typing import Optional

BASE_S = 0.5
# Kept short: a retry costs the application nothing, and a short cap means spans flow again
# within seconds of the broker's return.
CAP_S = 5.0


def backoff_s(attempt: int, retry_after_s: Optional[float] = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (0-based).

    Doubles from ``BASE_S`` up to ``CAP_S``, scaled by a random 50–100 % so that many
    processes losing the same broker do not all come back in step. A server's
    ``Retry-After`` wins when given, within the same cap.
    """
    if retry_after_s is not None:
        return min(CAP_S, retry_after_s)
    return min(CAP_S, BASE_S * 2 ** min(attempt, 16)) * random.uniform(0.5, 1.0)
