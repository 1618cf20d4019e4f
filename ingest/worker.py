"""Ingest: the span consumer group that writes spans to ClickHouse and dead letters to the DLQ.

Re-delivery never shows: a batch that may repeat stored spans (after a partition is assigned,
or after a failed store) is filtered against ClickHouse, recent span ids are remembered in
memory, each insert carries a de-duplication token, and readers use FINAL. Duplicates never
reach the materialized views, so rollups never double count; and when the filter finds stored
spans, the rollups of the insert that stored them are checked and completed
(``storage.rollups``), so a crash between a part and its view's rows loses no count either.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import OrderedDict
from functools import partial
from typing import Any

from spyglass.broker import make_producer
from spyglass.ingest.consumer import Batch, SpanConsumer
from spyglass.ingest.decode import Decoded, decode_for_insert
from spyglass.ingest.prices import load_prices
from spyglass.ingest.spool import make_spool
from spyglass.storage import Store
from spyglass.storage.erasure import filter_erased
from spyglass.storage.rollups import SPANS_1M, repair_rollup
from spyglass.storage.spans import insert_span_file, stored_spans


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

    def __init__(self, store: Store, bootstrap: str, dlq_topic: str, recent_ids: int = 500_000,
                 prices_file: str | None = None) -> None:
        prices = load_prices(prices_file)  # first: a bad price file fails before anything starts
        self.spool = make_spool()
        # rows arrive as files (EncodedRows)
        self.decode = partial(decode_for_insert, spool=self.spool, prices=prices)
        self.db = store
        self.dlq_topic = dlq_topic
        self.duplicates_skipped = 0
        self.rollups_repaired = 0
        self.erased_skipped = 0
        self._recent = RecentIds(recent_ids)
        self._producer = make_producer(bootstrap, linger_ms=0)

    def prepare(self, batch: Batch) -> int:
        """The batch's rows minus duplicates inside it, recently sent, or (if it may repeat) stored."""
        encoded = batch.decoded.encoded
        assert encoded is not None, "SpanStoreSink needs decode_for_insert"
        self.erased_skipped += filter_erased(self.db, encoded)  # a replay must not bring erased data back
        seen: set[str] = set()
        recent = self._recent
        keep = []
        for i, span_id in enumerate(encoded.span_ids):
            if span_id in seen or span_id in recent:
                continue
            seen.add(span_id)
            keep.append(i)
        if batch.may_repeat and keep:
            stored = stored_spans(self.db, [encoded.span_ids[i] for i in keep], encoded.projects,
                                  encoded.start_lo, encoded.start_hi)
            if stored:  # an earlier insert of these spans may have been cut off before its rollups
                self.rollups_repaired += repair_rollup(self.db, SPANS_1M, stored.values(), encoded.projects)
            keep = [i for i in keep if encoded.span_ids[i] not in stored]
        self.duplicates_skipped += len(encoded) - len(keep)
        encoded.keep_only(keep)
        self._recent.add_all(encoded.span_ids)
        return len(keep)

    def store(self, batch: Batch) -> int:
        """Runs on the helper thread: dead letters to the DLQ (flushed), rows to ClickHouse."""
        for letter in batch.decoded.dead:
            self._producer.send(self.dlq_topic, value=letter.payload, headers=letter.headers())
        if batch.decoded.dead:
            self._producer.flush(timeout=30)
        encoded = batch.decoded.encoded
        try:
            if batch.prepared:
                insert_span_file(self.db, encoded.path, hashlib.sha1(batch.token.encode()).hexdigest())
        finally:
            encoded.discard()  # a failed batch is fetched and decoded again
        return batch.prepared

    def discard(self, decoded: Decoded) -> None:
        """A decoded batch will never be stored (rewound): remove its file."""
        if decoded.encoded is not None:
            decoded.encoded.discard()

    def forget(self) -> None:
        self._recent.clear()  # it may name spans that never reached ClickHouse

    def close(self) -> None:
        self._producer.close(timeout=5)
        shutil.rmtree(self.spool, ignore_errors=True)


class IngestWorker(SpanConsumer):
    """One ingest consumer-group member; run several (processes or threads) to scale out.

    ``decode_processes``: worker processes that parse and validate (0 decodes on the consumer
    thread). Two beat one even on 2 cores: 59k vs 42k spans/s in ``bench/ingest.py``.
    """

    def __init__(self, store: Store, bootstrap: str, topic: str, dlq_topic: str, group: str = "ingest",
                 batch_spans: int = 20_000, batch_ms: int = 250, consumer_options: dict[str, Any] | None = None,
                 recent_ids: int = 500_000, decode_processes: int = 2, prices_file: str | None = None) -> None:
        self.span_sink = SpanStoreSink(store, bootstrap, dlq_topic, recent_ids, prices_file)
        super().__init__(self.span_sink, bootstrap, topic, group, batch_spans, batch_ms, consumer_options,
                         label="ingest", decode_processes=decode_processes)

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.span_sink.close()
