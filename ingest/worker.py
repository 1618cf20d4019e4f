"""Ingest: the span consumer group that writes spans to ClickHouse and dead letters to the DLQ.

Re-delivery never shows: a batch that may repeat stored spans (after a partition is assigned,
or after a failed store) is filtered against ClickHouse, recent spans are remembered in
memory, each insert carries a de-duplication token, and readers use FINAL. A span is named by
(project, trace_id, span_id) everywhere: span ids are unique only within a trace. The token is
a digest of the spans inserted (their identities), never of Kafka offsets, which start again
at 0 on a broker that lost its topics (the embedded one, after every restart). Duplicates never
reach the materialized views, so rollups never double count; and when the filter finds stored
spans, the rollups of the insert that stored them are checked and completed
(``storage.rollups``), so a crash between a part and its view's rows loses no count either.
"""

from __future__ import annotations

import shutil
from collections import OrderedDict
from functools import partial
from typing import Any

from kafka.errors import KafkaError

from spyglass.broker import BrokerError, make_producer
from spyglass.ingest.batch import Batch
from spyglass.ingest.consumer import SpanConsumer
from spyglass.ingest.decode import Decoded, SpanKey, Source, SpooledRecords, decode_for_insert, warm_up
from spyglass.ingest.prices import load_prices
from spyglass.ingest.spool import make_spool
from spyglass.storage import Store
from spyglass.storage.erasure import filter_erased
from spyglass.storage.rollups import SPANS_1M, repair_rollup
from spyglass.storage.spans import insert_sent_spans, stored_spans


class RecentIds:
    """The last ``capacity`` spans sent to ClickHouse, by identity, to drop producer-side duplicates cheaply.

    Holds each identity's 64-bit hash, not the three strings (a quarter of the memory): a false
    match needs a collision among the last ``capacity`` spans, about 1 in 10^13 per span.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[int, None] = OrderedDict()

    def __contains__(self, key: SpanKey) -> bool:
        return hash(key) in self._ids

    def clear(self) -> None:
        self._ids.clear()

    def add_all(self, keys: list[SpanKey]) -> None:
        ids = self._ids
        for key in keys:
            ids[hash(key)] = None
        while len(ids) > self.capacity:
            ids.popitem(last=False)


class SpanStoreSink:
    """Stores batches of spans: dead letters to the DLQ, then rows to ClickHouse, duplicates dropped."""

    def __init__(self, store: Store, bootstrap: str, dlq_topic: str, recent_ids: int = 500_000,
                 prices_file: str | None = None) -> None:
        prices = load_prices(prices_file)  # first: a bad price file fails before anything starts
        self.spool = make_spool()
        # spans arrive as files (EncodedRows)
        self.decode = partial(decode_for_insert, spool=self.spool, prices=prices)
        self.decode_setup = warm_up  # decode workers import and read the prices before the first batch
        self.db = store
        self.dlq_topic = dlq_topic
        self.duplicates_skipped = 0
        self.rollups_repaired = 0
        self.erased_skipped = 0
        self._recent = RecentIds(recent_ids)
        self._producer = make_producer(bootstrap, linger_ms=0)

    def spool_records(self, items: list[tuple[bytes | None, Source]]) -> SpooledRecords:
        """A batch's records written to the spool folder for the decode worker (``decode_for_insert``)."""
        return SpooledRecords.write(items, self.spool)

    def prepare(self, batch: Batch[int]) -> int:
        """The batch's rows minus duplicates inside it, recently sent, or (if it may repeat) stored."""
        encoded = batch.decoded.encoded
        assert encoded is not None, "SpanStoreSink needs decode_for_insert"
        self.erased_skipped += filter_erased(self.db, encoded)  # a replay must not bring erased data back
        seen: set[SpanKey] = set()
        recent = self._recent
        keep = []
        for i, key in enumerate(encoded.keys):
            if key in seen or key in recent:
                continue
            seen.add(key)
            keep.append(i)
        if batch.may_repeat and keep:
            stored = stored_spans(self.db, [encoded.keys[i] for i in keep], encoded.start_lo, encoded.start_hi)
            if stored:  # an earlier insert of these spans may have been cut off before its rollups
                self.rollups_repaired += repair_rollup(self.db, SPANS_1M, stored.values(), encoded.projects)
            keep = [i for i in keep if encoded.keys[i] not in stored]
        self.duplicates_skipped += len(encoded) - len(keep)
        encoded.keep_only(keep)
        self._recent.add_all(encoded.keys)
        return len(keep)

    def store(self, batch: Batch[int]) -> int:
        """Runs on the helper thread: dead letters to the DLQ (each confirmed), rows to ClickHouse.

        Raises ``BrokerError`` when the broker does not confirm a dead letter: the batch is not
        committed and is fetched again.
        """
        encoded = batch.decoded.encoded
        try:
            self._send_dead_letters(batch.decoded)
            if batch.prepared:
                insert_sent_spans(self.db, encoded.path, insert_token(encoded.digest))
        finally:
            encoded.discard()  # a failed batch is fetched and decoded again
        return batch.prepared or 0

    def _send_dead_letters(self, decoded: Decoded) -> None:
        if not decoded.dead:
            return
        try:
            futures = [self._producer.send(self.dlq_topic, value=letter.payload, headers=letter.headers())
                       for letter in decoded.dead]
            self._producer.flush(timeout=30)
            for future in futures:
                future.get(timeout=30)  # raises what the broker answered, e.g. a refused record
        except KafkaError as exc:
            raise BrokerError(f"dead letter not accepted by {self.dlq_topic} ({decoded.dead[0].source}...): "
                              f"{exc!r}") from exc

    def discard(self, decoded: Decoded) -> None:
        """A decoded batch will never be stored (rewound): remove its file."""
        if decoded.encoded is not None:
            decoded.encoded.discard()

    def forget(self) -> None:
        self._recent.clear()  # it may name spans that never reached ClickHouse

    def close(self) -> None:
        self._producer.close(timeout=5)
        shutil.rmtree(self.spool, ignore_errors=True)


def insert_token(digest: str) -> str:
    """The de-duplication token of an insert of spans, from the spans it holds, so no two broker
    incarnations (whose offsets both start at 0) can share one. ``insert_batch`` is its cityHash64."""
    return f"spans:{digest}"


class IngestWorker(SpanConsumer):
    """One ingest consumer-group member; run several (processes or threads) to scale out.

    ``decode_processes``: worker processes that parse and validate (0 decodes on the consumer
    thread). Two beat one even on 2 cores: 59k vs 42k spans/s in ``bench/ingest.py``.
    """

    def __init__(self, store: Store, bootstrap: str, topic: str, dlq_topic: str, group: str = "ingest",
                 batch_spans: int = 20_000, batch_ms: int = 250, consumer_options: dict[str, Any] | None = None,
                 recent_ids: int = 500_000, decode_processes: int = 1, prices_file: str | None = None) -> None:
        self.span_sink = SpanStoreSink(store, bootstrap, dlq_topic, recent_ids, prices_file)
        super().__init__(self.span_sink, bootstrap, topic, group, batch_spans, batch_ms, consumer_options,
                         label="ingest", decode_processes=decode_processes)

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.span_sink.close()
