"""The consumer loop every span consumer group runs (ingest, evaluators): at-least-once, batched.

poll -> decode -> batch (closed by size or age) -> sink stores it (on a helper thread) -> commit.
Offsets are committed only after the sink stored the batch. A failed store rewinds every
partition to the first offset not yet stored and backs off. While batch N is stored, batch N+1
is fetched and decoded. Only the consumer thread touches the consumer, as kafka-python requires.

What "store" means is the sink's business (``SpanSink``): ingest writes spans to ClickHouse,
evaluators score them and write evaluations.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from spyglass.broker import make_consumer
from spyglass.ingest.decode import Decoded, Source, decode_value
from spyglass.storage.errors import SpyglassError

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """Decoded records and the offsets they cover; ``token`` names the offset ranges."""

    decoded: Decoded
    first: dict[TopicPartition, int]
    next: dict[TopicPartition, int]
    token: str
    may_repeat: bool  # the batch may hold spans a previous run already stored
    prepared: Any = None  # what the sink's prepare() returned


class SpanSink(Protocol):
    """Where batches go. ``prepare`` runs on the consumer thread, ``store`` on the helper thread."""

    def prepare(self, batch: Batch) -> Any:
        """Cheap per-batch work (filtering); its result is ``batch.prepared``. May raise SpyglassError."""

    def store(self, batch: Batch) -> int:
        """Persist the batch; return how many items were stored. Raise to have it fetched again."""

    def forget(self) -> None:
        """A store failed: drop any memory of what was sent but maybe not stored."""


@dataclass
class ConsumerStats:
    """Counters the loop keeps; read them from any thread."""

    stored: int = 0
    dead_letters: int = 0
    batches: int = 0
    failures: int = 0  # consecutive failed stores
    lag: int = 0
    started: float = field(default_factory=time.monotonic)
    first_record_at: float = 0.0  # monotonic time the first record arrived

    def per_s(self) -> float:
        return self.stored / max(time.monotonic() - self.started, 1e-9)


class SpanConsumer:
    """One consumer-group member feeding a ``SpanSink``. ``run()`` blocks until ``stop()``."""

    def __init__(self, sink: SpanSink, bootstrap: str, topic: str, group: str, batch_spans: int,
                 batch_ms: int, consumer_options: dict[str, Any] | None = None, label: str = "consumer") -> None:
        self.sink = sink
        self.bootstrap = bootstrap
        self.topic = topic
        self.group = group
        self.batch_spans = batch_spans
        self.batch_s = batch_ms / 1000
        self.label = label
        self.stats = ConsumerStats()
        self.partitions: set[TopicPartition] = set()  # assigned to this member now
        self._consumer_options = consumer_options or {}
        self._stop = threading.Event()
        self._may_repeat = True  # the first batch after start may repeat what a crashed run stored
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{label}-store")
        self._inflight: tuple[Future[int], Batch] | None = None
        self._last_reported: tuple[int, int, int] = (0, 0, 0)
        self._reset()

    def stop(self) -> None:
        """Ask ``run()`` to store what it holds and return; thread-safe."""
        self._stop.set()

    def run(self) -> None:
        """Consume until stopped. Blocking; call from a dedicated thread or process."""
        loop = self

        class _Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: Any) -> None:
                loop._drain()  # store and commit what we hold before another member takes over
                loop.partitions = set()

            def on_partitions_assigned(self, assigned: Any) -> None:
                loop._may_repeat = True
                loop.partitions = set(assigned)

        self._consumer = make_consumer(self.bootstrap, self.group, self.topic, listener=_Listener(),
                                       **self._consumer_options)
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
            self._helper.shutdown(wait=True)
            self._consumer.close()

    def _report(self) -> None:
        lag = 0
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is not None:
                lag += max(high - self._consumer.position(tp), 0)
        self.stats.lag = lag
        if (self.stats.stored, self.stats.dead_letters, lag) == self._last_reported:
            return  # idle: say nothing
        self._last_reported = (self.stats.stored, self.stats.dead_letters, lag)
        log.info("%s: %d stored (%.0f/s), %d dead letters, lag %d records", self.label, self.stats.stored,
                 self.stats.per_s(), self.stats.dead_letters, lag)

    def _submit(self) -> None:
        """Hand the pending batch to the sink, after the previous one is settled."""
        if self._inflight:
            self._settle()
            if not self._next:  # the previous batch failed and rewound this one too
                return
        ranges = ",".join(f"{tp.topic}:{tp.partition}:{self._first[tp]}-{self._next[tp]}"
                          for tp in sorted(self._next))
        batch = Batch(self._pending, dict(self._first), dict(self._next), f"{self.group}|{ranges}",
                      self._may_repeat)
        try:
            batch.prepared = self.sink.prepare(batch)
        except SpyglassError as exc:
            self._failed(exc, [])
            return
        self._inflight = (self._helper.submit(self.sink.store, batch), batch)
        self._may_repeat = False
        self._reset()

    def _settle(self) -> None:
        """Wait for the in-flight batch; commit its offsets, or rewind on failure."""
        assert self._inflight is not None
        future, batch = self._inflight
        self._inflight = None
        try:
            stored = future.result()
        except (SpyglassError, KafkaError) as exc:
            self._failed(exc, [batch])
            return
        try:
            self._consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in batch.next.items()})
        except CommitFailedError as exc:  # the group rebalanced; the new owner filters the repeat
            log.warning("%s: commit failed after rebalance: %s", self.label, exc)
        except KafkaError as exc:  # a slow broker: the next batch's commit covers these offsets too
            log.warning("%s: commit failed, will be covered by the next one: %s", self.label, exc)
        self.stats.stored += stored
        self.stats.dead_letters += len(batch.decoded.dead)
        self.stats.batches += 1
        self.stats.failures = 0

    def _failed(self, exc: Exception, batches: list[Batch]) -> None:
        """Rewind every partition to the earliest offset not yet stored, and back off."""
        self.stats.failures += 1
        log.warning("%s: batch not stored, will fetch it again: %.300s", self.label, exc)
        earliest = dict(self._first)
        for batch in batches:
            for tp, offset in batch.first.items():
                earliest[tp] = min(offset, earliest.get(tp, offset))
        assigned = self._consumer.assignment()
        for tp, offset in earliest.items():
            if tp in assigned:
                self._consumer.seek(tp, offset)
        self.sink.forget()
        self._may_repeat = True
        self._reset()
        self._stop.wait(min(0.1 * 2 ** min(self.stats.failures, 6), 5.0))

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
