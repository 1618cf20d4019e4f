"""Time helpers every backend layer shares: durations in, RFC 3339 out, and how long to wait before a retry.

The SDK (its own light distribution) keeps its own ``spyglass.sdk._retry.backoff_s`` with the
same formula: it may not import the backend, and this package imports nothing of the project.
"""

from __future__ import annotations

import math
import random
import re
from datetime import datetime, timezone
from typing import Any

from spyglass.core.errors import InvalidInput

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86_400, None: 1}


def parse_duration(value: Any, where: str) -> float:
    """``250ms``, ``30s``, ``5m``, ``1h``, ``7d`` or a number of seconds -> seconds.

    Raises ``InvalidInput`` naming ``where`` (the field or parameter) for anything else or a negative value.
    """
    if isinstance(value, bool):
        raise InvalidInput(f"{where}: expected a duration like 30s, 5m or 1h, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise InvalidInput(f"{where}: expected a duration like 30s, 5m or 1h, got {value!r}")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds < 0 or not math.isfinite(seconds):
        raise InvalidInput(f"{where}: must be a non-negative duration, got {value!r}")
    return seconds


def iso(value: datetime | float) -> str:
    """RFC 3339 UTC with microseconds and a Z, of a datetime (naive = UTC, as ClickHouse returns) or epoch seconds."""
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, timezone.utc)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def backoff_s(attempt: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): exponential from ``base_s``, capped at ``cap_s``.

    Scaled by a random 50-100 % so that many processes that lost the same server do not come back in
    step, and never near zero, so a loop that keeps failing does not spin.
    """
    return min(cap_s, base_s * 2 ** min(max(attempt - 1, 0), 32)) * (rng or random).uniform(0.5, 1.0)
