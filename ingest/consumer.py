"""The consumer loop every span consumer group runs (ingest, evaluators): at-least-once, batched.

poll -> batch (closed by size or age) -> decode (in worker processes, or inline) -> sink stores
it (on a helper thread) -> commit. Offsets are committed only after the sink stored the batch,
in order. A failed store rewinds every partition to the first offset not yet stored and backs
off. While batch N is stored, batch N+1 is decoded and batch N+2 fetched. Only the consumer
thread touches the consumer, as kafka-python requires.

What "store" means is the sink's business (``ingest.batch.SpanSink``): ingest writes spans to
ClickHouse, evaluators score them and write evaluations. Which offsets to commit and where to
rewind is decided by ``ingest.offsets.OffsetBook`` (plain data, unit-tested without a broker);
this module carries its answers out against Kafka.

Offsets name records only within one incarnation of a topic: a broker that lost its topics (the
embedded one is memory-only) numbers new records from 0 again. So sinks name what they insert
by its content, never by offsets (``Batch.ranges`` is for logs). On a memory-only broker the
loop can drain on stop (``drain_timeout_s``): it consumes and stores everything the topic holds
before returning, since nothing will be there after the broker stops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic

from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from spyglass.broker import make_consumer
from spyglass.core.time import backoff_s
from spyglass.ingest.batch import Batch, Prepared, SpanSink, StoreInterrupted
from spyglass.broker.carry import CARRIED_FROM
from spyglass.broker.incarnation import incarnation
from spyglass.ingest.decode import Decoded, Source, decode_values
from spyglass.ingest.decode_pool import DecodePool
from spyglass.ingest.handover import Handover, commit_bound, read_bounds
from spyglass.ingest.offsets import OffsetBook
from spyglass.storage.errors import SpyglassError
from spyglass.telemetry.consumer import ConsumerTelemetry

log = logging.getLogger(__name__)


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
    carried_skipped: int = 0  # records carried into a recreated topic that this member had stored

    def per_s(self) -> float:
        return self.stored / max(time.monotonic() - self.started, 1e-9)


class SpanConsumer(Generic[Prepared]):
    """One consumer-group member feeding a ``SpanSink``. ``run()`` blocks until ``stop()``.

    ``decode_processes`` > 0 decodes batches in that many worker processes (ingest: parsing and
    validating is Python work that would otherwise share one core with polling); 0 decodes on
    the consumer thread (evaluators: their models are the slow part).

    ``drain_timeout_s`` > 0: on stop, first consume up to the end of every partition as it was
    when stop was asked (for at most that long), for a broker that forgets its records on stop.

    ``store_on_stop`` False (evaluators): on stop, the sink's ``interrupt()`` cuts the batch in
    flight short and nothing held is stored or committed; a Kafka cluster delivers it again, and
    what a memory-only broker held is in ClickHouse for ``spyglass backfill``.
    """

    def __init__(self, sink: SpanSink[Prepared], bootstrap: str, topic: str, group: str, batch_spans: int,
                 batch_ms: int, consumer_options: dict[str, Any] | None = None, label: str = "consumer",
                 decode_processes: int = 0, drain_timeout_s: float = 0.0, store_on_stop: bool = True) -> None:
        self.sink = sink
        self.bootstrap = bootstrap
        self.topic = topic
        self.group = group
        self.batch_spans = batch_spans
        self.batch_s = batch_ms / 1000
        self.label = label
        self.drain_timeout_s = drain_timeout_s
        self.store_on_stop = store_on_stop
        self.stats = ConsumerStats()
        self.telemetry = ConsumerTelemetry(group, label)
        self._consumer_options = consumer_options or {}
        self._decode = getattr(sink, "decode", decode_values)
        self._decoders = DecodePool(decode_processes, setup=getattr(sink, "decode_setup", None))
        self._stop = threading.Event()
        self._book = OffsetBook()  # what to commit and where to rewind
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{label}-store")
        self._decoding: deque[tuple[Future[Decoded], Batch[Prepared]]] = deque()  # closed batches, oldest first
        self._inflight: tuple[Future[int], Batch[Prepared]] | None = None  # the batch being stored
        self._paused = False  # fetching paused while the pipeline is full
        # partitions given up in a rebalance are settled first (see ingest.handover)
        self._handover = Handover(label, self._consumer_options.get("max_poll_interval_ms", 30_000) / 1000,
                                  getattr(sink, "abandon", None))
        self._last_reported: tuple[int, int, int] = (0, 0, 0)
        self._drain_deadline = 0.0  # set when a draining stop begins
        self._drain_ends: dict[TopicPartition, int] = {}
        self._incarnation = incarnation(bootstrap, topic)
        # partition -> offset below which this member stored every record (this incarnation of the
        # topic); after a recreation, the bound for skipping carried records (``_carried_before``)
        self._stored_below: dict[int, int] = {}
        self._skip_below: dict[int, int] = {}
        self._reset()

    @property
    def partitions(self) -> set[TopicPartition]:
        """The partitions assigned to this member now."""
        return self._handover.partitions

    @property
    def revoking(self) -> bool:
        """Whether partitions were given up and the new assignment is not handled yet (no store starts)."""
        return self._handover.revoking

    def stop(self) -> None:
        """Ask ``run()`` to store what it holds (or, without ``store_on_stop``, to drop it) and return; thread-safe."""
        self._stop.set()
        interrupt = getattr(self.sink, "interrupt", None)
        if not self.store_on_stop and interrupt is not None:
            interrupt()

    def run(self) -> None:
        """Consume until stopped. Blocking; call from a dedicated thread or process."""
        self._decoders.start()
        self._consumer = make_consumer(self.bootstrap, self.group, self.topic, listener=self._handover.listener(),
                                       **self._consumer_options)
        last_report = time.monotonic()
        try:
            while not (self._stop.is_set() and self._caught_up()):
                # few records per poll (each holds hundreds of spans) so batches stay near batch_spans;
                # the rest waits in the client's fetch buffer. Poll briefly while batches are in flight.
                if incarnation(self.bootstrap, self.topic) != self._incarnation:
                    self._start_over()
                busy = self._decoding or self._inflight
                polled = self._consumer.poll(timeout_ms=10 if busy else 100, max_records=16)
                if self._handover.rebalanced:
                    self._after_rebalance()
                for tp, messages in polled.items():
                    if tp not in self.partitions:  # revoked meanwhile: its next owner reads it
                        continue
                    skip = self._skip_below.get(tp.partition, 0)
                    for message in messages:
                        if skip and _carried_before(message.headers, skip):
                            self.stats.carried_skipped += 1  # stored before the recreation: not parsed again
                            continue
                        value = message.value
                        self._items.append((value, Source(tp.topic, tp.partition, message.offset)))
                        self._spans += value.count(b'"span_id"') if value else 1  # an estimate is enough
                        if message.timestamp and message.timestamp > 0:
                            self._oldest_ms = min(self._oldest_ms or message.timestamp, message.timestamp)
                            self._newest_ms = max(self._newest_ms, message.timestamp)
                    self._book.fetched(tp, messages[0].offset, messages[-1].offset)
                    if not self._opened:
                        self._opened = time.monotonic()
                        self.stats.first_record_at = self.stats.first_record_at or self._opened
                self._advance()
                self.telemetry.observe(self)
                # a sink may ask for bigger batches for a while (evaluators catching up: fewer inserts)
                limit = getattr(self.sink, "batch_spans", None) or self.batch_spans
                if self._book.pending and (self._spans >= limit or time.monotonic() - self._opened >= self.batch_s):
                    self._close_or_pause()
                if time.monotonic() - last_report >= 10:
                    last_report = time.monotonic()
                    self._report()
            if self.store_on_stop:
                self._drain()
            elif self._inflight:  # cut short by interrupt(): commits only if it finished anyway
                self._settle()
        finally:
            self._helper.shutdown(wait=True)
            self._decoders.stop()
            self._consumer.close()

    def _caught_up(self) -> bool:
        """On stop: whether every record the topic held when stop was asked has been fetched.

        True at once without ``drain_timeout_s``; False until then, or until the deadline.
        """
        if self.drain_timeout_s <= 0:
            return True
        try:
            if not self._drain_deadline:
                self._drain_deadline = time.monotonic() + self.drain_timeout_s
                partitions = self._consumer.partitions_for_topic(self.topic) or set()
                self._drain_ends = self._consumer.end_offsets([TopicPartition(self.topic, p) for p in partitions])
            assigned = self._consumer.assignment()
            behind = sum(max(end - self._consumer.position(tp), 0) if tp in assigned else end
                         for tp, end in self._drain_ends.items())
        except KafkaError as exc:
            log.warning("%s: cannot tell what is left to drain, stopping: %s", self.label, exc)
            return True
        if behind and time.monotonic() > self._drain_deadline:
            log.warning("%s: stopping with about %d records not drained after %.0fs", self.label, behind,
                        self.drain_timeout_s)
            return True
        return not behind

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

    # Batches move: pending records -> _close() -> decoding (in order) -> _store() -> in flight
    # -> _settle() commits. At most one batch is stored at a time, so commits go in offset order.
    # At most ``DecodePool.size`` batches wait in decoding; beyond that, fetching pauses.

    def _close_or_pause(self) -> None:
        """Close the pending records into a batch; if the pipeline is full, stop fetching until it is not.

        Pausing (rather than waiting) keeps calling poll(), so the group never thinks we hung.
        """
        if len(self._decoding) >= self._decoders.size:
            if not self._paused:
                self._consumer.pause(*self._consumer.assignment())
                self._paused = True
            return
        if self._paused:
            self._consumer.resume(*self._consumer.paused())
            self._paused = False
        self._close()

    def _close(self) -> None:
        """Close the pending records into a batch and start decoding it."""
        batch: Batch[Prepared] = Batch(Decoded(), self._book.close(), oldest_ms=self._oldest_ms,
                                       newest_ms=self._newest_ms)
        items: Any = self._items
        if self._decoders.processes and hasattr(self.sink, "spool_records"):
            items = self.sink.spool_records(items)  # the worker reads them from a file, not a pipe
        self._decoding.append((self._decoders.submit(self._decode, items), batch))
        self._reset()

    def _advance(self) -> None:
        """Without blocking: settle a finished store, start storing the oldest decoded batch."""
        while True:
            if self._inflight and self._inflight[0].done():
                self._settle()
            elif not self._inflight and self._decoding and self._decoding[0][0].done() and not self.revoking:
                self._store()
            else:
                return

    def _step(self) -> None:
        """Block until the pipeline moves one stage: the store in flight settles, or the oldest decode starts storing."""
        if self._inflight:
            self._settle()
        elif self._decoding:
            self._store()

    def _store(self) -> None:
        """Hand the oldest decoded batch to the sink (waits for its decode)."""
        future, batch = self._decoding.popleft()
        try:
            batch.decoded = future.result()
            self.telemetry.decoded(batch.decoded)
            batch.prepared = self.sink.prepare(batch)
        except SpyglassError as exc:
            self._failed(exc, batch)
            return
        except BrokenProcessPool as exc:  # a decode process died (killed, out of memory)
            self._decoders.restart()
            self._failed(exc, batch)
            return
        try:  # first the bound past which nothing is stored without a commit saying so (ingest.offsets)
            commit_bound(self._consumer, self._book, batch.offsets, self.partitions)
        except KafkaError as exc:
            self._failed(exc, batch)
            return
        future = self._handover.start_store(partial(self._helper.submit, self.telemetry.timed(self.sink.store), batch),
                                            batch)
        if future is not None:
            self._inflight = (future, batch)
            return
        # partitions are being given up: not stored; the rewind after the rebalance fetches it again
        discard = getattr(self.sink, "discard", None)
        if discard is not None:
            discard(batch.decoded)

    def _settle(self) -> None:
        """Wait for the in-flight batch; commit its offsets, or rewind on failure."""
        assert self._inflight is not None
        future, batch = self._inflight
        self._inflight = None
        self._handover.stored()
        try:
            stored = future.result()
        except StoreInterrupted:
            log.info("%s: stopped while storing %s; not committed", self.label, batch.ranges)
            return
        except (SpyglassError, KafkaError) as exc:
            self._failed(exc, batch)
            return
        stored_offsets = self._book.stored(batch.offsets)
        if incarnation(self.bootstrap, self.topic) == self._incarnation:  # offsets of the topic we think we read
            for tp, offset in stored_offsets.items():
                self._stored_below[tp.partition] = max(offset, self._stored_below.get(tp.partition, 0))
        commit = self._handover.owned(stored_offsets)  # never for partitions given up
        try:
            if commit:
                self._consumer.commit({tp: OffsetAndMetadata(offset, self._book.metadata(tp), -1)
                                       for tp, offset in commit.items()})
        except CommitFailedError as exc:  # the group rebalanced; the new owner filters the repeat
            log.warning("%s: commit failed after rebalance: %s", self.label, exc)
        except KafkaError as exc:  # a slow broker: the next batch's commit covers these offsets too
            log.warning("%s: commit failed, will be covered by the next one: %s", self.label, exc)
        self.telemetry.stored(batch, stored)
        self.stats.stored += stored
        self.stats.dead_letters += len(batch.decoded.dead)
        self.stats.batches += 1
        self.stats.failures = 0

    def _failed(self, exc: BaseException, batch: Batch[Prepared]) -> None:
        """A batch was not stored: fetch it and everything after it again, after a back-off."""
        self.stats.failures += 1
        self.telemetry.failed()
        log.warning("%s: batch not stored, will fetch it again: %.300s", self.label, exc)
        self._rewind([batch])
        self._stop.wait(backoff_s(self.stats.failures, 0.1, 5.0))

    def _after_rebalance(self) -> None:
        """Partitions moved. Settle the store in flight; fetch everything else again from whoever owns it.

        Partitions we kept are rewound to what is stored; the others' new owner starts from the
        last commit and filters what we stored after it (``may_repeat``). For the partitions newly
        assigned, batches below the bound of their last commit may repeat what their previous owner
        stored (``ingest.handover.read_bounds``); stores may start again.
        """
        if self._inflight:
            self._settle()
        self._rewind([])
        paused = self._consumer.paused()
        if paused:  # the pipeline is empty now; a partition left paused would never be fetched again
            self._consumer.resume(*paused)
        self._paused = False
        partitions = self._handover.take_assignment()
        if partitions:
            read_bounds(self._consumer, self._book, partitions, self.label)

    def _start_over(self) -> None:
        """The embedded broker's retention recreated the topic (``broker/rotation.py``): read it from 0.

        What we held uncommitted was carried into the new topic: dropped here, fetched again (a
        batch being stored may be stored twice, never lost). Committing 0 voids old commits.
        Carried records below what we had stored (those another group still needed) are skipped
        unparsed: their header names their old offset (``broker/carry.py``).
        """
        self._incarnation = incarnation(self.bootstrap, self.topic)
        self._skip_below, self._stored_below = self._stored_below, {}
        if self._inflight:
            self._inflight[0].exception()  # wait for it; failed or not, it comes again
            self._inflight = None
            self._handover.stored()
        self._rewind([])
        if self._paused:  # the pipeline was full; it is empty now
            self._consumer.resume(*self._consumer.paused())
            self._paused = False
        assigned = self._consumer.assignment()
        if assigned:
            self._consumer.seek_to_beginning(*assigned)
            try:
                self._consumer.commit({tp: OffsetAndMetadata(0, "", -1) for tp in assigned})
            except KafkaError as exc:
                log.warning("%s: could not commit the start of the recreated topic: %s", self.label, exc)
        log.info("%s: %s was recreated by the broker's retention; reading it from 0", self.label, self.topic)

    def _rewind(self, failed: list[Batch[Prepared]]) -> None:
        """Seek every assigned partition back to the earliest offset held but not stored; drop all held."""
        for tp, offset in self._book.rewind(self._consumer.assignment()).items():
            self._consumer.seek(tp, offset)
        self.sink.forget()
        discard = getattr(self.sink, "discard", None)
        if discard is not None:
            for batch in failed:
                discard(batch.decoded)
            for future, _ in self._decoding:  # still decoding, perhaps: discard when done
                future.add_done_callback(partial(_discard_result, discard))
        self._decoding.clear()
        self._reset()

    def _drain(self) -> None:
        """Store everything held and settle it (on stop and before partitions are revoked)."""
        if self._book.pending:
            self._close()
        while self._decoding or self._inflight:
            self._step()

    def _reset(self) -> None:
        """Forget the pending records (they were closed into a batch, or will be fetched again)."""
        self._items: list[tuple[bytes | None, Source]] = []
        self._spans = 0  # spans in _items, estimated
        self._opened = 0.0
        self._oldest_ms = self._newest_ms = 0


def _carried_before(headers: Any, bound: int) -> bool:
    """Whether a record was carried over from below ``bound`` in the topic's previous incarnation."""
    for key, value in headers or ():
        if key == CARRIED_FROM:
            return int(value) < bound
    return False


def _discard_result(discard: Any, future: Future) -> None:
    if not future.cancelled() and future.exception() is None:
        discard(future.result())
