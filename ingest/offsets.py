"""The consumer loop's offset bookkeeping as plain data: what to commit, where to rewind, what to drop.

No Kafka calls: the loop in ``ingest.consumer`` tells an ``OffsetBook`` what it fetched, closed
and stored, and carries out its answers (commit these offsets, seek there). Records move:
fetched (pending) -> ``close()`` into a batch (held, oldest first) -> ``stored()`` gives the
offsets to commit; ``rewind()`` after a failed store or a rebalance gives where to seek and drops
everything held, so a commit never passes a record that is not stored (nothing lost) and the
batches after a rewind are marked ``may_repeat`` for the sink to filter (nothing twice).
"""

from __future__ import annotations

from collections import deque
from typing import Collection

from spyglass.ingest.batch import OffsetRange, Partition


class OffsetBook:
    """Offsets fetched, held in batches and stored, for one consumer; not thread-safe (the consumer thread's)."""

    def __init__(self) -> None:
        self._first: dict[Partition, int] = {}  # pending records: first offset of each partition
        self._next: dict[Partition, int] = {}  # and the offset after the last
        self._held: deque[OffsetRange] = deque()  # closed batches not yet stored, oldest first
        self._may_repeat = True  # the first batch after start may repeat what a crashed run stored

    def fetched(self, tp: Partition, first: int, last: int) -> None:
        """Records ``first``..``last`` (inclusive) of ``tp`` arrived, in offset order."""
        self._first.setdefault(tp, first)
        self._next[tp] = last + 1

    @property
    def pending(self) -> bool:
        """Whether records arrived that are not yet closed into a batch."""
        return bool(self._next)

    @property
    def held(self) -> int:
        """How many closed batches wait to be stored."""
        return len(self._held)

    def close(self) -> OffsetRange:
        """Close the pending records into a batch (the newest held)."""
        batch = OffsetRange(self._first, self._next, self._may_repeat)
        self._held.append(batch)
        self._may_repeat = False
        self._first, self._next = {}, {}
        return batch

    def stored(self, batch: OffsetRange) -> dict[Partition, int]:
        """The sink stored ``batch`` (the oldest held): the offsets to commit, per partition."""
        if not self._held or self._held[0] is not batch:
            raise ValueError(f"batches are stored oldest first; {batch.ranges} is not the oldest held")
        self._held.popleft()
        return dict(batch.next)

    def rewind(self, assigned: Collection[Partition]) -> dict[Partition, int]:
        """A store failed or partitions moved: drop every held and pending record; where to seek.

        Each partition still ``assigned`` goes back to its earliest offset not stored; a revoked
        one is left to its new owner, who starts from the last commit. What comes next may repeat.
        """
        earliest = dict(self._first)
        for batch in self._held:
            for tp, offset in batch.first.items():
                earliest[tp] = min(offset, earliest.get(tp, offset))
        self._held.clear()
        self._first, self._next = {}, {}
        self._may_repeat = True
        return {tp: offset for tp, offset in earliest.items() if tp in assigned}
