"""Parsing query parameters shared by several routes."""

from __future__ import annotations

from spyglass.core.errors import InvalidInput
from spyglass.sdk.wire import SpanError, parse_time


def query_time(value: str | float | None, name: str, default: float) -> float:
    """An RFC 3339 or epoch-seconds query parameter as epoch seconds; 400 naming ``name`` when bad."""
    if value is None:
        return default
    if isinstance(value, str) and value.replace(".", "", 1).isdigit():
        value = float(value)
    try:
        return parse_time(value, name)
    except SpanError as exc:
        raise InvalidInput(f"query parameter {name}: {exc.message}") from None
