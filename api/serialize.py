"""Row values to JSON-friendly values: datetimes as RFC 3339 UTC strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from spyglass.core.time import iso


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in row.items()}
