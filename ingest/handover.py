"""Partitions moving between consumer-group members without a record stored twice.

In a rebalance every member gives its partitions up (kafka-python calls the listener on its
network thread, before the member rejoins), then receives new ones once every member has
rejoined. ``Handover`` makes the giving up complete: the store in flight finishes first (or is
abandoned by a sink that can: ``abandon(batch)``), and no store starts until the consumer loop
has handled the assignment that follows. The next owner, who starts after this member rejoined,
then finds those rows in ClickHouse and filters them (``OffsetBook.assigned``, ``may_repeat``).
Without it the old owner's insert could land after the new owner had looked, and both stored it.

A member killed after an insert and before its commit leaves no time to settle anything; for it
the commits carry a bound (``OffsetBook``): ``commit_bound`` before a store, ``read_bounds`` on
assignment.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Collection, TypeVar

from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from spyglass.ingest.batch import OffsetRange
from spyglass.ingest.offsets import OffsetBook

log = logging.getLogger(__name__)

T = TypeVar("T")


class Handover:
    """This member's partitions and the store in flight, shared by the consumer loop and kafka-python's
    network thread; thread-safe. ``wait_s``: how long a revoke waits for the store in flight (past the
    rebalance timeout the group has gone on without this member anyway)."""

    def __init__(self, label: str, wait_s: float, abandon: Callable[[Any], None] | None = None) -> None:
        self.label = label
        self.wait_s = wait_s
        self.partitions: set[TopicPartition] = set()  # assigned to this member now
        self.rebalanced = False  # partitions moved since the loop last looked (``take_assignment``)
        self._abandon = abandon
        self._lock = threading.Lock()
        self._revoking = False  # given up, and the next assignment not handled by the loop yet
        self._assigned = False  # an assignment came after the last revoke
        self._inflight: tuple[Future, Any] | None = None

    @property
    def revoking(self) -> bool:
        """Whether partitions were given up and the loop has not handled the new assignment yet."""
        return self._revoking

    def listener(self) -> ConsumerRebalanceListener:
        """The rebalance listener to subscribe with."""
        handover = self

        class _Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: Any) -> None:
                handover.give_up()

            def on_partitions_assigned(self, assigned: Any) -> None:
                handover.assign(assigned)

        return _Listener()

    def start_store(self, submit: Callable[[], Future[T]], batch: Any) -> Future[T] | None:
        """Start a store (``submit()``) unless partitions are being given up: then None, nothing started."""
        with self._lock:  # checked and started at once: a revoke either waits for this store or stops it
            if self._revoking:
                return None
            future = submit()
            self._inflight = (future, batch)
            return future

    def stored(self) -> None:
        """The loop settled the store in flight."""
        with self._lock:
            self._inflight = None

    def owned(self, offsets: dict[Any, int]) -> dict[Any, int]:
        """The offsets of partitions still this member's (a commit for others' partitions could move theirs)."""
        with self._lock:
            return {tp: o for tp, o in offsets.items() if tp in self.partitions and not self._revoking}

    def give_up(self) -> None:
        """Partitions are being revoked (network thread): wait for the store in flight, start none."""
        with self._lock:
            self._revoking, self._assigned, self.rebalanced = True, False, True
            self.partitions = set()
            inflight = self._inflight
        if inflight is None:
            return
        if self._abandon is not None:
            self._abandon(inflight[1])
        started = time.monotonic()
        try:
            inflight[0].exception(timeout=self.wait_s)
        except FutureTimeout:
            log.warning("%s: a store still runs after %.0fs; its partitions' next owner may store it again",
                        self.label, self.wait_s)
        if time.monotonic() - started > 1:
            log.info("%s: waited %.1fs for the store in flight before giving partitions up", self.label,
                     time.monotonic() - started)

    def assign(self, assigned: Collection[TopicPartition]) -> None:
        """New partitions (network thread)."""
        with self._lock:
            self._assigned, self.rebalanced = True, True
            self.partitions = set(assigned)

    def take_assignment(self) -> set[TopicPartition] | None:
        """For the loop, once it dropped what it held: the partitions newly assigned (stores may start
        again), or None while the assignment after a revoke has not come."""
        with self._lock:
            self.rebalanced = False
            if not self._assigned:
                return None
            self._assigned = self._revoking = False
            return set(self.partitions)


def commit_bound(consumer: KafkaConsumer, book: OffsetBook, batch: OffsetRange, owned: set[TopicPartition]) -> None:
    """Before storing ``batch``: commit a higher bound for each partition it would pass. Raises KafkaError."""
    ends = {tp: consumer.highwater(tp) for tp in batch.next if tp in owned}  # known from fetches: no request
    intents = book.intents(batch, ends)
    if intents:
        consumer.commit({TopicPartition(*tp): OffsetAndMetadata(offset, book.metadata(tp, bound), -1)
                         for tp, (offset, bound) in intents.items()})
        book.bound_committed({tp: bound for tp, (_, bound) in intents.items()})


def read_bounds(consumer: KafkaConsumer, book: OffsetBook, partitions: set[TopicPartition], label: str) -> None:
    """Newly assigned ``partitions``: tell ``book`` their last commits and ends (``OffsetBook.assigned``).

    A broker that keeps no commit metadata (Tansu) gives no bound: batches below the end may repeat.
    """
    try:
        ends = consumer.end_offsets(list(partitions))
        commits = {tp: consumer.committed(tp, metadata=True) for tp in partitions}
    except KafkaError as exc:  # not knowing where the previous owner stopped, assume the worst
        log.warning("%s: cannot read the commits of %s; filtering every batch of them: %s", label,
                    sorted(partitions), exc)
        ends, commits = {}, {tp: OffsetAndMetadata(0, "", -1) for tp in partitions}
    for tp in partitions:
        commit = commits.get(tp)
        book.assigned(tp, commit.offset if commit else None, commit.metadata if commit else None,
                      ends.get(tp, 1 << 62))
