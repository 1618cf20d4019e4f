"""Row values to JSON-friendly values: datetimes as RFC 3339 UTC strings."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def iso(value: datetime) -> str:
    """RFC 3339 with microseconds and a Z (ClickHouse returns naive UTC datetimes)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in row.items()}
