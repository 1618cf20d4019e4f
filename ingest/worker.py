"""The ingest loop: Kafka consumer group -> validated rows -> ClickHouse, offsets committed after.

At-least-once: offsets are committed only once ClickHouse has the rows and the dead letters are
on the DLQ. Re-delivery never shows: a batch that may repeat stored spans (after a partition is
assigned, or after a failed insert) is filtered against ClickHouse, recent span ids are
remembered in memory, each insert carries a de-duplication token, and readers use FINAL.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kafka import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from spyglass.broker import make_consumer, make_producer
from spyglass.ingest.decode import Decoded, Source, decode_value
from spyglass.storage import Store, StorageError
from spyglass.storage.spans import insert_spans, stored_span_ids

log = logging.getLogger(__name__)


@dataclass
class IngestStats:
    """Counters a caller may read at any time (single writer: the worker thread)."""

    spans: int = 0
    dead_letters: int = 0
    batches: int = 0
    duplicates_skipped: int = 0
    insert_failures: int = 0
    lag: int = 0
    started: float = field(default_factory=time.monotonic)
    first_record_at: float = 0.0  # monotonic time the first record arrived

    def spans_per_s(self) -> float:
        return self.spans / max(time.monotonic() - self.started, 1e-9)


class _RecentIds:
    """The last ``capacity`` span ids inserted, to drop producer-side duplicates cheaply."""

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


@dataclass
class _Batch:
    """Rows and dead letters of a run of records, and the offsets they cover."""

    rows: list[dict[str, Any]]
    dead: list[Any]
    first: dict[TopicPartition, int]
    next: dict[TopicPartition, int]
    token: str


class IngestWorker:
    """One consumer-group member. ``run()`` blocks until ``stop()``; run several to scale out.

    A one-deep pipeline: while ClickHouse inserts batch N on a helper thread (C++, no GIL),
    the consumer thread fetches and validates batch N+1. Only the consumer thread touches the
    consumer (commit, seek), as kafka-python requires.
    """

    def __init__(self, store: Store, bootstrap: str, topic: str, dlq_topic: str, group: str = "ingest",
                 batch_spans: int = 20_000, batch_ms: int = 250, recent_ids: int = 500_000,
                 consumer_options: dict[str, Any] | None = None) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.topic = topic
        self.dlq_topic = dlq_topic
        self.group = group
        self.batch_spans = batch_spans
        self.batch_s = batch_ms / 1000
        self.stats = IngestStats()
        self.partitions: set[TopicPartition] = set()  # assigned to this member now
        self._consumer_options = consumer_options or {}
        self._stop = threading.Event()
        self._recent = _RecentIds(recent_ids)
        self._suspect = True  # the first batch after start may repeat what a crashed run stored
        self._inserter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-insert")
        self._inflight: tuple[Future[None], _Batch] | None = None
        self._last_reported: tuple[int, int, int] = (0, 0, 0)
        self._reset()

    def stop(self) -> None:
        """Ask ``run()`` to store what it holds and return; thread-safe."""
        self._stop.set()

    def run(self) -> None:
        """Consume until stopped. Blocking; call from a dedicated thread or process."""
        worker = self

        class _Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: Any) -> None:
                worker._drain()  # store and commit what we hold before another member takes over
                worker.partitions = set()

            def on_partitions_assigned(self, assigned: Any) -> None:
                worker._suspect = True
                worker.partitions = set(assigned)

        self._consumer = make_consumer(self.bootstrap, self.group, self.topic, listener=_Listener(),
                                       **self._consumer_options)
        self._producer = make_producer(self.bootstrap, linger_ms=0)
        last_report = time.monotonic()
        try:
            while not self._stop.is_set():
                # few records per poll (each holds hundreds of spans) so batches stay near batch_spans;
                # the rest waits in the client's fetch buffer
                polled = self._consumer.poll(timeout_ms=100, max_records=50)
                for tp, messages in polled.items():
                    self._first.setdefault(tp, messages[0].offset)
                    for message in messages:
                        decode_value(message.value, Source(tp.topic, tp.partition, message.offset), self._pending)
                    self._next[tp] = messages[-1].offset + 1
                    if not self._opened:
                        self._opened = time.monotonic()
                        self.stats.first_record_at = self.stats.first_record_at or self._opened
                if self._inflight and self._inflight[0].done():
                    self._settle()
                if self._next and (len(self._pending.rows) >= self.batch_spans
                                   or time.monotonic() - self._opened >= self.batch_s):
                    self._submit()
                if time.monotonic() - last_report >= 10:
                    last_report = time.monotonic()
                    self._report()
            self._drain()
        finally:
            self._inserter.shutdown(wait=True)
            self._consumer.close()
            self._producer.close(timeout=5)

    def _report(self) -> None:
        lag = 0
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is not None:
                lag += max(high - self._consumer.position(tp), 0)
        if (self.stats.spans, self.stats.dead_letters, lag) == self._last_reported:
            return  # idle: say nothing
        self._last_reported = (self.stats.spans, self.stats.dead_letters, lag)
        self.stats.lag = lag
        log.info("ingest: %d spans (%.0f/s), %d dead letters, lag %d", self.stats.spans,
                 self.stats.spans_per_s(), self.stats.dead_letters, lag)

    def _fresh_rows(self) -> list[dict[str, Any]]:
        """The pending rows minus duplicates inside the batch, recently inserted, or (if suspect) stored."""
        seen: set[str] = set()
        rows = []
        for row in self._pending.rows:
            span_id = row["span_id"]
            if span_id in seen or span_id in self._recent:
                continue
            seen.add(span_id)
            rows.append(row)
        if self._suspect and rows:
            stored = stored_span_ids(self.store, rows)
            rows = [row for row in rows if row["span_id"] not in stored]
        self.stats.duplicates_skipped += len(self._pending.rows) - len(rows)
        return rows

    def _submit(self) -> None:
        """Hand the pending batch to the inserter, after the previous one is settled."""
        if self._inflight:
            self._settle()
            if not self._next:  # the previous batch failed and rewound this one too
                return
        try:
            rows = self._fresh_rows()
        except StorageError as exc:
            self._failed(exc, [])
            return
        ranges = ",".join(f"{tp.topic}:{tp.partition}:{self._first[tp]}-{self._next[tp]}"
                          for tp in sorted(self._next))
        batch = _Batch(rows, self._pending.dead, dict(self._first), dict(self._next),
                       hashlib.sha1(f"{self.group}|{ranges}".encode()).hexdigest())
        self._recent.add_all([row["span_id"] for row in rows])
        self._inflight = (self._inserter.submit(self._store_batch, batch), batch)
        self._suspect = False
        self._reset()

    def _store_batch(self, batch: _Batch) -> None:
        """Runs on the inserter thread: dead letters to the DLQ, rows to ClickHouse."""
        for letter in batch.dead:
            self._producer.send(self.dlq_topic, value=letter.payload, headers=letter.headers())
        if batch.dead:
            self._producer.flush(timeout=30)
        insert_spans(self.store, batch.rows, batch.token)

    def _settle(self) -> None:
        """Wait for the in-flight batch; commit its offsets, or rewind on failure."""
        assert self._inflight is not None
        future, batch = self._inflight
        self._inflight = None
        try:
            future.result()
        except (StorageError, KafkaError) as exc:
            self._failed(exc, [batch])
            return
        try:
            self._consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in batch.next.items()})
        except CommitFailedError as exc:  # the group rebalanced; the new owner's guard filters the repeat
            log.warning("ingest: commit failed after rebalance: %s", exc)
        self.stats.spans += len(batch.rows)
        self.stats.dead_letters += len(batch.dead)
        self.stats.batches += 1
        self.stats.insert_failures = 0

    def _failed(self, exc: Exception, batches: list[_Batch]) -> None:
        """Rewind every partition to the earliest offset not yet stored, and back off."""
        self.stats.insert_failures += 1
        log.warning("ingest: batch not stored, will fetch it again: %.300s", exc)
        earliest = dict(self._first)
        for batch in batches:
            for tp, offset in batch.first.items():
                earliest[tp] = min(offset, earliest.get(tp, offset))
        assigned = self._consumer.assignment()
        for tp, offset in earliest.items():
            if tp in assigned:
                self._consumer.seek(tp, offset)
        self._recent.clear()  # it may name spans that never reached ClickHouse
        self._suspect = True
        self._reset()
        self._stop.wait(min(0.1 * 2 ** min(self.stats.insert_failures, 6), 5.0))

    def _drain(self) -> None:
        """Store everything held and settle it (on stop and before partitions are revoked)."""
        if self._next:
            self._submit()
        if self._inflight:
            self._settle()

    def _reset(self) -> None:
        self._pending = Decoded()
        self._first: dict[TopicPartition, int] = {}  # first offset of each partition in the batch
        self._next: dict[TopicPartition, int] = {}  # offset to commit once the batch is stored
        self._opened = 0.0
