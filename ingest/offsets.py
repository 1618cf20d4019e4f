"""The consumer loop's offset bookkeeping as plain data: what to commit, where to rewind, what to drop.

No Kafka calls: the loop in ``ingest.consumer`` tells an ``OffsetBook`` what it fetched, closed
and stored, and carries out its answers (commit these offsets, seek there). Records move:
fetched (pending) -> ``close()`` into a batch (held, oldest first) -> ``stored()`` gives the
offsets to commit; ``rewind()`` after a failed store or a rebalance gives where to seek and drops
everything held, so a commit never passes a record that is not stored (nothing lost), and every
batch holding a record that may have been stored already is marked ``may_repeat`` for the sink to
filter (nothing twice): records of a batch whose store failed (it may have written them), and
records a previous owner of a partition may have stored and not committed (it died, or lost the
partition, first). To know how far that reaches, an owner never stores a record at or past the
bound its last commit names in its metadata (``intents``: it commits a higher bound first); the
next owner reads that bound with the commit (``assigned``).
"""

from __future__ import annotations

import re
from collections import deque
from typing import Collection

from spyglass.ingest.batch import OffsetRange, Partition

# how far past what it holds (or the partition's end) an owner's bound reaches: a new bound costs
# a commit, a far one costs the next owner filtering that many records after a takeover
BOUND_MARGIN = 256
_BOUND = re.compile(r"^spyglass:stores-below=(\d+)$")


class OffsetBook:
    """Offsets fetched, held in batches and stored, for one consumer; not thread-safe (the consumer thread's)."""

    def __init__(self) -> None:
        self._first: dict[Partition, int] = {}  # pending records: first offset of each partition
        self._next: dict[Partition, int] = {}  # and the offset after the last
        self._held: deque[OffsetRange] = deque()  # closed batches not yet stored, oldest first
        self._may_repeat = True  # the first batch after start may repeat what a crashed run stored
        self._repeat_below: dict[Partition, int] = {}  # records below these offsets may be stored already
        self._bound: dict[Partition, int] = {}  # the bound our last commit of each partition names

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

    def may_repeat_below(self, ends: dict[Partition, int]) -> None:
        """Records of these partitions below these offsets may have been stored by someone who did not
        commit them: batches holding any are marked ``may_repeat``. Call it with a partition's end
        offset when it is assigned: a previous owner fetched nothing past it."""
        for tp, offset in ends.items():
            self._repeat_below[tp] = max(offset, self._repeat_below.get(tp, offset))

    def assigned(self, tp: Partition, committed: int | None, metadata: str | None, end: int) -> None:
        """``tp`` was assigned: its last commit (None: none) and that commit's metadata, and its end offset.

        A partition never committed was never stored from (an owner commits a bound before it
        stores); a commit without a bound (another tool, an older version) may hide anything up to the end.
        """
        match = _BOUND.match(metadata or "")
        bound = 0 if committed is None else int(match.group(1)) if match else end
        self.may_repeat_below({tp: bound})
        self._bound[tp] = bound

    def intents(self, batch: OffsetRange, ends: dict[Partition, int | None]) -> dict[Partition, tuple[int, int]]:
        """Before storing ``batch`` (the oldest held): per partition whose bound it would pass, the
        (offset, bound) to commit first. The offset is the batch's first: everything before it is stored."""
        return {tp: (batch.first[tp], max(nxt, ends.get(tp) or 0) + BOUND_MARGIN)
                for tp, nxt in batch.next.items() if nxt > self._bound.get(tp, 0)}

    def bound_committed(self, bounds: dict[Partition, int]) -> None:
        """The commit of these bounds (from ``intents``) succeeded."""
        for tp, bound in bounds.items():
            self._bound[tp] = max(bound, self._bound.get(tp, 0))

    def metadata(self, tp: Partition, bound: int | None = None) -> str:
        """What a commit of ``tp`` carries: the bound (ours now, or a new one) no record of ours is
        stored past before the next commit."""
        return f"spyglass:stores-below={self._bound.get(tp, 0) if bound is None else bound}"

    def close(self) -> OffsetRange:
        """Close the pending records into a batch (the newest held)."""
        below = self._repeat_below
        repeat = self._may_repeat or any(first < below.get(tp, -1) for tp, first in self._first.items())
        batch = OffsetRange(self._first, self._next, repeat)
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
            self.may_repeat_below(batch.next)  # a failed store may have written any of its records
        self._held.clear()
        self._first, self._next = {}, {}
        self._may_repeat = True
        return {tp: offset for tp, offset in earliest.items() if tp in assigned}
