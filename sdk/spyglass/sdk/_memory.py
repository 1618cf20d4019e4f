"""An in-memory sink for testing instrumentation, like OpenTelemetry's InMemorySpanExporter."""

from __future__ import annotations

import threading
from typing import Any

from spyglass.sdk.wire import decode_record


class InMemorySink:
    """Keeps every exported span, exactly as it would go over the wire, in a list.

    Pass it as ``init(exporter=InMemorySink())``, run the code under test, call ``flush()``,
    then read ``spans``. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[dict[str, Any]] = []

    def export(self, record: bytes) -> None:
        """Decode one record and keep its spans (called by the SDK's background thread)."""
        spans = decode_record(record)
        with self._lock:
            self._spans.extend(spans)

    @property
    def spans(self) -> list[dict[str, Any]]:
        """A copy of the spans received so far, in export order."""
        with self._lock:
            return list(self._spans)

    def clear(self) -> None:
        """Forget the spans received so far."""
        with self._lock:
            self._spans.clear()

    def close(self) -> None:
        """Keep the spans: tests read them after ``shutdown()``."""
