"""Ingest: the span consumer group that writes spans to ClickHouse and dead letters to the DLQ.

Re-delivery never shows: a batch that may repeat stored spans (after a partition is assigned,
or after a failed store) is filtered against ClickHouse, recent span ids are remembered in
memory, each insert carries a de-duplication token, and readers use FINAL. Duplicates never
reach the materialized views, so rollups stay exact.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from spyglass.broker import make_producer
from spyglass.ingest.consumer import Batch, SpanConsumer
from spyglass.storage import Store
from spyglass.storage.spans import insert_spans, stored_span_ids


class RecentIds:
    """The last ``capacity`` span ids sent to ClickHouse, to drop producer-side duplicates cheaply."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, span_id: str) -> bool:
        return span_id in self._ids

    def clear(self) -> None:
        self._ids.clear()

    def add_all(self, span_ids: list[str]) -> None:
        ids = self._ids
        for span_id in span_ids:
            ids[span_id] = None
        while len(ids) > self.capacity:
            ids.popitem(last=False)


class SpanStoreSink:
    """Stores batches of spans: dead letters to the DLQ, then rows to ClickHouse, duplicates dropped."""

    def __init__(self, store: Store, bootstrap: str, dlq_topic: str, recent_ids: int = 500_000) -> None:
        self.db = store
        self.dlq_topic = dlq_topic
        self.duplicates_skipped = 0
        self._recent = RecentIds(recent_ids)
        self._producer = make_producer(bootstrap, linger_ms=0)

    def prepare(self, batch: Batch) -> list[dict[str, Any]]:
        """The batch's rows minus duplicates inside it, recently sent, or (if it may repeat) stored."""
        seen: set[str] = set()
        rows = []
        for row in batch.decoded.rows:
            span_id = row["span_id"]
            if span_id in seen or span_id in self._recent:
                continue
            seen.add(span_id)
            rows.append(row)
        if batch.may_repeat and rows:
            stored = stored_span_ids(self.db, rows)
            rows = [row for row in rows if row["span_id"] not in stored]
        self.duplicates_skipped += len(batch.decoded.rows) - len(rows)
        self._recent.add_all([row["span_id"] for row in rows])
        return rows

    def store(self, batch: Batch) -> int:
        """Runs on the helper thread: dead letters to the DLQ (flushed), rows to ClickHouse."""
        for letter in batch.decoded.dead:
            self._producer.send(self.dlq_topic, value=letter.payload, headers=letter.headers())
        if batch.decoded.dead:
            self._producer.flush(timeout=30)
        rows = batch.prepared
        insert_spans(self.db, rows, hashlib.sha1(batch.token.encode()).hexdigest())
        return len(rows)

    def forget(self) -> None:
        self._recent.clear()  # it may name spans that never reached ClickHouse

    def close(self) -> None:
        self._producer.close(timeout=5)


class IngestWorker(SpanConsumer):
    """One ingest consumer-group member; run several (processes or threads) to scale out."""

    def __init__(self, store: Store, bootstrap: str, topic: str, dlq_topic: str, group: str = "ingest",
                 batch_spans: int = 20_000, batch_ms: int = 250, consumer_options: dict[str, Any] | None = None,
                 recent_ids: int = 500_000) -> None:
        self.span_sink = SpanStoreSink(store, bootstrap, dlq_topic, recent_ids)
        super().__init__(self.span_sink, bootstrap, topic, group, batch_spans, batch_ms, consumer_options,
                         label="ingest")

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.span_sink.close()
