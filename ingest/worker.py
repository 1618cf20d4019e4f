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
from spyglass.ingest.decode import decode_for_insert
from spyglass.storage import Store
from spyglass.storage.spans import insert_json_body, stored_span_ids


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

    decode = staticmethod(decode_for_insert)  # rows arrive encoded (EncodedRows), decoded in a worker process

    def __init__(self, store: Store, bootstrap: str, dlq_topic: str, recent_ids: int = 500_000) -> None:
        self.db = store
        self.dlq_topic = dlq_topic
        self.duplicates_skipped = 0
        self._recent = RecentIds(recent_ids)
        self._producer = make_producer(bootstrap, linger_ms=0)

    def prepare(self, batch: Batch) -> tuple[bytes, int]:
        """The batch's rows minus duplicates inside it, recently sent, or (if it may repeat) stored."""
        encoded = batch.decoded.encoded
        assert encoded is not None, "SpanStoreSink needs decode_for_insert"
        seen: set[str] = set()
        recent = self._recent
        keep = []
        for i, span_id in enumerate(encoded.span_ids):
            if span_id in seen or span_id in recent:
                continue
            seen.add(span_id)
            keep.append(i)
        if batch.may_repeat and keep:
            stored = stored_span_ids(self.db, [encoded.span_ids[i] for i in keep], encoded.projects,
                                     encoded.start_lo, encoded.start_hi)
            keep = [i for i in keep if encoded.span_ids[i] not in stored]
        self.duplicates_skipped += len(encoded) - len(keep)
        self._recent.add_all([encoded.span_ids[i] for i in keep])
        return encoded.lines(keep), len(keep)

    def store(self, batch: Batch) -> int:
        """Runs on the helper thread: dead letters to the DLQ (flushed), rows to ClickHouse."""
        for letter in batch.decoded.dead:
            self._producer.send(self.dlq_topic, value=letter.payload, headers=letter.headers())
        if batch.decoded.dead:
            self._producer.flush(timeout=30)
        body, rows = batch.prepared
        if rows:
            insert_json_body(self.db, body, hashlib.sha1(batch.token.encode()).hexdigest())
        return rows

    def forget(self) -> None:
        self._recent.clear()  # it may name spans that never reached ClickHouse

    def close(self) -> None:
        self._producer.close(timeout=5)


class IngestWorker(SpanConsumer):
    """One ingest consumer-group member; run several (processes or threads) to scale out.

    ``decode_processes``: worker processes that parse and validate (1 suits 2 cores; 0 decodes
    on the consumer thread).
    """

    def __init__(self, store: Store, bootstrap: str, topic: str, dlq_topic: str, group: str = "ingest",
                 batch_spans: int = 20_000, batch_ms: int = 250, consumer_options: dict[str, Any] | None = None,
                 recent_ids: int = 500_000, decode_processes: int = 1) -> None:
        self.span_sink = SpanStoreSink(store, bootstrap, dlq_topic, recent_ids)
        super().__init__(self.span_sink, bootstrap, topic, group, batch_spans, batch_ms, consumer_options,
                         label="ingest", decode_processes=decode_processes)

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.span_sink.close()
